"""Timing: when blood was drawn relative to the course and to each session.

The catalogue entries (parameters, rationale) are in rules/timing.toml.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .common import LATER, coverage_rows, fmt, readable_series, series_table
from .engine import Context, Hits
from .registry import rule

# ---------------------------------------------------------------- rules


def _timepoint_coverage(ctx: Context) -> pd.DataFrame:
    """Per ECT-group series: whether it has a baseline and a later row (readable series only).
    Shared by missing-baseline and missing-post-course, computed once per check."""
    if "timepoint_coverage" not in ctx.cache:
        m = coverage_rows(ctx)
        m = m[ctx.ect_rows(m)]
        t = series_table(
            ctx,
            m.assign(_base=m["timepoint"].eq("baseline"), _later=m["timepoint"].isin(LATER)),
            base=("_base", "any"),
            later=("_later", "any"),
        )
        ctx.cache["timepoint_coverage"] = t[readable_series(ctx, t.index)]
    return ctx.cache["timepoint_coverage"]


def _series_hits(t: pd.DataFrame, text: str) -> Hits | None:
    if t.empty:
        return None
    outcome = t.index.get_level_values("outcome").to_series(index=t.index)
    group = t.index.get_level_values("group").to_series(index=t.index)
    return Hits("measurements", t["_row"].to_numpy(), "timepoint", (outcome + " (" + group + "): " + text).to_numpy())


@rule("missing-baseline", needs=("measurements",))
def missing_baseline(ctx: Context, p: dict[str, Any]) -> Hits | None:
    """ECT group: a series with later timepoints but no baseline."""
    t = _timepoint_coverage(ctx)
    return _series_hits(t[t["later"] & ~t["base"]], "measured after ECT began but no baseline row")


@rule("missing-post-course", needs=("measurements",))
def missing_post_course(ctx: Context, p: dict[str, Any]) -> Hits | None:
    """ECT group: a baseline but no acute, during_course, end_of_course or follow_up row."""
    t = _timepoint_coverage(ctx)
    return _series_hits(t[t["base"] & ~t["later"]], "baseline only, no row after ECT began")


@rule("sparse-acute-window", needs=("measurements",))
def sparse_acute_window(ctx: Context, p: dict[str, Any]) -> Hits | None:
    """ECT group, acute rows: < 2 distinct positive times, or none in the class's window."""
    m = coverage_rows(ctx)
    m = m[ctx.ect_rows(m) & m["timepoint"].eq("acute")]
    if m.empty:
        return None
    hours = m["hours_after_session"]
    cls = ctx.outcome_class(m["outcome"])
    window = {k: tuple(v) for k, v in p["acute_window"].items()}
    lo = cls.map({k: v[0] for k, v in window.items()}).astype("float64")
    hi = cls.map({k: v[1] for k, v in window.items()}).astype("float64")
    positive = hours.where(hours.gt(0))
    t = series_table(
        ctx,
        m.assign(
            _pos=positive, _in=hours.ge(lo) & hours.le(hi), _lo=lo, _hi=hi, _unknown=hours.isna()
        ),
        times=("_pos", "nunique"),
        first=("_pos", "min"),
        last=("_pos", "max"),
        inside=("_in", "any"),
        lo=("_lo", "first"),
        hi=("_hi", "first"),
        unknown=("_unknown", "any"),
    )
    few = t["times"].lt(2)
    outside = t["lo"].notna() & ~t["inside"]
    # an acute row whose time could not be read may be the missing one: its schema error is reported
    t = t.assign(few=few, outside=outside)[
        (few | outside) & ~t["unknown"] & readable_series(ctx, t.index)
    ]
    if t.empty:
        return None
    outcome = t.index.get_level_values("outcome").to_series(index=t.index)
    n_times = t["times"]
    times = pd.Series(
        np.select(
            [n_times.eq(0), n_times.eq(1)],
            [
                "no sample after a session",
                "1 sampling time after a session (" + fmt(t["first"]) + " h)",
            ],
            fmt(n_times)
            + " sampling times after a session ("
            + fmt(t["first"])
            + " to "
            + fmt(t["last"])
            + " h)",
        ),
        index=t.index,
    )
    few_text = pd.Series("", index=t.index).where(~t["few"], ", fewer than 2")
    window_text = pd.Series("", index=t.index).where(
        ~t["outside"],
        "; none within its acute window of " + fmt(t["lo"]) + " to " + fmt(t["hi"]) + " h",
    )
    message = outcome + " acute samples: " + times + few_text + window_text
    return Hits("measurements", t["_row"].to_numpy(), "hours_after_session", message.to_numpy())


