"""Sample size: too few patients or controls, and patients lost before the last measurement.

The catalogue entries (parameters, rationale) are in rules/sample_size.toml.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .engine import Context, Hits
from .registry import rule
from .common import coverage_rows, fmt, has_control_group, series_codes, text

# two floats compared as fractions: 8 of 10 lost is exactly 20%, not "above" it
_EPS = 1e-9


@rule("small-sample")
def small_sample(ctx: Context, p: dict[str, Any]) -> Hits | None:
    """Fewer than min_n patients started ECT; high below critical_n."""
    s = ctx.studies
    n = s["n_ect"].to_numpy(dtype="float64")
    hit = n < p["min_n"]
    if not hit.any():
        return None
    n = n[hit]
    impact = np.where(n < p["critical_n"], "high", "some_concerns")
    message = text(fmt(n), f" patients received ECT; below {fmt(p['min_n'])} (high below {fmt(p['critical_n'])})")
    return Hits("studies", s.index[hit], "n_ect", message, impact=impact)


@rule("small-control-group")
def small_control_group(ctx: Context, p: dict[str, Any]) -> Hits | None:
    """A control group of fewer than min_control_n."""
    s = ctx.studies
    control_type, n_control = s["control_type"].to_numpy(dtype=object), s["n_control"].to_numpy(dtype="float64")
    hit = has_control_group(control_type) & (n_control < p["min_control_n"])
    if not hit.any():
        return None
    message = text(fmt(n_control[hit]), " controls (", control_type[hit], f"); below {fmt(p['min_control_n'])}")
    return Hits("studies", s.index[hit], "n_control", message)


@rule("attrition", needs=("measurements",))
def attrition(ctx: Context, p: dict[str, Any]) -> Hits | None:
    """ECT group: the last end_of_course/follow_up n is below (1 - max_attrition) x baseline n."""
    m = coverage_rows(ctx)
    series = series_codes(ctx)
    n = m["n"].to_numpy(dtype="float64")
    used = ctx.ect_rows(m) & ~np.isnan(n) & (series.code >= 0)
    base = used & ctx.among("timepoint", ("baseline",))
    has_base = np.bincount(series.code[base], minlength=series.count) > 0
    n_base = np.full(series.count, np.nan)
    np.fmax.at(n_base, series.code[base], n[base])
    # per series its last end_of_course or follow_up row: follow_up after end_of_course, then by
    # weeks or hours (unknown first), then by row
    later = np.flatnonzero(used & ctx.among("timepoint", ("end_of_course", "follow_up")))
    follow_up = ctx.among("timepoint", ("follow_up",))[later]
    when = np.where(
        follow_up,
        m["weeks_after_course"].to_numpy(dtype="float64")[later],
        m["hours_after_last_session"].to_numpy(dtype="float64")[later],
    )
    known = ~np.isnan(when)
    code = series.code[later]
    order = np.lexsort((later, np.where(known, when, 0.0), known, follow_up, code))
    code, later = code[order], later[order]
    last = np.ones(len(later), dtype=bool)
    last[:-1] = code[1:] != code[:-1]
    code, last_row = code[last], later[last]
    code, last_row = code[has_base[code]], last_row[has_base[code]]
    n_last, n_first = n[last_row], n_base[code]
    with np.errstate(divide="ignore", invalid="ignore"):
        lost = 1 - n_last / n_first
    hit = lost > p["max_attrition"] + _EPS
    if not hit.any():
        return None
    code, last_row, n_last, n_first, lost = code[hit], last_row[hit], n_last[hit], n_first[hit], lost[hit]
    impact = np.where(lost > p["severe_attrition"] + _EPS, "high", "some_concerns")
    message = (
        "n fell from "
        + fmt(n_first)
        + " at baseline to "
        + fmt(n_last)
        + " at "
        + m["timepoint"].to_numpy(dtype=object)[last_row]
        + " ("
        + fmt(np.round(lost * 100, 0))
        + f"% lost); above {fmt(p['max_attrition'] * 100)}%"
        + f" (high above {fmt(p['severe_attrition'] * 100)}%)"
    )
    return Hits("measurements", series.first_row[code], "n", message, impact=impact)
