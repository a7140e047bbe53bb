"""Confounding: factors that move cytokines and CRP on their own, not excluded, restricted,
matched or adjusted for ("addressed"), and baseline CRP levels that point to infection.

The catalogue entries (parameters, rationale) are in rules/confounding.toml.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .engine import Context, Hits
from .registry import rule
from .common import cells, fmt, has_control_group, one_column, text


def _addressed(ctx: Context, handling: pd.Series) -> pd.Series:
    return handling.isin(ctx.dictionary.vocabularies["handling"].addressed)


def _confounder_not_addressed(ctx: Context, column: str, name: str, effect: str) -> Hits | None:
    """BMI, smoking: high with a control group; else some_concerns or no_information."""
    s = ctx.studies
    hit = ~_addressed(ctx, s[column]).to_numpy()
    if not hit.any():
        return None
    handling = cells(s, column, hit, empty="empty")
    control_type = cells(s, "control_type", hit)
    controls = has_control_group(control_type)
    impact = np.where(
        controls, "high", np.where(handling == "reported_only", "some_concerns", "no_information")
    )
    with_controls = text(
        f"{name} handling is ",
        handling,
        " with a ",
        np.where(pd.isna(control_type), "", control_type),
        f" control group: {name} differs between patients and controls and {effect}",
    )
    without = text(
        f"{name} handling is ", handling, f" (no control group): {name} {effect} and was not accounted for"
    )
    message = np.where(controls, with_controls, without)
    return Hits("studies", s.index[hit], column, message, impact=impact)


@rule("bmi-not-addressed")
def bmi_not_addressed(ctx: Context, p: dict[str, Any]) -> Hits | None:
    """bmi_handling not addressed (graded by control group and handling)."""
    return _confounder_not_addressed(ctx, "bmi_handling", "BMI", "raises IL-6 and CRP")


@rule("smoking-not-addressed")
def smoking_not_addressed(ctx: Context, p: dict[str, Any]) -> Hits | None:
    """smoking_handling not addressed (graded as for BMI)."""
    return _confounder_not_addressed(ctx, "smoking_handling", "smoking", "raises IL-6")


@rule("medication-not-addressed")
def medication_not_addressed(ctx: Context, p: dict[str, Any]) -> Hits | None:
    """Co-medication not addressed in patients not drug_free/washout; uncontrolled: high."""
    s = ctx.studies
    hit = (~_addressed(ctx, s["medication_handling"]) & ~s["medication_status"].isin(("drug_free", "washout"))).to_numpy()
    if not hit.any():
        return None
    handling, status = cells(s, "medication_handling", hit), cells(s, "medication_status", hit)
    unknown = (pd.isna(status) | (status == "not_reported")) & (handling == "not_reported")
    impact = np.select([status == "uncontrolled", unknown], ["high", "no_information"], "some_concerns")
    message = text(
        "medication handling is ",
        np.where(pd.isna(handling), "empty", handling),
        " and medication status is ",
        np.where(pd.isna(status), "empty", status),
        ": antidepressants lower IL-6 and IL-10",
    )
    return Hits("studies", s.index[hit], "medication_handling", message, impact=impact)


@rule("age-sex-not-addressed")
def age_sex_not_addressed(ctx: Context, p: dict[str, Any]) -> Hits | None:
    """A control group, and age or sex neither matched on nor addressed by age_sex_handling."""
    s = ctx.studies
    matched = s["controls_matched_on"].fillna("")
    age = matched.str.contains(r"(?:^|;)age(?:;|$)", regex=True)
    sex = matched.str.contains(r"(?:^|;)sex(?:;|$)", regex=True)
    hit = (has_control_group(s["control_type"]) & ~(_addressed(ctx, s["age_sex_handling"]) | (age & sex))).to_numpy()
    if not hit.any():
        return None
    age, sex = age.to_numpy()[hit], sex.to_numpy()[hit]
    message = text(
        np.select([~age & ~sex, ~age], ["age and sex", "age"], "sex"),
        " not addressed: controls matched on ",
        cells(s, "controls_matched_on", hit, empty="nothing"),
        ", age/sex handling is ",
        cells(s, "age_sex_handling", hit, empty="empty"),
        " (IL-6 rises with age; IL-1β varies with the menstrual phase)",
    )
    return Hits("studies", s.index[hit], "age_sex_handling", message)


@rule("inflammation-not-excluded")
def inflammation_not_excluded(ctx: Context, p: dict[str, Any]) -> Hits | None:
    """Infection, inflammatory disease and anti-inflammatory drugs not addressed."""
    s = ctx.studies
    hit = ~_addressed(ctx, s["inflammatory_disease_handling"]).to_numpy()
    if not hit.any():
        return None
    message = text(
        "inflammatory disease handling is ",
        cells(s, "inflammatory_disease_handling", hit, empty="empty"),
        ": infection, autoimmune disease or anti-inflammatory drugs may drive IL-6 and CRP",
    )
    return Hits("studies", s.index[hit], "inflammatory_disease_handling", message)


@rule("medication-changed-during-course")
def medication_changed_during_course(ctx: Context, p: dict[str, Any]) -> Hits | None:
    """Psychotropic medication changed during the ECT course."""
    s = ctx.studies
    hit = s["medication_changed_during_course"].to_numpy(dtype=object) == "yes"
    if not hit.any():
        return None
    message = (
        "psychotropic medication changed during the ECT course: "
        "antidepressants lower IL-6 and IL-10"
    )
    return Hits("studies", s.index[hit], "medication_changed_during_course", message)


@rule("crp-suggests-infection", needs=("measurements",))
def crp_suggests_infection(ctx: Context, p: dict[str, Any]) -> Hits | None:
    """A baseline CRP mean above max_crp_mean or median above max_crp_median, in mg/L."""
    m = ctx.measurements
    baseline_crp = ctx.among("outcome", ("CRP",), m) & ctx.among("timepoint", ("baseline",), m)
    m = m.loc[baseline_crp, ["outcome", "unit", "mean", "median"]]
    mean, median = m["mean"].to_numpy(), m["median"].to_numpy()
    mean_mg_l, median_mg_l = ctx.to_common(m, m["mean"]).to_numpy(), ctx.to_common(m, m["median"]).to_numpy()
    high_mean = mean_mg_l > p["max_crp_mean"]
    hit = high_mean | (median_mg_l > p["max_crp_median"])
    if not hit.any():
        return None
    high_mean, unit = high_mean[hit], cells(m, "unit", hit)
    stat = np.where(high_mean, "mean", "median")
    common = np.where(high_mean, mean_mg_l[hit], median_mg_l[hit])
    message = text(
        "baseline CRP ",
        stat,
        " ",
        fmt(np.where(high_mean, mean[hit], median[hit])),
        " ",
        unit,
        np.where(unit == "mg/L", "", text(" (", fmt(common), " mg/L)")),
        " above ",
        fmt(np.where(high_mean, p["max_crp_mean"], p["max_crp_median"])),
        " mg/L: acute-phase cases not excluded, or a unit error",
    )
    return Hits("measurements", m.index[hit], one_column(stat), message)