@rule("acute-first-session-only", needs=("measurements",))
def acute_first_session_only(ctx: Context, p: dict[str, Any]) -> Hits | None:
    """ECT group: acute rows only at session 1."""
    m = ctx.measurements
    m = m[ctx.ect_rows(m) & m["timepoint"].eq("acute")]
    if m.empty:
        return None
    t = series_table(ctx, m.assign(_first=m["session"].eq(1)), first_only=("_first", "all"))
    t = t[t["first_only"]]
    if t.empty:
        return None
    outcome = t.index.get_level_values("outcome").to_series(index=t.index)
    message = outcome + ": acute samples only around session 1"
    return Hits("measurements", t["_row"].to_numpy(), "session", message.to_numpy())


def _end_of_course(ctx: Context) -> pd.DataFrame:
    m = ctx.measurements
    return m[ctx.ect_rows(m) & m["timepoint"].eq("end_of_course")]


@rule("end-of-course-timing-unknown", needs=("measurements",))
def end_of_course_timing_unknown(ctx: Context, p: dict[str, Any]) -> Hits | None:
    """An ECT-group end_of_course row without hours_after_last_session."""
    m = _end_of_course(ctx)
    m = m[m["hours_after_last_session"].isna()]
    if m.empty:
        return None
    message = m["outcome"].fillna("?") + " end_of_course sample without hours_after_last_session"
    return Hits("measurements", m.index, "hours_after_last_session", message.to_numpy())


@rule("end-of-course-too-soon", needs=("measurements",))
def end_of_course_too_soon(ctx: Context, p: dict[str, Any]) -> Hits | None:
    """An ECT-group end_of_course row drawn before min_hours_after_last (per outcome)."""
    m = _end_of_course(ctx)
    limits = dict(p["min_hours_after_last"])
    default = float(limits.pop("default"))
    # keyed by outcome (CRP), else by class (cytokine), else the default
    threshold = (
        m["outcome"]
        .map(limits)
        .astype("float64")
        .fillna(ctx.outcome_class(m["outcome"]).map(limits).astype("float64"))
        .fillna(default)
    )
    hours = m["hours_after_last_session"]
    hit = hours.lt(threshold)
    if not hit.any():
        return None
    m, hours, threshold = m[hit], hours[hit], threshold[hit]
    message = (
        m["outcome"]
        + " drawn "
        + fmt(hours)
        + " h after the last session; below "
        + fmt(threshold)
        + " h, so the last session's acute response may not have settled"
    )
    return Hits("measurements", m.index, "hours_after_last_session", message.to_numpy())


@rule("sampling-time-not-standardized")
def sampling_time_not_standardized(ctx: Context, p: dict[str, Any]) -> Hits | None:
    """Blood not drawn at a fixed clock time (not_reported: no_information)."""
    s = ctx.studies
    value = s["sampling_time_standardized"]
    s = s[value.isin(("no", "not_reported"))]
    if s.empty:
        return None
    value = value[s.index]
    impact = np.where(value.eq("no"), "some_concerns", "no_information")
    message = np.where(
        value.eq("no"),
        "blood not drawn at a fixed clock time: IL-6 has a diurnal rhythm with a morning trough",
        "sampling time not reported: IL-6 has a diurnal rhythm with a morning trough",
    )
    return Hits("studies", s.index, "sampling_time_standardized", message, impact=impact)
