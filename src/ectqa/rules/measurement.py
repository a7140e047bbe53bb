"""Measurement: how the markers were measured, and values the assay or the unit cannot explain.

The catalogue entries (parameters, rationale) are in rules/measurement.toml.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .engine import Context, Hits
from .registry import rule
from .common import fmt, one_column, study_rows

# circulating levels: the sample types whose centres implausible-value checks
_CIRCULATING = ("serum", "plasma", "mixed")
# conventional clinical-laboratory CRP assays (detect only down to 3 to 8 mg/L)
_CONVENTIONAL_CRP = ("immunoturbidimetric", "nephelometric")
_EPS = 1e-9


def _study_term(ctx: Context, m: pd.DataFrame, column: str) -> pd.Series:
    """The study's `column` for each measurement row."""
    at = study_rows(ctx, m)
    values = ctx.studies[column].to_numpy(dtype=object)
    return pd.Series(np.where(at >= 0, values[at], np.nan), index=m.index, dtype=object)


def _centre_column(m: pd.DataFrame) -> pd.Series:
    return pd.Series(np.where(m["mean"].notna(), "mean", "median"), index=m.index)


def _study_term_rule(ctx: Context, column: str, term: str, message: str) -> Hits | None:
    s = ctx.studies
    hit = s[column].eq(term).to_numpy()
    if not hit.any():
        return None
    return Hits("studies", s.index[hit], column, message)


@rule("assay-not-reported")
def assay_not_reported(ctx: Context, p: dict[str, Any]) -> Hits | None:
    """The study's assay is not_reported."""
    return _study_term_rule(
        ctx,
        "assay",
        "not_reported",
        "assay not reported: platforms disagree for TNF-α, and conventional CRP assays "
        "miss values below 3 to 8 mg/L",
    )


@rule("serial-samples-not-batched")
def serial_samples_not_batched(ctx: Context, p: dict[str, Any]) -> Hits | None:
    """same_batch is no."""
    return _study_term_rule(
        ctx,
        "same_batch",
        "no",
        "serial samples not run in one assay batch: "
        "batch drift is confounded with the change after ECT",
    )


@rule("stimulated-sample")
def stimulated_sample(ctx: Context, p: dict[str, Any]) -> Hits | None:
    """sample_type is whole_blood_stimulated: not comparable with circulating levels."""
    return _study_term_rule(
        ctx,
        "sample_type",
        "whole_blood_stimulated",
        "stimulated whole-blood cytokines: "
        "not comparable with circulating levels, kept out of pooling",
    )


@rule("mixed-sample-types")
def mixed_sample_types(ctx: Context, p: dict[str, Any]) -> Hits | None:
    """sample_type is mixed."""
    return _study_term_rule(
        ctx,
        "sample_type",
        "mixed",
        "mixed sample types: serum and plasma give different cytokine levels",
    )


@rule("below-detection-limit", needs=("measurements",))
def below_detection_limit(ctx: Context, p: dict[str, Any]) -> Hits | None:
    """Centre below lod, or n_below_lod above max_below_lod x n."""
    m = ctx.measurements
    centre = ctx.centre(m)
    below = centre.lt(m["lod"])
    many = (m["n_below_lod"] - p["max_below_lod"] * m["n"]).gt(_EPS)
    hit = below | many
    if not hit.any():
        return None
    m = m.loc[hit, ["outcome", "mean", "lod", "unit", "n_below_lod", "n"]]
    centre, below = centre[hit], below[hit]
    stat = _centre_column(m)
    below_text = (
        m["outcome"]
        + " "
        + stat
        + " "
        + fmt(centre)
        + " is below the limit of detection "
        + fmt(m["lod"])
        + " "
        + m["unit"].fillna("")
    )
    many_text = (
        m["outcome"]
        + ": "
        + fmt(m["n_below_lod"])
        + " of "
        + fmt(m["n"])
        + " below the limit of detection ("
        + fmt((m["n_below_lod"] / m["n"] * 100).round(0))
        + f"%); above {fmt(p['max_below_lod'] * 100)}%"
    )
    message = below_text.where(below, many_text)
    column = np.where(below, "lod", "n_below_lod")
    return Hits("measurements", m.index, one_column(column), message.to_numpy())


