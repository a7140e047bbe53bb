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
from .common import fmt, has_control_group, one_column


def _addressed(ctx: Context, handling: pd.Series) -> pd.Series:
    return handling.isin(ctx.dictionary.vocabularies["handling"].addressed)


def _confounder_not_addressed(ctx: Context, column: str, name: str, effect: str) -> Hits | None:
    """BMI, smoking: high with a control group; else some_concerns or no_information."""
    s = ctx.studies
    hit = ~_addressed(ctx, s[column])
    if not hit.any():
        return None
    s = s.loc[hit, [column, "control_type"]]
    handling = s[column].fillna("empty")
    controls = has_control_group(s)
    impact = np.where(
        controls, "high", np.where(handling.eq("reported_only"), "some_concerns", "no_information")
    )
    with_controls = (
        f"{name} handling is "
        + handling
        + " with a "
        + s["control_type"].fillna("")
        + " control group: "
        f"{name} differs between patients and controls and {effect}"
    )
    without = (
        f"{name} handling is "
        + handling
        + f" (no control group): {name} {effect} and was not accounted for"
    )
    message = with_controls.where(controls, without)
    return Hits("studies", s.index, column, message.to_numpy(), impact=impact)


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
    handling, status = s["medication_handling"], s["medication_status"]
    hit = ~_addressed(ctx, handling) & ~status.isin(("drug_free", "washout"))
    if not hit.any():
        return None
    index, handling, status = s.index[hit.to_numpy()], handling[hit], status[hit]
    unknown = (status.isna() | status.eq("not_reported")) & handling.eq("not_reported")
    impact = np.select(
        [status.eq("uncontrolled"), unknown], ["high", "no_information"], "some_concerns"
    )
    message = (
        "medication handling is "
        + handling.fillna("empty")
        + " and medication status is "
        + status.fillna("empty")
        + ": antidepressants lower IL-6 and IL-10"
    )
    return Hits("studies", index, "medication_handling", message.to_numpy(), impact=impact)


@rule("age-sex-not-addressed")
def age_sex_not_addressed(ctx: Context, p: dict[str, Any]) -> Hits | None:
    """A control group, and age or sex neither matched on nor addressed by age_sex_handling."""
    s = ctx.studies
    matched = s["controls_matched_on"].fillna("")
    age = matched.str.contains(r"(?:^|;)age(?:;|$)", regex=True)
    sex = matched.str.contains(r"(?:^|;)sex(?:;|$)", regex=True)
    hit = has_control_group(s) & ~_addressed(ctx, s["age_sex_handling"]) & ~(age & sex)
    if not hit.any():
        return None
    s, age, sex = s.loc[hit, ["controls_matched_on", "age_sex_handling"]], age[hit], sex[hit]
    missing = pd.Series(
        np.select([~age & ~sex, ~age], ["age and sex", "age"], "sex"), index=s.index
    )
    on = s["controls_matched_on"].fillna("nothing")
    message = (
        missing
        + " not addressed: controls matched on "
        + on
        + ", age/sex handling is "
        + s["age_sex_handling"].fillna("empty")
        + " (IL-6 rises with age; IL-1β varies with the menstrual phase)"
    )
    return Hits("studies", s.index, "age_sex_handling", message.to_numpy())


@rule("inflammation-not-excluded")
def inflammation_not_excluded(ctx: Context, p: dict[str, Any]) -> Hits | None:
    """Infection, inflammatory disease and anti-inflammatory drugs not addressed."""
    s = ctx.studies
    s = s.loc[~_addressed(ctx, s["inflammatory_disease_handling"]), ["inflammatory_disease_handling"]]
    if s.empty:
        return None
    message = (
        "inflammatory disease handling is "
        + s["inflammatory_disease_handling"].fillna("empty")
        + ": infection, autoimmune disease or anti-inflammatory drugs may drive IL-6 and CRP"
    )
    return Hits("studies", s.index, "inflammatory_disease_handling", message.to_numpy())


@rule("medication-changed-during-course")
def medication_changed_during_course(ctx: Context, p: dict[str, Any]) -> Hits | None:
    """Psychotropic medication changed during the ECT course."""
    s = ctx.studies
    hit = s["medication_changed_during_course"].eq("yes").to_numpy()
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
    m = m.loc[m["outcome"].eq("CRP") & m["timepoint"].eq("baseline"), ["outcome", "unit", "mean", "median"]]
    mean = ctx.to_common(m, m["mean"])
    median = ctx.to_common(m, m["median"])
    high_mean = mean.gt(p["max_crp_mean"])
    high_median = median.gt(p["max_crp_median"])
    hit = high_mean | high_median
    if not hit.any():
        return None
    m, high_mean = m[hit], high_mean[hit]
    mean, median = mean[hit], median[hit]
    stat = pd.Series(np.where(high_mean, "mean", "median"), index=m.index)
    value = m["mean"].where(high_mean, m["median"])
    common = mean.where(high_mean, median)
    limit = pd.Series(np.where(high_mean, p["max_crp_mean"], p["max_crp_median"]), index=m.index)
    converted = pd.Series("", index=m.index).where(
        m["unit"].eq("mg/L"), " (" + fmt(common) + " mg/L)"
    )
    message = (
        "baseline CRP "
        + stat
        + " "
        + fmt(value)
        + " "
        + m["unit"]
        + converted
        + " above "
        + fmt(limit)
        + " mg/L: acute-phase cases not excluded, or a unit error"
    )
    return Hits("measurements", m.index, one_column(stat), message.to_numpy())
