"""Sample size: too few patients or controls, and patients lost before the last measurement.

The catalogue entries (parameters, rationale) are in rules/sample_size.toml.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .engine import Context, Hits
from .registry import rule
from .common import SERIES, coverage_rows, fmt, has_control_group, series_first_rows

# two floats compared as fractions: 8 of 10 lost is exactly 20%, not "above" it
_EPS = 1e-9


@rule("small-sample")
def small_sample(ctx: Context, p: dict[str, Any]) -> Hits | None:
    """Fewer than min_n patients started ECT; high below critical_n."""
    s = ctx.studies
    n = s["n_ect"]
    hit = n.lt(p["min_n"])
    if not hit.any():
        return None
    n = n[hit]
    impact = np.where(n.lt(p["critical_n"]), "high", "some_concerns")
    message = (
        fmt(n)
        + f" patients received ECT; below {fmt(p['min_n'])} (high below {fmt(p['critical_n'])})"
    )
    return Hits("studies", n.index, "n_ect", message, impact=impact)


@rule("small-control-group")
def small_control_group(ctx: Context, p: dict[str, Any]) -> Hits | None:
    """A control group of fewer than min_control_n."""
    s = ctx.studies
    hit = has_control_group(s) & s["n_control"].lt(p["min_control_n"])
    if not hit.any():
        return None
    s = s[hit]
    message = (
        fmt(s["n_control"])
        + " controls ("
        + s["control_type"]
        + f"); below {fmt(p['min_control_n'])}"
    )
    return Hits("studies", s.index, "n_control", message)


@rule("attrition", needs=("measurements",))
def attrition(ctx: Context, p: dict[str, Any]) -> Hits | None:
    """ECT group: the last end_of_course/follow_up n is below (1 - max_attrition) x baseline n."""
    m = coverage_rows(ctx)
    m = m[ctx.ect_rows(m) & m["n"].notna()]
    m = m.assign(_row=m.index)
    base = m[m["timepoint"].eq("baseline")].groupby(list(SERIES))["n"].max().rename("n_base")
    later = m[m["timepoint"].isin(("end_of_course", "follow_up"))]
    # the last of them in time: follow_up after end_of_course, then by weeks or hours
    later = later.assign(
        _order=later["timepoint"].eq("follow_up").astype("float64"),
        _when=later["weeks_after_course"].where(
            later["timepoint"].eq("follow_up"), later["hours_after_last_session"]
        ),
    ).sort_values(["_order", "_when", "_row"], na_position="first")
    last = later.groupby(list(SERIES)).tail(1).set_index(list(SERIES))[["n", "timepoint"]]
    series = last.join(base, how="inner").join(series_first_rows(ctx))
    lost = 1 - series["n"] / series["n_base"]
    series = series[lost > p["max_attrition"] + _EPS]
    if series.empty:
        return None
    lost = 1 - series["n"] / series["n_base"]
    impact = np.where(lost > p["severe_attrition"] + _EPS, "high", "some_concerns")
    pct = fmt((lost * 100).round(0))
    message = (
        "n fell from "
        + fmt(series["n_base"])
        + " at baseline to "
        + fmt(series["n"])
        + " at "
        + series["timepoint"]
        + " ("
        + pct
        + f"% lost); above {fmt(p['max_attrition'] * 100)}%"
        + f" (high above {fmt(p['severe_attrition'] * 100)}%)"
    )
    return Hits("measurements", series["_row"].to_numpy(), "n", message.to_numpy(), impact=impact)
