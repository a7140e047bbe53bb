"""Reporting: what the paper or the extraction leaves out (spread, stimulus parameters, multiple
testing, a second extractor) and reports of one cohort.

The catalogue entries (parameters, rationale) are in rules/reporting.toml; the number checks of
this domain (sd-se-inconsistent, sd-possibly-se, grim-, grimmer-, p-value-inconsistent) are in
forensic.py.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .engine import Context, Hits
from .registry import rule
from .common import cells, count_per_study, coverage_rows, fmt, one_column, text


def _missing(values: np.ndarray) -> np.ndarray:
    """Empty or `not_reported`."""
    return pd.isna(values) | (values == "not_reported")


@rule("missing-dispersion", needs=("measurements",))
def missing_dispersion(ctx: Context, p: dict[str, Any]) -> Hits | None:
    """No usable pair: a mean without sd, se or a CI, and no median with quartiles or range."""
    m = ctx.measurements
    given = {c: ~np.isnan(m[c].to_numpy(dtype="float64")) for c in ("mean", "median", "sd", "se", "ci_lower", "ci_upper", "q1", "q3", "min", "max")}
    has_mean, has_median = given["mean"], given["median"]
    mean_spread = given["sd"] | given["se"] | (given["ci_lower"] & given["ci_upper"])
    median_spread = (given["q1"] & given["q3"]) | (given["min"] & given["max"])
    usable = (has_mean & mean_spread) | (has_median & median_spread)
    hit = (has_mean | has_median) & ~usable
    if not hit.any():
        return None
    has_mean, has_median = has_mean[hit], has_median[hit]
    mean_text = text("mean ", fmt(m["mean"].to_numpy()[hit]), " without sd, se or a 95% CI")
    median_text = text("median ", fmt(m["median"].to_numpy()[hit]), " without quartiles or range")
    what = np.select(
        [has_mean & has_median, has_mean],
        [text(mean_text, ", and ", median_text), mean_text],
        median_text,
    )
    message = text(
        cells(m, "outcome", hit),
        " ",
        cells(m, "timepoint", hit, empty=""),
        " (",
        cells(m, "group", hit, empty=""),
        "): ",
        what,
    )
    column = np.where(has_mean, "sd", "q1")
    return Hits("measurements", m.index[hit], one_column(column), message)


@rule("ect-parameters-not-reported")
def ect_parameters_not_reported(ctx: Context, p: dict[str, Any]) -> Hits | None:
    """electrode_placement or pulse_width empty or not_reported."""
    s = ctx.studies
    placement = _missing(s["electrode_placement"].to_numpy(dtype=object))
    pulse = _missing(s["pulse_width"].to_numpy(dtype=object))
    hit = placement | pulse
    if not hit.any():
        return None
    placement, pulse = placement[hit], pulse[hit]
    what = np.select(
        [placement & pulse, placement],
        ["electrode placement and pulse width", "electrode placement"],
        "pulse width",
    )
    message = text(what, " not reported: stimulus parameters drive the immune response (IL-6 tracked stimulus dose)")
    column = np.where(placement, "electrode_placement", "pulse_width")
    return Hits("studies", s.index[hit], one_column(column), message)


@rule("multiplicity-not-corrected", needs=("studies", "measurements"))
def multiplicity_not_corrected(ctx: Context, p: dict[str, Any]) -> Hits | None:
    """min_outcomes or more distinct immune outcomes and multiplicity_corrected no/not_reported."""
    s, m = ctx.studies, ctx.measurements
    immune_classes = set(ctx.dictionary.immune_classes)
    immune = ctx.among("outcome", [o for o, c in ctx.dictionary.outcome_class.items() if c in immune_classes], m)
    count = count_per_study(ctx, m, immune, distinct=ctx.codes("outcome", m)[0])
    hit = (count >= p["min_outcomes"]) & s["multiplicity_corrected"].isin(("no", "not_reported")).to_numpy()
    if not hit.any():
        return None
    message = text(
        fmt(count[hit]),
        " immune outcomes tested and multiplicity_corrected is ",
        cells(s, "multiplicity_corrected", hit),
        f": {fmt(p['min_outcomes'])} or more call for a correction for multiple testing",
    )
    return Hits("studies", s.index[hit], "multiplicity_corrected", message)


@rule("response-not-linked")
def response_not_linked(ctx: Context, p: dict[str, Any]) -> Hits | None:
    """clinical_response_linked is not yes."""
    s = ctx.studies
    hit = s["clinical_response_linked"].to_numpy(dtype=object) != "yes"
    if not hit.any():
        return None
    message = text(
        "immune change not analysed against clinical response (clinical_response_linked ",
        cells(s, "clinical_response_linked", hit, empty="empty"),
        ")",
    )
    return Hits("studies", s.index[hit], "clinical_response_linked", message)


@rule("figure-digitized", needs=("measurements",))
def figure_digitized(ctx: Context, p: dict[str, Any]) -> Hits | None:
    """source is figure_digitized."""
    m = ctx.measurements
    hit = m["source"].to_numpy(dtype=object) == "figure_digitized"
    if not hit.any():
        return None
    message = text(cells(m, "outcome", hit), " values read from a figure: reading error, and error bars may be SEs")
    return Hits("measurements", m.index[hit], "source", message)


@rule("single-extraction")
def single_extraction(ctx: Context, p: dict[str, Any]) -> Hits | None:
    """checked_by is empty."""
    s = ctx.studies
    checked = s["checked_by"]
    hit = checked.fillna("").astype(str).str.strip().eq("").to_numpy()
    if not hit.any():
        return None
    message = "extraction not checked by a second reviewer (checked_by empty)"
    return Hits("studies", s.index[hit], "checked_by", message)


@rule("study-without-measurements", needs=("studies", "measurements"))
def study_without_measurements(ctx: Context, p: dict[str, Any]) -> Hits | None:
    """A study with no rows in measurements (rows with schema errors count)."""
    s, m = ctx.studies, coverage_rows(ctx)
    hit = count_per_study(ctx, m, m["study_id"].notna().to_numpy()) == 0
    if not hit.any():
        return None
    message = text("study ", cells(s, "study_id", hit), " has no rows in measurements")
    return Hits("studies", s.index[hit], "study_id", message)


@rule("overlapping-cohort")
def overlapping_cohort(ctx: Context, p: dict[str, Any]) -> Hits | None:
    """Two or more studies share a cohort_id (one finding per study)."""
    s = ctx.studies
    cohort, _ = pd.factorize(s["cohort_id"])  # -1: no cohort
    size = np.bincount(cohort[cohort >= 0], minlength=cohort.max() + 1 if len(cohort) else 0)
    hit = cohort >= 0
    hit[hit] = size[cohort[hit]] >= 2
    if not hit.any():
        return None
    cohort, ids = cohort[hit], cells(s, "study_id", hit)
    members: dict[int, list[str]] = {}
    for c, study_id in zip(cohort.tolist(), ids.tolist(), strict=True):
        members.setdefault(c, []).append(study_id)
    listed = {c: ", ".join(studies) for c, studies in members.items()}
    message = text(
        "cohort ",
        cells(s, "cohort_id", hit),
        " is shared by ",
        fmt(size[cohort]),
        " studies (",
        [listed[c] for c in cohort.tolist()],
        "): pooled once",
    )
    return Hits("studies", s.index[hit], "cohort_id", message)
