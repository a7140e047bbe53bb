"""GRIM and GRIMMER: is a mean (or SD, or percentage) possible for integer data of that n?

GRIM (Brown & Heathers 2017, Soc Psychol Personal Sci 8:363): the mean of n integer scores is a
sum over n, so only some values exist at a given number of decimals. With N = n x items and d
decimals, a mean is possible only if some integer sum T gives T / N rounding to it.

GRIMMER (Anaya 2016, PeerJ Preprints 4:e2400; the analytic form of Jordan Allard, 2018): for a
possible sum T the SD fixes the sum of squares Q = (n - 1) sd^2 + T^2 / n, which must be an
integer with the parity of T (x^2 and x have the same parity), and which must give back the
reported SD when rounded.

Rounding follows the rule catalogue: a reported value is consistent when either half-up or
half-even rounding of a candidate reproduces it. All comparisons are made on integers (the
reported value scaled by 10**d), so 5.15 with n = 20 is judged exactly, not by float luck.
Negative means are judged by their absolute value (half-up rounds half away from zero).
"""

from __future__ import annotations

import numpy as np

from ectqa.forensics.precision import as_decimals, as_float

# Beyond this the scaled integers could overflow int64; such rows are judged not applicable.
_MAX_SCALED = 2.0**60
# GRIMMER tries each possible sum; with more than this many the test has no power anyway.
_MAX_SUMS = 1000


