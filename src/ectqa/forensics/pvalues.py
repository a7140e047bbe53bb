"""Recompute p from a test statistic and its df, and judge the reported p (statcheck).

After statcheck (Nuijten et al. 2016, Behav Res Methods 48:1205): a p recomputed from t(df),
F(df1, df2), r(df), chi2(df) or z is an inconsistency when it differs from the reported p beyond
rounding, and a decision error when the two fall on different sides of alpha (significance is
p <= alpha). Rounding is allowed on both sides: the statistic, reported with k decimals, stands
for any value within +- 0.5 x 10**-k, which maps to an interval of p; the reported p stands for
its own rounding interval (either half-up or half-even rounding accepted, so both ends count).

Only ``scipy.special`` is used, imported inside the functions: ``scipy.stats`` takes most of a
second to import and is never needed here.
"""

from __future__ import annotations

import numpy as np

from ectqa.forensics.precision import (
    as_decimals,
    as_float,
    rounding_interval,
)

# Spellings of each statistic as extractors type them.
_STATISTICS = {
    "t": "t",
    "f": "F",
    "r": "r",
    "rho": "r",
    "chi2": "chi2",
    "chi^2": "chi2",
    "chisq": "chi2",
    "chi-square": "chi2",
    "chi_square": "chi2",
    "x2": "chi2",
    "χ2": "chi2",
    "χ²": "chi2",
    "z": "z",
}

_RELATIONS = {
    "": "=",
    "=": "=",
    "==": "=",
    "<": "<",
    "<=": "<",
    "≤": "<",
    ">": ">",
    ">=": ">",
    "≥": ">",
}


def _codes(values, table: dict, empty: str, shape) -> np.ndarray:
    """Look each value up in ``table`` (stripped; non-text gives ``empty``), broadcast to shape."""

    def code(value):
        if not isinstance(value, str):
            return empty
        return table.get(value.strip(), table.get(value.strip().lower(), ""))

    arr = np.asarray(values, dtype=object)
    if arr.ndim == 0:
        return np.full(shape, code(arr.item()), dtype=object)
    values = arr.ravel().tolist()
    try:  # each distinct value once
        known = {v: code(v) for v in dict.fromkeys(values)}
        looked_up = np.array(list(map(known.__getitem__, values)), dtype=object)
    except TypeError:  # an unhashable value
        looked_up = np.array([code(v) for v in values], dtype=object)
    return np.broadcast_to(looked_up.reshape(arr.shape), shape)


def _statistic_codes(statistic, shape) -> np.ndarray:
    """Canonical statistic names ('t', 'F', 'r', 'chi2', 'z', or '' when unknown)."""
    return _codes(statistic, _STATISTICS, "", shape)


def _relation_codes(relation, shape) -> np.ndarray:
    """'=', '<' or '>'; empty, NaN and None mean '='; anything else is '' (not judged)."""
    return _codes(relation, _RELATIONS, "=", shape)


