"""SD against SE and against a 95% CI, and SDs small enough to be SEs in disguise.

The commonest extraction error in depression-inflammation meta-analyses is SD misuse, most often
an SE taken for an SD (Lee et al., Psychol Med 2023). SD = SE x sqrt(n); from a 95% CI of a
mean, SD = sqrt(n) x (upper - lower) / (2 t_{0.975, n-1}) (Cochrane Handbook 6.5.2.2, which uses
the t quantile for small samples; t converges to the normal 1.96 as n grows, so it is used for
every n). Each reported number stands for the interval its rounding allows.
"""

from __future__ import annotations

import numpy as np

from ectqa.forensics.precision import as_float, rounding_interval

# Papers compute CIs in several ways (z instead of t, bootstrap, from a model, on log values
# back-transformed), so an SD implied by a CI is accepted within 5% of the reported SD on top of
# the rounding of both. An SE reported as SD is off by sqrt(n) (a factor of 3 at n = 10), far
# beyond this tolerance.
CI_RELATIVE_TOLERANCE = 0.05
_FLOAT_FUZZ = 1e-9


def _overlap(lo_a, hi_a, lo_b, hi_b):
    scale = np.maximum(np.abs(hi_a), np.abs(hi_b))
    return (lo_a <= hi_b + _FLOAT_FUZZ * scale) & (lo_b <= hi_a + _FLOAT_FUZZ * scale)


def sd_se_check(sd, se, n, sd_decimals, se_decimals):
    """Is a reported SD consistent with a reported SE, SD = SE x sqrt(n)?

    Consistent when the SD's rounding interval overlaps [se_low x sqrt(n), se_high x sqrt(n)],
    with se_low/se_high the SE's rounding interval (unknown decimals fall back to the float's
    own). Not applicable (ok) when a value is NaN or n < 1.
    Returns ``(ok, expected_sd)`` of the broadcast shape: bool, and SE x sqrt(n) (NaN when not
    applicable).
    """
    sd, se, n = as_float(sd), as_float(se), as_float(n)
    sd_lo, sd_hi = rounding_interval(sd, sd_decimals)
    se_lo, se_hi = rounding_interval(se, se_decimals)
    with np.errstate(invalid="ignore"):
        applicable = np.isfinite(sd_lo) & np.isfinite(se_lo) & np.isfinite(n) & (n >= 1)
        root = np.sqrt(np.where(applicable, n, np.nan))
        consistent = _overlap(sd_lo, sd_hi, se_lo * root, se_hi * root)
    ok = ~applicable | consistent
    expected = np.where(applicable, se * root, np.nan)
    return np.asarray(ok), np.asarray(expected)


def sd_ci_check(sd, ci_lower, ci_upper, n, sd_decimals, ci_decimals):
    """Is a reported SD consistent with a 95% CI of the mean?

    The CI implies SD = sqrt(n) x (upper - lower) / (2 t_{0.975, n-1}) (t quantile from
    ``scipy.special.stdtrit``). The CI ends may each be off by their rounding, and the implied
    SD is widened by a relative ``CI_RELATIVE_TOLERANCE`` (5%) because papers compute CIs in
    different ways; consistent when that interval overlaps the SD's rounding interval.
    Not applicable (ok) for NaN values, n < 2 or upper < lower.
    Returns ``(ok, expected_sd)`` of the broadcast shape.
    """
    from ..lean import scipy_special

    special = scipy_special()

    sd, lower, upper, n = as_float(sd), as_float(ci_lower), as_float(ci_upper), as_float(n)
    sd_lo, sd_hi = rounding_interval(sd, sd_decimals)
    lower_lo, lower_hi = rounding_interval(lower, ci_decimals)
    upper_lo, upper_hi = rounding_interval(upper, ci_decimals)
    with np.errstate(invalid="ignore"):
        applicable = (
            np.isfinite(sd_lo)
            & np.isfinite(lower_lo)
            & np.isfinite(upper_lo)
            & np.isfinite(n)
            & (n >= 2)
            & (upper >= lower)
        )
        n_ok = np.where(applicable, n, np.nan)
        factor = np.sqrt(n_ok) / (2.0 * special.stdtrit(n_ok - 1.0, 0.975))
        expected = (upper - lower) * factor
        implied_lo = np.maximum(upper_lo - lower_hi, 0.0) * factor * (1 - CI_RELATIVE_TOLERANCE)
        implied_hi = (upper_hi - lower_lo) * factor * (1 + CI_RELATIVE_TOLERANCE)
        consistent = _overlap(sd_lo, sd_hi, implied_lo, implied_hi)
    ok = ~applicable | consistent
    return np.asarray(ok), np.asarray(np.where(applicable, expected, np.nan))


def sd_possibly_se(sd, mean, n, min_cv) -> np.ndarray:
    """Flag SDs so small against the mean that they may be SEs (rule ``sd-possibly-se``).

    True where sd is given, n >= 10, mean > 0 and sd / mean < ``min_cv`` (scalar or array).
    Between-subject CVs of cytokines and CRP run 22 to 93% (Macy 1997), while an SE shows as
    CV / sqrt(n). NaN anywhere gives False. Returns a bool array of the broadcast shape.
    """
    sd, mean, n, min_cv = as_float(sd), as_float(mean), as_float(n), as_float(min_cv)
    with np.errstate(invalid="ignore", divide="ignore"):
        flagged = (n >= 10) & (mean > 0) & (sd >= 0) & (sd / mean < min_cv)
    return np.asarray(flagged)
