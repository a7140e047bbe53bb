"""Measurement: how the markers were measured, and values the assay or the unit cannot explain.

The catalogue entries (parameters, rationale) are in rules/measurement.toml.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .engine import Context, Hits
from .registry import rule
from .common import cells, fmt, one_column, one_of, study_rows, text

# circulating levels: the sample types whose centres implausible-value checks
_CIRCULATING = ("serum", "plasma", "mixed")
# conventional clinical-laboratory CRP assays (detect only down to 3 to 8 mg/L)
_CONVENTIONAL_CRP = ("immunoturbidimetric", "nephelometric")
_EPS = 1e-9


def _study_term(ctx: Context, m: pd.DataFrame, column: str) -> np.ndarray:
    """The study's `column` for each measurement row (NaN: no such study)."""
    at = study_rows(ctx, m)
    terms = np.full(len(at), np.nan, dtype=object)
    terms[at >= 0] = ctx.studies[column].to_numpy(dtype=object)[at[at >= 0]]
    return terms


def _centre_column(m: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
    """The column `Context.centre` took for each of `rows`: mean, else median."""
    return np.where(np.isnan(m["mean"].to_numpy(dtype="float64")[rows]), "median", "mean")


def _study_term_rule(ctx: Context, column: str, term: str, message: str) -> Hits | None:
    s = ctx.studies
    hit = s[column].to_numpy(dtype=object) == term
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
    lod, n_below, n = (m[c].to_numpy(dtype="float64") for c in ("lod", "n_below_lod", "n"))
    below = centre < lod
    many = (n_below - p["max_below_lod"] * n) > _EPS
    hit = below | many
    if not hit.any():
        return None
    centre, below, lod, n_below, n = centre[hit], below[hit], lod[hit], n_below[hit], n[hit]
    outcome = cells(m, "outcome", hit)
    below_text = text(
        outcome,
        " ",
        _centre_column(m, hit),
        " ",
        fmt(centre),
        " is below the limit of detection ",
        fmt(lod),
        " ",
        cells(m, "unit", hit, empty=""),
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        percent = np.round(n_below / n * 100, 0)
    many_text = text(
        outcome,
        ": ",
        fmt(n_below),
        " of ",
        fmt(n),
        " below the limit of detection (",
        fmt(percent),
        f"%); above {fmt(p['max_below_lod'] * 100)}%",
    )
    message = np.where(below, below_text, many_text)
    column = np.where(below, "lod", "n_below_lod")
    return Hits("measurements", m.index[hit], one_column(column), message)


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
    # each row's range (NaN, not checked, for an outcome without one), looked up per distinct
    # outcome (an empty one, code -1, gets the last entry)
    codes, outcomes = ctx.codes("outcome", m)
    ranges = _plausible_ranges(ctx, p["plausible"]).reindex([*outcomes, np.nan])
    lo, hi, factor = (ranges[c].to_numpy(dtype="float64")[codes] for c in ("lo", "hi", "factor"))
    centre = ctx.centre(m)
    common = ctx.to_common(m, centre)
    # the study's sample type, judged once per study (a row without a study: not circulating)
    circulating = np.append(one_of(ctx.studies["sample_type"].to_numpy(dtype=object), _CIRCULATING), False)
    circulating = circulating[study_rows(ctx, m)]
    # both sides in the common unit of the outcome's class (NaN, not checked, where not convertible)
    below = common < lo * factor
    hit = circulating & (below | (common > hi * factor))
    if not hit.any():
        return None
    centre, common, factor, lo, hi, below = centre[hit], common[hit], factor[hit], lo[hit], hi[hit], below[hit]
    unit, spec_unit = cells(m, "unit", hit), ranges["unit"].to_numpy(dtype=object)[codes[hit]]
    stat = _centre_column(m, hit)
    message = text(
        cells(m, "outcome", hit),
        " ",
        stat,
        " ",
        fmt(centre),
        " ",
        unit,
        np.where(unit == spec_unit, "", text(" (", fmt(common / factor), " ", spec_unit, ")")),
        " is ",
        np.where(below, "below", "above"),
        " the plausible ",
        fmt(lo),
        " to ",
        fmt(hi),
        " ",
        spec_unit,
        " for serum or plasma: check the unit and the column against the paper",
    )
    return Hits("measurements", m.index[hit], one_column(stat), message)


@rule("insensitive-crp-assay", needs=("studies", "measurements"))
def insensitive_crp_assay(ctx: Context, p: dict[str, Any]) -> Hits | None:
    """CRP by a conventional assay (row's, else study's) with a centre below min_detectable_mg_l."""
    m = ctx.measurements
    m = m.loc[ctx.among("outcome", ("CRP",), m), ["outcome", "unit", "assay", "mean", "median"]]
    assay = m["assay"].to_numpy(dtype=object)
    assay = np.where(pd.isna(assay), _study_term(ctx, m, "assay"), assay)
    mg_l = ctx.to_common(m, ctx.centre(m))
    hit = one_of(assay, _CONVENTIONAL_CRP) & (mg_l < p["min_detectable_mg_l"])
    if not hit.any():
        return None
    stat = _centre_column(m, hit)
    message = text(
        "CRP ",
        stat,
        " ",
        fmt(mg_l[hit]),
        " mg/L measured by a conventional ",
        assay[hit],
        f" assay, below {fmt(p['min_detectable_mg_l'])} mg/L: such assays detect only down to 3 to 8 mg/L",
    )
    return Hits("measurements", m.index[hit], one_column(stat), message)


@rule("crp-unit-suspect", needs=("measurements",))
def crp_unit_suspect(ctx: Context, p: dict[str, Any]) -> Hits | None:
    """A patient-group CRP centre labelled mg/L below min_crp_mg_l: possibly mg/dL."""
    m = ctx.measurements
    centre = ctx.centre(m)
    # a group that is not `control` (an empty one is none)
    patients = ctx.codes("group", m)[0] >= 0
    patients &= ~ctx.among("group", ("control",), m)
    crp_mg_l = ctx.among("outcome", ("CRP",), m) & ctx.among("unit", ("mg/L",), m)
    hit = crp_mg_l & patients & (centre < p["min_crp_mg_l"])
    if not hit.any():
        return None
    centre = centre[hit]
    message = text(
        "CRP ",
        _centre_column(m, hit),
        " ",
        fmt(centre),
        " mg/L in group ",
        cells(m, "group", hit),
        f" is below {fmt(p['min_crp_mg_l'])} mg/L: possibly mg/dL (",
        fmt(centre * 10),
        " mg/L)",
    )
    return Hits("measurements", m.index[hit], "unit", message)
