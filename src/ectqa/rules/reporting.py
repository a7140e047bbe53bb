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
from .common import count_per_study, coverage_rows, fmt, one_column


def _missing(values: pd.Series) -> pd.Series:
    """Empty or `not_reported`."""
    return values.isna() | values.eq("not_reported")


@rule("missing-dispersion", needs=("measurements",))
def missing_dispersion(ctx: Context, p: dict[str, Any]) -> Hits | None:
    """No usable pair: a mean without sd, se or a CI, and no median with quartiles or range."""
    m = ctx.measurements
    has_mean, has_median = m["mean"].notna(), m["median"].notna()
    mean_spread = (
        m["sd"].notna() | m["se"].notna() | (m["ci_lower"].notna() & m["ci_upper"].notna())
    )
    median_spread = (m["q1"].notna() & m["q3"].notna()) | (m["min"].notna() & m["max"].notna())
    usable = (has_mean & mean_spread) | (has_median & median_spread)
    hit = (has_mean | has_median) & ~usable
    if not hit.any():
        return None
    m = m.loc[hit, ["outcome", "timepoint", "group", "mean", "median"]]
    has_mean, has_median = has_mean[hit], has_median[hit]
    mean_text = "mean " + fmt(m["mean"]) + " without sd, se or a 95% CI"
    median_text = "median " + fmt(m["median"]) + " without quartiles or range"
    what = pd.Series(
        np.select(
            [has_mean & has_median, has_mean],
            [mean_text + ", and " + median_text, mean_text],
            median_text,
        ),
        index=m.index,
    )
    message = (
        m["outcome"] + " " + m["timepoint"].fillna("") + " (" + m["group"].fillna("") + "): " + what
    )
    column = np.where(has_mean, "sd", "q1")
    return Hits("measurements", m.index, one_column(column), message.to_numpy())


@rule("ect-parameters-not-reported")
def ect_parameters_not_reported(ctx: Context, p: dict[str, Any]) -> Hits | None:
    """electrode_placement or pulse_width empty or not_reported."""
    s = ctx.studies
    placement, pulse = _missing(s["electrode_placement"]), _missing(s["pulse_width"])
    hit = placement | pulse
    if not hit.any():
        return None
    index, placement, pulse = s.index[hit.to_numpy()], placement[hit], pulse[hit]
    what = np.select(
        [placement & pulse, placement],
        ["electrode placement and pulse width", "electrode placement"],
        "pulse width",
    )
    message = (
        pd.Series(what, index=index)
        + " not reported: stimulus parameters drive the immune response"
        + " (IL-6 tracked stimulus dose)"
    )
    column = np.where(placement, "electrode_placement", "pulse_width")
    return Hits("studies", index, one_column(column), message.to_numpy())


@rule("multiplicity-not-corrected", needs=("studies", "measurements"))
def multiplicity_not_corrected(ctx: Context, p: dict[str, Any]) -> Hits | None:
    """min_outcomes or more distinct immune outcomes and multiplicity_corrected no/not_reported."""
    s, m = ctx.studies, ctx.measurements
    immune = ctx.outcome_class(m["outcome"]).isin(ctx.dictionary.immune_classes).to_numpy()
    outcomes = count_per_study(ctx, m, immune, distinct=pd.factorize(m["outcome"])[0])
    count = pd.Series(outcomes.astype("float64"), index=s.index)
    hit = count.ge(p["min_outcomes"]) & s["multiplicity_corrected"].isin(("no", "not_reported"))
    if not hit.any():
        return None
    s, count = s.loc[hit, ["multiplicity_corrected"]], count[hit]
    message = (
        fmt(count)
        + " immune outcomes tested and multiplicity_corrected is "
        + s["multiplicity_corrected"]
        + f": {fmt(p['min_outcomes'])} or more call for a correction for multiple testing"
    )
    return Hits("studies", s.index, "multiplicity_corrected", message.to_numpy())


@rule("response-not-linked")
def response_not_linked(ctx: Context, p: dict[str, Any]) -> Hits | None:
    """clinical_response_linked is not yes."""
    s = ctx.studies
    s = s.loc[s["clinical_response_linked"].ne("yes"), ["clinical_response_linked"]]
    if s.empty:
        return None
    message = (
        "immune change not analysed against clinical response (clinical_response_linked "
        + s["clinical_response_linked"].fillna("empty")
        + ")"
    )
    return Hits("studies", s.index, "clinical_response_linked", message.to_numpy())


@rule("figure-digitized", needs=("measurements",))
def figure_digitized(ctx: Context, p: dict[str, Any]) -> Hits | None:
    """source is figure_digitized."""
    m = ctx.measurements
    m = m.loc[m["source"].eq("figure_digitized"), ["outcome"]]
    if m.empty:
        return None
    message = m["outcome"] + " values read from a figure: reading error, and error bars may be SEs"
    return Hits("measurements", m.index, "source", message.to_numpy())


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
    s = s.loc[count_per_study(ctx, m, m["study_id"].notna().to_numpy()) == 0, ["study_id"]]
    if s.empty:
        return None
    message = "study " + s["study_id"] + " has no rows in measurements"
    return Hits("studies", s.index, "study_id", message.to_numpy())


@rule("overlapping-cohort")
def overlapping_cohort(ctx: Context, p: dict[str, Any]) -> Hits | None:
    """Two or more studies share a cohort_id (one finding per study)."""
    s = ctx.studies
    s = s.loc[s["cohort_id"].notna(), ["cohort_id", "study_id"]]
    size = s.groupby("cohort_id")["study_id"].transform("size")
    s = s[size.ge(2)]
    if s.empty:
        return None
    members = s.groupby("cohort_id")["study_id"].agg(", ".join)
    message = (
        "cohort "
        + s["cohort_id"]
        + " is shared by "
        + fmt(size[s.index])
        + " studies ("
        + s["cohort_id"].map(members)
        + "): pooled once"
    )
    return Hits("studies", s.index, "cohort_id", message.to_numpy())
