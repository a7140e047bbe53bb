"""Timing: when blood was drawn relative to the course and to each session.

The catalogue entries (parameters, rationale) are in rules/timing.toml.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .common import (
    LATER,
    cells,
    coverage_rows,
    fmt,
    readable_series,
    series_codes,
    series_keys,
    text,
)
from .engine import Context, Hits
from .registry import rule

# ---------------------------------------------------------------- rules


def _timepoint_coverage(ctx: Context) -> tuple[np.ndarray, np.ndarray]:
    """Per series: whether its ECT-group rows include a baseline, and a later one. Shared by
    missing-baseline and missing-post-course, worked out once per check."""
    if "timepoint_coverage" not in ctx.cache:
        m = coverage_rows(ctx)
        series = series_codes(ctx)
        ect = ctx.ect_rows(m)
        ctx.cache["timepoint_coverage"] = (
            series.any(ect & ctx.among("timepoint", ("baseline",))),
            series.any(ect & ctx.among("timepoint", LATER)),
        )
    return ctx.cache["timepoint_coverage"]


def _series_hits(ctx: Context, flagged: np.ndarray, text: str) -> Hits | None:
    flagged = flagged & readable_series(ctx)
    if not flagged.any():
        return None
    outcome, group = series_keys(ctx, "outcome", flagged), series_keys(ctx, "group", flagged)
    return Hits("measurements", series_codes(ctx).first_row[flagged], "timepoint", outcome + " (" + group + "): " + text)


@rule("missing-baseline", needs=("measurements",))
def missing_baseline(ctx: Context, p: dict[str, Any]) -> Hits | None:
    """ECT group: a series with later timepoints but no baseline."""
    base, later = _timepoint_coverage(ctx)
    return _series_hits(ctx, later & ~base, "measured after ECT began but no baseline row")


@rule("missing-post-course", needs=("measurements",))
def missing_post_course(ctx: Context, p: dict[str, Any]) -> Hits | None:
    """ECT group: a baseline but no acute, during_course, end_of_course or follow_up row."""
    base, later = _timepoint_coverage(ctx)
    return _series_hits(ctx, base & ~later, "baseline only, no row after ECT began")


@rule("sparse-acute-window", needs=("measurements",))
def sparse_acute_window(ctx: Context, p: dict[str, Any]) -> Hits | None:
    """ECT group, acute rows: < 2 distinct positive times, or none in the class's window."""
    m = coverage_rows(ctx)
    series = series_codes(ctx)
    acute = ctx.ect_rows(m) & ctx.among("timepoint", ("acute",)) & (series.code >= 0)
    if not acute.any():
        return None
    code = series.code[acute]
    hours = m["hours_after_session"].to_numpy(dtype="float64")[acute]
    has_acute = np.bincount(code, minlength=series.count) > 0
    # the window of the series' outcome class (NaN: a class without one)
    # looked up once per distinct outcome
    outcome_codes, outcomes = pd.factorize(series_keys(ctx, "outcome", has_acute))
    windows = [p["acute_window"].get(ctx.dictionary.outcome_class.get(o), (np.nan, np.nan)) for o in outcomes]
    lo, hi = np.full(series.count, np.nan), np.full(series.count, np.nan)
    lo[has_acute] = np.array([w[0] for w in windows], dtype="float64")[outcome_codes]
    hi[has_acute] = np.array([w[1] for w in windows], dtype="float64")[outcome_codes]
    inside = np.bincount(code[(hours >= lo[code]) & (hours <= hi[code])], minlength=series.count) > 0
    # an acute row whose time could not be read may be the missing one: its schema error is reported
    unknown = np.bincount(code[np.isnan(hours)], minlength=series.count) > 0
    # distinct positive times per series, and the first and last of them
    after = hours > 0
    order = np.lexsort((hours[after], code[after]))
    times_code, times = code[after][order], hours[after][order]
    starts = np.ones(len(times), dtype=bool)  # the first (smallest) time of a series
    starts[1:] = times_code[1:] != times_code[:-1]
    ends = np.ones(len(times), dtype=bool)
    ends[:-1] = starts[1:]
    distinct = starts.copy()
    distinct[1:] |= times[1:] != times[:-1]
    n_times = np.bincount(times_code[distinct], minlength=series.count)
    first, last = np.full(series.count, np.nan), np.full(series.count, np.nan)
    first[times_code[starts]], last[times_code[ends]] = times[starts], times[ends]
    few = n_times < 2
    outside = ~np.isnan(lo) & ~inside
    flagged = has_acute & (few | outside) & ~unknown & readable_series(ctx)
    if not flagged.any():
        return None
    n_times, first, last, lo, hi = n_times[flagged], first[flagged], last[flagged], lo[flagged], hi[flagged]
    few, outside = few[flagged], outside[flagged]
    times_text = np.select(
        [n_times == 0, n_times == 1],
        ["no sample after a session", "1 sampling time after a session (" + fmt(first) + " h)"],
        fmt(n_times) + " sampling times after a session (" + fmt(first) + " to " + fmt(last) + " h)",
    )
    few_text = np.where(few, ", fewer than 2", "")
    window_text = np.where(outside, "; none within its acute window of " + fmt(lo) + " to " + fmt(hi) + " h", "")
    message = series_keys(ctx, "outcome", flagged) + " acute samples: " + times_text + few_text + window_text
    return Hits("measurements", series.first_row[flagged], "hours_after_session", message)


