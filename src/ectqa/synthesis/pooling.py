"""Random-effects pooling as R's metafor ``rma()`` does it, and a robustness verdict.

Weights w = 1/vi. Q = sum w (yi - ybar_w)^2 (metafor's ``QE``), with ybar_w the fixed-effect mean.

* DerSimonian-Laird (``method="DL"``): tau2 = max(0, (Q - (k - 1)) / (sum w - sum w^2 / sum w)).
* Paule-Mandel (``method="PM"``): tau2 solves sum (yi - mu(tau2))^2 / (vi + tau2) = k - 1, with
  mu(tau2) the random-effects mean; the left side falls monotonically in tau2, so the root is
  bracketed and found by bisection to 1e-12 (metafor: ``control=list(tol=1e-12)``). When the
  left side at tau2 = 0 is already at or below k - 1 there is no positive root and tau2 = 0.

Then w* = 1/(vi + tau2), mu = sum w* yi / sum w*, se = sqrt(1 / sum w*), the 95% CI is
mu +- z se with z = Phi^-1(0.975) = 1.959964..., and the 95% prediction interval (metafor's
``predict()``) mu +- z sqrt(tau2 + se^2). I^2 (percent) = 100 tau2 / (tau2 + s2), with
s2 = (k - 1) sum w / ((sum w)^2 - sum w^2), metafor's "typical" within-study variance.

A single study (k = 1) is returned as itself: estimate yi, se sqrt(vi), tau2 = I^2 = Q = 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from ectqa.lean import scipy_special

ndtri = scipy_special().ndtri

__all__ = ["Pooled", "Z_975", "pool", "leave_one_out", "verdict", "VERDICTS"]

#: The 0.975 standard normal quantile used for every 95% interval (1.959963984540054).
Z_975: float = float(ndtri(0.975))

Method = Literal["DL", "PM"]

#: The values ``verdict`` returns.
VERDICTS = ("too few studies", "direction changes", "significance lost", "direction robust")

_PM_TOL = 1e-12
_PM_MAXITER = 500


@dataclass(frozen=True)
class Pooled:
    """One random-effects meta-analysis.

    ``i2`` is a percentage (0 to 100); ``q`` is Cochran's Q of the fixed-effect model;
    ``method`` is ``"DL"`` or ``"PM"``.
    """

    k: int
    estimate: float
    se: float
    ci_lower: float
    ci_upper: float
    pi_lower: float
    pi_upper: float
    tau2: float
    i2: float
    q: float
    method: str

    @property
    def significant(self) -> bool:
        """True when the 95% CI excludes 0."""
        return self.ci_lower > 0 or self.ci_upper < 0


def _check(yi: ArrayLike, vi: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(yi, dtype=float).ravel()
    v = np.asarray(vi, dtype=float).ravel()
    if y.shape != v.shape:
        raise ValueError(f"yi and vi differ in length ({y.size} and {v.size})")
    if y.size == 0:
        raise ValueError("no studies to pool")
    if not (np.all(np.isfinite(y)) and np.all(np.isfinite(v))):
        raise ValueError("yi and vi must be finite (drop studies without an effect first)")
    if np.any(v <= 0):
        raise ValueError("every vi must be positive")
    return y, v


def _gen_q(tau2: float, y: np.ndarray, v: np.ndarray) -> float:
    """Generalised Q: sum (yi - mu)^2 / (vi + tau2), mu the weighted mean at tau2."""
    w = 1.0 / (v + tau2)
    mu = np.dot(w, y) / w.sum()
    return float(np.dot(w, (y - mu) ** 2))


def _tau2_pm(y: np.ndarray, v: np.ndarray) -> float:
    k = y.size
    target = k - 1.0
    if _gen_q(0.0, y, v) <= target:
        return 0.0
    lo, hi = 0.0, max(float(np.var(y)) * 10.0, float(v.max()), 1e-8)
    # Q(tau2) -> 0 as tau2 grows, so doubling always brackets the root (k >= 2).
    while _gen_q(hi, y, v) > target:
        lo, hi = hi, hi * 2.0
    for _ in range(_PM_MAXITER):
        mid = 0.5 * (lo + hi)
        if _gen_q(mid, y, v) > target:
            lo = mid
        else:
            hi = mid
        if hi - lo <= _PM_TOL * max(1.0, hi):
            break
    return 0.5 * (lo + hi)


def pool(yi: ArrayLike, vi: ArrayLike, method: Method = "PM") -> Pooled:
    """Random-effects meta-analysis of effects ``yi`` with sampling variances ``vi``.

    ``method`` is ``"PM"`` (Paule-Mandel, the default) or ``"DL"`` (DerSimonian-Laird).
    Raises ValueError for no studies, non-finite values, or a non-positive variance.

    >>> p = pool([0.2, 0.5, -0.1], [0.04, 0.05, 0.03], "DL")
    >>> p.k, round(p.estimate, 4), round(p.tau2, 4)
    (3, 0.1779, 0.0508)
    """
    if method not in ("DL", "PM"):
        raise ValueError(f"method must be 'DL' or 'PM', not {method!r}")
    y, v = _check(yi, vi)
    k = y.size
    w = 1.0 / v
    sw = w.sum()
    ybar = np.dot(w, y) / sw
    q = float(np.dot(w, (y - ybar) ** 2))
    if k == 1:
        est, se = float(y[0]), math.sqrt(float(v[0]))
        tau2 = i2 = 0.0
        q = 0.0
    else:
        sw2 = float(np.dot(w, w))
        if method == "DL":
            tau2 = max(0.0, (q - (k - 1)) / (sw - sw2 / sw))
        else:
            tau2 = _tau2_pm(y, v)
        ws = 1.0 / (v + tau2)
        est = float(np.dot(ws, y) / ws.sum())
        se = math.sqrt(1.0 / ws.sum())
        s2 = (k - 1) * sw / (sw**2 - sw2)
        i2 = 100.0 * tau2 / (tau2 + s2)
    half = Z_975 * se
    half_pi = Z_975 * math.sqrt(tau2 + se**2)
    return Pooled(
        k=k,
        estimate=est,
        se=se,
        ci_lower=est - half,
        ci_upper=est + half,
        pi_lower=est - half_pi,
        pi_upper=est + half_pi,
        tau2=float(tau2),
        i2=float(i2),
        q=q,
        method=method,
    )


def leave_one_out(yi: ArrayLike, vi: ArrayLike, method: Method = "PM") -> list[Pooled]:
    """The analysis repeated k times, each time without one study (in input order).

    Returns an empty list for a single study.
    """
    y, v = _check(yi, vi)
    if y.size < 2:
        return []
    keep = ~np.eye(y.size, dtype=bool)
    return [pool(y[row], v[row], method) for row in keep]


def verdict(full: Pooled, sensitivity: list[Pooled]) -> str:
    """Whether the pooled result survives sensitivity analyses (leave-one-out, other r, ...).

    The logic, checked in this order, the first that applies wins:

    1. ``"too few studies"`` if the full analysis has k < 3;
    2. ``"direction changes"`` if any sensitivity analysis with k >= 1 has an estimate of the
       opposite sign to the full estimate (strictly: an estimate of exactly 0, or a full
       estimate of exactly 0, is no change of sign);
    3. ``"significance lost"`` if the full analysis's 95% CI excludes 0 and the 95% CI of any
       sensitivity analysis with k >= 1 includes 0 (touching 0 counts as including it);
    4. ``"direction robust"`` otherwise, including when ``sensitivity`` is empty.

    A change of direction outranks lost significance because it is the stronger finding: an
    estimate that flips sign also usually has a CI spanning 0.
    """
    if full.k < 3:
        return "too few studies"
    used = [s for s in sensitivity if s.k >= 1 and math.isfinite(s.estimate)]
    sign = np.sign(full.estimate)
    if sign != 0 and any(np.sign(s.estimate) == -sign for s in used):
        return "direction changes"
    if full.significant and any(s.ci_lower <= 0 <= s.ci_upper for s in used):
        return "significance lost"
    return "direction robust"