def _p_of(codes, value, df1, df2) -> np.ndarray:
    """Two-tailed p (upper tail for F and chi2) for flat arrays of canonical codes."""
    from ..lean import scipy_special

    special = scipy_special()

    p = np.full(value.shape, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = codes == "t"
        p[t] = 2.0 * special.stdtr(df1[t], -np.abs(value[t]))
        f = codes == "F"
        p[f] = special.fdtrc(df1[f], df2[f], value[f])
        chi = codes == "chi2"
        p[chi] = special.chdtrc(df1[chi], value[chi])
        z = codes == "z"
        p[z] = 2.0 * special.ndtr(-np.abs(value[z]))
        r = codes == "r"
        r_abs = np.abs(value[r])
        t_of_r = r_abs * np.sqrt(df1[r] / (1.0 - r_abs**2))
        p_r = 2.0 * special.stdtr(df1[r], -t_of_r)
        p[r] = np.where(r_abs == 1.0, 0.0, np.where(r_abs > 1.0, np.nan, p_r))
        # Impossible inputs (negative df, F or chi2) give NaN rather than a made-up p.
        bad_df = ~(df1 > 0) & (codes != "z")
        bad_df |= (codes == "F") & ~(df2 > 0)
        bad_value = np.isin(codes, ["F", "chi2"]) & (value < 0)
    p[bad_df | bad_value] = np.nan
    return p


def recompute_p(statistic, value, df1, df2=np.nan) -> np.ndarray:
    """p recomputed from a test statistic (statcheck, Nuijten et al. 2016).

    ``statistic`` is 't', 'F', 'r', 'chi2' or 'z' (case-insensitive; unknown gives NaN).
    t: two-tailed, 2 x P(T_df1 > |t|). F: upper tail P(F_df1,df2 > F). r: two-tailed, via
    t = r sqrt(df1 / (1 - r^2)) with df1 the correlation's df (usually n - 2). chi2: upper tail
    P(chi2_df1 > x). z: two-tailed, 2 x P(Z > |z|). NaN inputs give NaN.
    Returns a float array of the broadcast shape.
    """
    value, df1, df2 = as_float(value), as_float(df1), as_float(df2)
    shape = np.broadcast_shapes(np.shape(statistic), value.shape, df1.shape, df2.shape)
    codes = _statistic_codes(statistic, shape).ravel()
    flat = [np.broadcast_to(a, shape).ravel() for a in (value, df1, df2)]
    return _p_of(codes, *flat).reshape(shape)


def p_interval(statistic, value, value_decimals, df1, df2=np.nan):
    """The interval of p the statistic's rounding allows: ``(p_low, p_high)``.

    p falls as |statistic| grows (t, z, r) or as it grows (F, chi2), so the ends come from the
    ends of the statistic's rounding interval value +- 0.5 x 10**-decimals (unknown decimals
    fall back to the float's own). |r| is capped at 1, F and chi2 at 0 from below, |t| and |z|
    at 0. Returns float arrays of the broadcast shape.
    """
    value, df1, df2 = as_float(value), as_float(df1), as_float(df2)
    shape = np.broadcast_shapes(
        np.shape(statistic), value.shape, np.shape(value_decimals), df1.shape, df2.shape
    )
    codes = _statistic_codes(statistic, shape).ravel()
    lo, hi = rounding_interval(np.abs(np.broadcast_to(value, shape)), value_decimals)
    lo = np.maximum(np.broadcast_to(lo, shape).ravel(), 0.0)
    hi = np.broadcast_to(hi, shape).ravel().copy()
    hi = np.where(codes == "r", np.minimum(hi, 1.0), hi)
    df1, df2 = (np.broadcast_to(a, shape).ravel() for a in (df1, df2))
    p_low = _p_of(codes, hi, df1, df2)
    p_high = _p_of(codes, lo, df1, df2)
    return p_low.reshape(shape), p_high.reshape(shape)


def p_check(
    reported_p,
    relation,
    statistic,
    value,
    value_decimals,
    df1,
    df2,
    p_decimals,
    alpha=0.05,
):
    """Is a reported p consistent with its statistic? (statcheck, Nuijten et al. 2016).

    The recomputed p is the interval :func:`p_interval` gives. With ``relation`` '=' (also
    empty, NaN or None) the reported p's rounding interval p +- 0.5 x 10**-p_decimals must
    overlap it ("p = .000" stands for [0, .0005]; unknown ``p_decimals`` fall back to the
    float's own decimals, and to 3 for a bare 0); with '<' (or '<=') the lowest recomputed p
    must be below the reported one; with '>' (or '>=') the highest must be above it. p values
    are taken as two-tailed (F and chi2: upper tail); a one-tailed p shows as inconsistent.

    A decision error is an inconsistency where the reported p claims a side of ``alpha`` that
    the whole recomputed interval contradicts (significance is p <= alpha): '=' claims the side
    of its value; '<' claims significance when the reported p <= alpha ("p < .05" but p = .08);
    '>' claims non-significance when the reported p >= alpha.

    Not applicable (ok, no decision error) where the reported p, the statistic's value or its
    df are missing, the statistic or relation is unknown, or p cannot be recomputed.
    Returns ``(ok, decision_error)`` bool arrays of the broadcast shape.
    """
    reported_p = as_float(reported_p)
    value = as_float(value)
    shape = np.broadcast_shapes(
        reported_p.shape,
        np.shape(relation),
        np.shape(statistic),
        value.shape,
        np.shape(value_decimals),
        np.shape(df1),
        np.shape(df2),
        np.shape(p_decimals),
        np.shape(alpha),
    )
    p_low, p_high = p_interval(
        np.broadcast_to(np.asarray(statistic, dtype=object), shape),
        np.broadcast_to(value, shape),
        value_decimals,
        df1,
        df2,
    )
    p_low, p_high = p_low.ravel(), p_high.ravel()
    reported = np.broadcast_to(reported_p, shape).ravel()
    rel = _relation_codes(relation, shape).ravel()
    alpha = np.broadcast_to(as_float(alpha), shape).ravel()
    # A bare 0 with unknown decimals is read as APA's "p = .000" rather than as "p = 0" +- 0.5;
    # other unknown decimals fall back to the float's own (in rounding_interval).
    p_dec = np.broadcast_to(as_decimals(p_decimals), shape).ravel()
    p_dec = np.where((p_dec < 0) & (reported == 0), 3, p_dec)
    rep_lo, rep_hi = rounding_interval(reported, p_dec)
    rep_lo, rep_hi = rep_lo.ravel(), rep_hi.ravel()
    tolerance = 1e-12  # float fuzz only

    with np.errstate(invalid="ignore"):
        judged = np.isfinite(reported) & np.isfinite(p_low) & np.isfinite(p_high) & (rel != "")
        equal = rel == "="
        less = rel == "<"
        greater = rel == ">"
        consistent = np.where(
            equal,
            (p_low <= rep_hi + tolerance) & (p_high >= rep_lo - tolerance),
            np.where(less, p_low < reported + tolerance, p_high > reported - tolerance),
        )
        ok = ~judged | consistent
        claims_significant = (equal | less) & (reported <= alpha)
        claims_not_significant = (equal & (reported > alpha)) | (greater & (reported >= alpha))
        decision_error = ~ok & (
            (claims_significant & (p_low > alpha)) | (claims_not_significant & (p_high <= alpha))
        )
    return ok.reshape(shape), decision_error.reshape(shape)