@rule("acute-first-session-only", needs=("measurements",))
def acute_first_session_only(ctx: Context, p: dict[str, Any]) -> Hits | None:
    """ECT group: acute rows only at session 1."""
    m = ctx.measurements
    acute = ctx.ect_rows(m) & ctx.among("timepoint", ("acute",), m)
    if not acute.any():
        return None
    series = series_codes(ctx)
    code = series.code[ctx.positions(m)[acute]]
    later_session = m["session"].to_numpy(dtype="float64")[acute] != 1
    flagged = (np.bincount(code[code >= 0], minlength=series.count) > 0) & ~np.bincount(
        code[(code >= 0) & later_session], minlength=series.count
    ).astype(bool)
    if not flagged.any():
        return None
    message = series_keys(ctx, "outcome", flagged) + ": acute samples only around session 1"
    return Hits("measurements", series.first_row[flagged], "session", message)


def _end_of_course(ctx: Context) -> tuple[pd.Index, np.ndarray, np.ndarray]:
    """ECT-group end_of_course rows: their labels, outcome and hours_after_last_session. Two
    rules read them; picked once per check."""
    if "end_of_course" not in ctx.cache:
        m = ctx.measurements
        rows = ctx.ect_rows(m) & ctx.among("timepoint", ("end_of_course",), m)
        hours = m["hours_after_last_session"].to_numpy(dtype="float64")[rows]
        ctx.cache["end_of_course"] = (m.index[rows], cells(m, "outcome", rows), hours)
    return ctx.cache["end_of_course"]


@rule("end-of-course-timing-unknown", needs=("measurements",))
def end_of_course_timing_unknown(ctx: Context, p: dict[str, Any]) -> Hits | None:
    """An ECT-group end_of_course row without hours_after_last_session."""
    index, outcome, hours = _end_of_course(ctx)
    hit = np.isnan(hours)
    if not hit.any():
        return None
    outcome = outcome[hit]
    message = text(np.where(pd.isna(outcome), "?", outcome), " end_of_course sample without hours_after_last_session")
    return Hits("measurements", index[hit], "hours_after_last_session", message)


@rule("end-of-course-too-soon", needs=("measurements",))
def end_of_course_too_soon(ctx: Context, p: dict[str, Any]) -> Hits | None:
    """An ECT-group end_of_course row drawn before min_hours_after_last (per outcome)."""
    index, outcome, hours = _end_of_course(ctx)
    limits = dict(p["min_hours_after_last"])
    default = float(limits.pop("default"))

    def limit(outcome: Any) -> float:
        # keyed by outcome (CRP), else by class (cytokine), else the default
        for key in (outcome, ctx.dictionary.outcome_class.get(outcome)):
            value = float(limits.get(key, np.nan))
            if not np.isnan(value):
                return value
        return default

    codes, distinct = pd.factorize(outcome)
    threshold = np.array([limit(o) for o in distinct] + [limit(None)])[codes]  # code -1: empty
    hit = hours < threshold
    if not hit.any():
        return None
    message = text(
        outcome[hit],
        " drawn ",
        fmt(hours[hit]),
        " h after the last session; below ",
        fmt(threshold[hit]),
        " h, so the last session's acute response may not have settled",
    )
    return Hits("measurements", index[hit], "hours_after_last_session", message)


@rule("sampling-time-not-standardized")
def sampling_time_not_standardized(ctx: Context, p: dict[str, Any]) -> Hits | None:
    """Blood not drawn at a fixed clock time (not_reported: no_information)."""
    s = ctx.studies
    value = s["sampling_time_standardized"].to_numpy(dtype=object)
    no = value == "no"
    hit = no | (value == "not_reported")
    if not hit.any():
        return None
    no = no[hit]
    impact = np.where(no, "some_concerns", "no_information")
    message = np.where(
        no,
        "blood not drawn at a fixed clock time: IL-6 has a diurnal rhythm with a morning trough",
        "sampling time not reported: IL-6 has a diurnal rhythm with a morning trough",
    )
    return Hits("studies", s.index[hit], "sampling_time_standardized", message, impact=impact)