def _plausible_ranges(ctx: Context, plausible: dict[str, Any]) -> pd.DataFrame:
    """The parameter table: outcome -> unit, lo, hi, and its unit's factor to the common unit."""
    return pd.DataFrame(
        {
            "unit": [v["unit"] for v in plausible.values()],
            "lo": [float(v["range"][0]) for v in plausible.values()],
            "hi": [float(v["range"][1]) for v in plausible.values()],
            "factor": [ctx.common_factor(outcome, v["unit"]) for outcome, v in plausible.items()],
        },
        index=list(plausible),
    )


@rule("implausible-value", needs=("studies", "measurements"))
def implausible_value(ctx: Context, p: dict[str, Any]) -> Hits | None:
    """Serum/plasma/mixed: a centre outside the outcome's plausible range, after unit conversion."""
    m = ctx.measurements
    # each row's range (NaN, not checked, for an outcome without one)
    ranges = _plausible_ranges(ctx, p["plausible"]).reindex(m["outcome"].to_numpy())
    lo, hi, factor = (ranges[c].to_numpy(dtype="float64") for c in ("lo", "hi", "factor"))
    centre = ctx.centre(m).to_numpy()
    common = ctx.to_common(m, ctx.centre(m)).to_numpy()
    circulating = _study_term(ctx, m, "sample_type").isin(_CIRCULATING).to_numpy()
    # both sides in the common unit of the outcome's class (NaN, not checked, where not convertible)
    below = common < lo * factor
    hit = circulating & (below | (common > hi * factor))
    if not hit.any():
        return None
    m = m.loc[hit, ["outcome", "unit", "mean"]]
    centre, common, factor, lo, hi, below = centre[hit], common[hit], factor[hit], lo[hit], hi[hit], below[hit]
    unit, spec_unit = m["unit"].to_numpy(dtype=object), ranges["unit"].to_numpy(dtype=object)[hit]
    stat = _centre_column(m).to_numpy()
    converted = np.where(unit == spec_unit, "", " (" + fmt(common / factor) + " " + spec_unit + ")")
    message = (
        m["outcome"].to_numpy(dtype=object)
        + " "
        + stat
        + " "
        + fmt(centre)
        + " "
        + unit
        + converted
        + " is "
        + np.where(below, "below", "above")
        + " the plausible "
        + fmt(lo)
        + " to "
        + fmt(hi)
        + " "
        + spec_unit
        + " for serum or plasma: check the unit and the column against the paper"
    )
    return Hits("measurements", m.index, one_column(stat), message)


@rule("insensitive-crp-assay", needs=("studies", "measurements"))
def insensitive_crp_assay(ctx: Context, p: dict[str, Any]) -> Hits | None:
    """CRP by a conventional assay (row's, else study's) with a centre below min_detectable_mg_l."""
    m = ctx.measurements
    m = m.loc[m["outcome"].eq("CRP"), ["outcome", "unit", "assay", "mean", "median"]]
    assay = m["assay"].where(m["assay"].notna(), _study_term(ctx, m, "assay"))
    mg_l = ctx.to_common(m, ctx.centre(m))
    hit = assay.isin(_CONVENTIONAL_CRP) & mg_l.lt(p["min_detectable_mg_l"])
    if not hit.any():
        return None
    m, assay, mg_l = m[hit], assay[hit], mg_l[hit]
    stat = _centre_column(m)
    message = (
        "CRP "
        + stat
        + " "
        + fmt(mg_l)
        + " mg/L measured by a conventional "
        + assay
        + f" assay, below {fmt(p['min_detectable_mg_l'])} mg/L:"
        + " such assays detect only down to 3 to 8 mg/L"
    )
    return Hits("measurements", m.index, one_column(stat), message.to_numpy())


@rule("crp-unit-suspect", needs=("measurements",))
def crp_unit_suspect(ctx: Context, p: dict[str, Any]) -> Hits | None:
    """A patient-group CRP centre labelled mg/L below min_crp_mg_l: possibly mg/dL."""
    m = ctx.measurements
    centre = ctx.centre(m)
    patients = m["group"].notna() & m["group"].ne("control")
    hit = m["outcome"].eq("CRP") & m["unit"].eq("mg/L") & patients & centre.lt(p["min_crp_mg_l"])
    if not hit.any():
        return None
    m, centre = m.loc[hit, ["mean", "group"]], centre[hit]
    message = (
        "CRP "
        + _centre_column(m)
        + " "
        + fmt(centre)
        + " mg/L in group "
        + m["group"]
        + f" is below {fmt(p['min_crp_mg_l'])} mg/L: possibly mg/dL ("
        + fmt(centre * 10)
        + " mg/L)"
    )
    return Hits("measurements", m.index, "unit", message.to_numpy())