def _ceil_div(a, b):
    return -((-a) // b)


def _sum_range(scaled, N, decimals, factor):
    """Integer sums T whose T * factor / N rounds (half-up or half-even) to scaled / 10**d.

    ``scaled`` is the reported value times 10**d, an integer. The value T * factor / N rounds to
    it when 2 * T * factor * 10**d lies in [(2 scaled - 1) N, (2 scaled + 1) N]; the lower end
    is reached by half-up rounding always, the upper one by half-even rounding only when
    ``scaled`` is even. Returns the first and last such T (first > last: none exists).
    """
    denominator = 2 * factor * 10**decimals
    first = _ceil_div((2 * scaled - 1) * N, denominator)
    upper = (2 * scaled + 1) * N
    last = np.where(scaled % 2 == 0, upper // denominator, _ceil_div(upper, denominator) - 1)
    return first, last


def _sum_range_int(scaled: int, N: int, decimals: int) -> tuple[int, int]:
    """:func:`_sum_range` for one mean in Python integers (no overflow)."""
    denominator = 2 * 10**decimals
    first = _ceil_div((2 * scaled - 1) * N, denominator)
    upper = (2 * scaled + 1) * N
    last = upper // denominator if scaled % 2 == 0 else _ceil_div(upper, denominator) - 1
    return first, last


def _round_half_up(values, decimals):
    """Round half away from zero (what a reader does by hand) to ``decimals``."""
    scale = 10.0**decimals
    return np.sign(values) * np.floor(np.abs(values) * scale + 0.5) / scale


def _prepare(values, ns, decimals, items):
    values = as_float(values)
    ns = as_float(ns)
    d = as_decimals(decimals)
    items = as_float(items)
    shape = np.broadcast_shapes(values.shape, ns.shape, d.shape, items.shape)
    values, ns, d, items = (np.broadcast_to(a, shape).ravel() for a in (values, ns, d, items))
    return shape, values, ns, d, items


def _grim_core(values, ns, decimals, items, factor, clip):
    """Shared GRIM arithmetic on flat arrays; returns (applicable, first, last, N, scaled)."""
    N_float = ns * items
    with np.errstate(invalid="ignore"):
        applicable = (
            np.isfinite(values)
            & np.isfinite(N_float)
            & (ns >= 1)
            & (items >= 1)
            & (N_float == np.round(N_float))
            & (decimals >= 0)
        )
        # Every value at this precision is possible once the step factor / N between possible
        # values is at most 10**-d, i.e. N >= factor x 10**d.
        applicable &= N_float < factor * 10.0**decimals
        scaled_float = np.rint(np.abs(values) * 10.0**decimals)
        applicable &= scaled_float * N_float < _MAX_SCALED / 4
    N = np.where(applicable, N_float, 1).astype(np.int64)
    d = np.where(applicable, decimals, 0)
    scaled = np.where(applicable, scaled_float, 0).astype(np.int64)
    if clip:
        scaled = np.where(applicable, np.rint(values * 10.0**decimals), 0).astype(np.int64)
    first, last = _sum_range(scaled, N, d, factor)
    if clip:  # a count lies in 0..n
        first, last = np.maximum(first, 0), np.minimum(last, N)
    return applicable, first, last, N, scaled


def _nearest(first, last, N, d, factor, bad, clip, sign):
    """The nearest reportable values below and above an impossible one (NaN where possible)."""
    below, above = first - 1, last + 1
    with np.errstate(invalid="ignore", divide="ignore"):
        lower = _round_half_up(below * factor / N, d) * sign
        upper = _round_half_up(above * factor / N, d) * sign
    if clip:
        lower = np.where((below >= 0) & (below <= N), lower, np.nan)
        upper = np.where((above >= 0) & (above <= N), upper, np.nan)
    if np.any(sign < 0):  # mirrored: the nearest below a negative mean is the larger |mean|
        lower, upper = np.where(sign < 0, upper, lower), np.where(sign < 0, lower, upper)
    lower = np.where(bad, lower, np.nan)
    upper = np.where(bad, upper, np.nan)
    return lower, upper


def grim_check(means, ns, decimals, items=1):
    """GRIM test (Brown & Heathers 2017) of means of integer data.

    A mean reported with ``decimals`` decimals is possible for n subjects answering ``items``
    integer items when an integer sum T gives T / (n x items) rounding (half-up or half-even)
    to it. Not applicable, and so ``ok``, when the mean or n is NaN, decimals are unknown
    (``-1``), n is not a positive whole number, or 10**decimals <= n x items (every value at that
    precision is possible).

    Returns ``(ok, lower, upper)`` arrays of the broadcast shape: ``ok`` bool; ``lower`` and
    ``upper`` the nearest possible means below and above the reported one at its precision
    (half-up rounded), NaN where ok.
    """
    shape, means, ns, d, items = _prepare(means, ns, decimals, items)
    applicable, first, last, N, _ = _grim_core(means, ns, d, items, factor=1, clip=False)
    ok = ~applicable | (first <= last)
    sign = np.where(means < 0, -1.0, 1.0)
    lower, upper = _nearest(first, last, N, d, 1, ~ok, clip=False, sign=sign)
    return ok.reshape(shape), lower.reshape(shape), upper.reshape(shape)


def grim_percent_check(pcts, ns, decimals):
    """GRIM for a percentage of n people (e.g. ``female_pct`` of ``n_ect``).

    Possible when some whole count k in 0..n gives 100 k / n rounding (half-up or half-even) to
    the reported percentage at ``decimals`` decimals (Brown & Heathers 2017 apply GRIM to
    percentages the same way). Not applicable (``ok``) when a value is NaN, decimals are unknown
    or 10**(decimals + 2) <= n.

    Returns ``(ok, lower, upper)``: the nearest possible percentages below and above (NaN where
    ok or where none exists, e.g. below 0 %).
    """
    shape, pcts, ns, d, items = _prepare(pcts, ns, decimals, 1)
    applicable, first, last, N, _ = _grim_core(pcts, ns, d, items, factor=100, clip=True)
    ok = ~applicable | (first <= last)
    lower, upper = _nearest(first, last, N, d, 100, ~ok, clip=True, sign=np.ones_like(pcts))
    return ok.reshape(shape), lower.reshape(shape), upper.reshape(shape)


def _sd_bounds_q(T, n, sd_scaled, d_sd, items):
    """First and last integer sum of squares Q whose SD rounds to sd_scaled / 10**d_sd.

    With SD of the integer item totals s_t = sd x items, s_t^2 = (n Q - T^2) / (n (n - 1)).
    The reported SD is reproduced when 2 x 10**d x s_t / items lies in
    [2 sd_scaled - 1, 2 sd_scaled + 1] (upper end only for even sd_scaled, half-even), that is
    (2 sd_scaled -+ 1)^2 items^2 n (n - 1) <=> 4 x 10**(2 d) (n Q - T^2). Python integers, exact.
    """
    B = 4 * 10 ** (2 * d_sd)
    scale = items * items * n * (n - 1)
    low_edge = 0 if sd_scaled == 0 else (2 * sd_scaled - 1) ** 2 * scale
    high_edge = (2 * sd_scaled + 1) ** 2 * scale
    first = _ceil_div(low_edge + B * T * T, n * B)
    if sd_scaled % 2 == 0:
        last = (high_edge + B * T * T) // (n * B)
    else:
        last = _ceil_div(high_edge + B * T * T, n * B) - 1
    return first, last


def _sd_of(T, Q, n, items):
    return float(np.sqrt(max(n * Q - T * T, 0) / (n * (n - 1)))) / items


def _grimmer_one(mean, sd, n, d_mean, d_sd, items):
    """(ok, sd_lower, sd_upper) for one applicable row, in exact integer arithmetic."""
    N = n * items
    mean_scaled = int(round(abs(mean) * 10**d_mean))
    sd_scaled = int(round(sd * 10**d_sd))
    # Sums T whose mean rounds to the reported one; every T when GRIM itself cannot judge.
    first, last = _sum_range_int(mean_scaled, N, d_mean)
    if last < first or last - first > _MAX_SUMS:
        return True, np.nan, np.nan
    best_lower, best_upper = -np.inf, np.inf
    for T in range(first, last + 1):
        q_first, q_last = _sd_bounds_q(T, n, sd_scaled, d_sd, items)
        # the smallest Q at or above q_first with Q = T (mod 2), and the largest at or below q_last
        q_even_first = q_first + ((q_first - T) % 2)
        if q_even_first <= q_last:
            return True, np.nan, np.nan
        q_below = q_first - 1 - ((q_first - 1 - T) % 2)
        q_above = q_last + 1 + ((q_last + 1 - T) % 2)
        if n * q_below >= T * T:
            best_lower = max(best_lower, _sd_of(T, q_below, n, items))
        best_upper = min(best_upper, _sd_of(T, q_above, n, items))
    lower = float(_round_half_up(best_lower, d_sd)) if np.isfinite(best_lower) else np.nan
    upper = float(_round_half_up(best_upper, d_sd)) if np.isfinite(best_upper) else np.nan
    return False, lower, upper


def grimmer_check(means, sds, ns, mean_decimals, sd_decimals, items=1):
    """GRIMMER test (Anaya 2016; Allard's analytic form) of SDs of integer data.

    Judged only where GRIM passes (a GRIM failure is GRIM's finding, so GRIMMER returns ok):
    for each integer sum T whose mean rounds to the reported mean (with N = n x items), the SD's
    rounding interval sd +- 0.5 x 10**-sd_decimals bounds the sum of squares of the item totals,
    Q = (n - 1)(sd x items)^2 + T^2 / n. The SD is possible when some integer Q in those bounds
    has the parity of T and an SD that rounds (half-up or half-even) to the reported one.
    Not applicable (ok) for NaN values, n < 2, non-whole n, unknown decimals.

    Returns ``(ok, sd_lower, sd_upper)`` arrays of the broadcast shape: the nearest possible SDs
    below and above the reported one at its precision (half-up rounded; NaN where ok).
    """
    means, sds, ns = as_float(means), as_float(sds), as_float(ns)
    d_mean, d_sd, items = as_decimals(mean_decimals), as_decimals(sd_decimals), as_float(items)
    shape = np.broadcast_shapes(
        means.shape, sds.shape, ns.shape, d_mean.shape, d_sd.shape, items.shape
    )
    arrays = (means, sds, ns, d_mean, d_sd, items)
    means, sds, ns, d_mean, d_sd, items = (np.broadcast_to(a, shape).ravel() for a in arrays)
    grim_ok, _, _ = grim_check(means, ns, d_mean, items)
    with np.errstate(invalid="ignore"):
        candidates = (
            grim_ok
            & np.isfinite(means)
            & np.isfinite(sds)
            & (sds >= 0)
            & np.isfinite(ns)
            & (ns >= 2)
            & (ns == np.round(ns))
            & (items >= 1)
            & (items == np.round(items))
            & (d_mean >= 0)
            & (d_sd >= 0)
        )
    ok = np.ones(means.shape, dtype=bool)
    lower = np.full(means.shape, np.nan)
    upper = np.full(means.shape, np.nan)
    # The integer search needs Python's unbounded integers: it visits each distinct
    # (mean, sd, n, decimals, items) once, and only among candidate rows.
    rows = np.flatnonzero(candidates)
    if len(rows):
        keys = [a[rows] for a in (means, sds, ns, d_mean, d_sd, items)]
        # sorted by every key (a lexsort: np.unique over rows sorts far slower), then one
        # search per run of equal keys
        order = np.lexsort(keys[::-1])
        keys = [k[order] for k in keys]
        starts = np.zeros(len(rows), dtype=bool)
        starts[0] = True
        for k in keys:
            starts[1:] |= k[1:] != k[:-1]
        results = [
            _grimmer_one(m, s, int(n), int(dm), int(ds), int(it))
            for m, s, n, dm, ds, it in zip(*(k[starts].tolist() for k in keys), strict=True)
        ]
        found_ok, found_lower, found_upper = (np.asarray(x) for x in zip(*results, strict=True))
        found = np.empty(len(rows), dtype=np.int64)
        found[order] = np.cumsum(starts) - 1  # each row's run of equal keys
        ok[rows] = found_ok[found]
        lower[rows] = found_lower[found]
        upper[rows] = found_upper[found]
    return ok.reshape(shape), lower.reshape(shape), upper.reshape(shape)
