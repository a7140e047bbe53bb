"""The quality rules' logic at its boundaries; the catalogue (rules/*.toml) against the contract.

Frames are built in code: a factory fills every dictionary column with a clean default, and each
test overrides the few values its rule reads. Rules are called directly, as the engine calls them:
`REGISTRY[rule_id](context, catalogue defaults)`.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from ectqa import dictionary
from ectqa.rules import catalogue, registry
from ectqa.rules.engine import Context, Hits

for _name in ("sample_size", "confounding", "comparison", "timing", "measurement", "reporting"):
    importlib.import_module(f"ectqa.rules.{_name}")

DICT = dictionary.load()
CATALOGUE_MD = Path("/work/shared/spec/rule-catalogue.md")
FORENSIC = (
    "sd-se-inconsistent",
    "sd-possibly-se",
    "grim-inconsistent",
    "grimmer-inconsistent",
    "p-value-inconsistent",
)
LOGIC_RULES = [r.id for r in catalogue.quality_rules() if r.id not in FORENSIC]

# ---------------------------------------------------------------- factories

STUDY = {
    "study_id": "S1",
    "first_author": "Doe",
    "year": 2015,
    "design": "controlled_pre_post",
    "diagnosis": "mdd",
    "diagnostic_criteria": "dsm_5",
    "treatment_resistant": "yes",
    "n_ect": 40,
    "n_control": 40,
    "control_type": "anesthesia_only",
    "controls_matched_on": "age;sex;bmi;smoking",
    "age_mean": 52,
    "age_sd": 12,
    "female_pct": 60,
    "bmi_mean": 26,
    "electrode_placement": "right_unilateral",
    "pulse_width": "brief",
    "sessions_mean": 10,
    "sessions_per_week": 3,
    "anesthetic": "propofol",
    "sample_type": "serum",
    "assay": "hs_elisa",
    "same_batch": "yes",
    "sampling_time_standardized": "yes",
    "fasting": "yes",
    "bmi_handling": "matched",
    "smoking_handling": "matched",
    "medication_handling": "excluded",
    "age_sex_handling": "matched",
    "inflammatory_disease_handling": "excluded",
    "medication_status": "drug_free",
    "medication_changed_during_course": "no",
    "clinical_response_linked": "yes",
    "multiplicity_corrected": "yes",
    "extracted_by": "AB",
    "checked_by": "CD",
}

ROW = {
    "study_id": "S1",
    "group": "ect",
    "outcome": "IL-6",
    "timepoint": "baseline",
    "n": 40,
    "mean": 3.0,
    "sd": 2.0,
    "unit": "pg/mL",
    "source": "table",
}


def frame(table: str, rows: list[dict[str, Any]], defaults: dict[str, Any]) -> pd.DataFrame:
    """A typed frame as the engine gives rules: every column, numbers float64, terms object/None."""
    data = {}
    for col in DICT.tables[table].columns:
        values = [row.get(col.name, defaults.get(col.name)) for row in rows]
        if col.numeric:
            data[col.name] = pd.Series(
                [np.nan if v is None else v for v in values], dtype="float64"
            )
        else:
            data[col.name] = pd.Series(values, dtype=object)
    return pd.DataFrame(data, index=pd.RangeIndex(len(rows)))


def studies(*rows: dict[str, Any]) -> pd.DataFrame:
    return frame("studies", list(rows) or [{}], STUDY)


def measurements(*rows: dict[str, Any]) -> pd.DataFrame:
    return frame("measurements", list(rows), ROW)


def clean_rows(study_id: str = "S1") -> list[dict[str, Any]]:
    """A well-designed study's rows: IL-6 and CRP, ECT group and anaesthesia-only controls."""
    s = {"study_id": study_id}
    crp = {"outcome": "CRP", "unit": "mg/L", "mean": 2.0, "sd": 1.8}
    rows = []
    for group in ("ect", "control"):
        g = {**s, "group": group}
        rows += [
            {**g},
            {**g, "timepoint": "acute", "session": 1, "hours_after_session": 1},
            {**g, "timepoint": "acute", "session": 1, "hours_after_session": 3},
            {**g, "timepoint": "acute", "session": 5, "hours_after_session": 3},
            {**g, "timepoint": "end_of_course", "hours_after_last_session": 72},
            {**g, **crp},
            {**g, **crp, "timepoint": "end_of_course", "hours_after_last_session": 96},
        ]
    return rows


def context(
    s: pd.DataFrame, m: pd.DataFrame | None = None, all_m: pd.DataFrame | None = None
) -> Context:
    if m is None:
        m = measurements(*clean_rows(*s["study_id"].unique()[:1]))
    return Context(
        dictionary=DICT, studies=s, measurements=m, all_measurements=m if all_m is None else all_m
    )


def run(rule_id: str, ctx: Context, **params: Any) -> Hits | None:
    p = {**catalogue.load()[rule_id].parameters, **params}
    return registry.REGISTRY[rule_id](ctx, p)


def flagged(rule_id: str, ctx: Context, **params: Any) -> list[int]:
    hits = run(rule_id, ctx, **params)
    return [] if hits is None else [int(i) for i in np.asarray(hits.index)]


def impacts(hits: Hits, rule_id: str) -> list[str | None]:
    """Per-hit impacts as the engine resolves them ("default" = the catalogue's)."""
    n = len(hits)
    if isinstance(hits.impact, str) and hits.impact == "default":
        return [catalogue.load()[rule_id].impact] * n
    if hits.impact is None or isinstance(hits.impact, str):
        return [hits.impact] * n
    return list(hits.impact)


def messages(hits: Hits) -> list[str]:
    return (
        [hits.message] * len(hits)
        if isinstance(hits.message, str)
        else [str(x) for x in hits.message]
    )


def columns(hits: Hits) -> list[str]:
    return (
        [hits.column] * len(hits) if isinstance(hits.column, str) else [str(c) for c in hits.column]
    )


def one(rule_id: str, ctx: Context, **params: Any) -> tuple[str | None, str, str]:
    """The single hit of a rule: (impact, message, column)."""
    hits = run(rule_id, ctx, **params)
    assert hits is not None and len(hits) == 1, hits
    return impacts(hits, rule_id)[0], messages(hits)[0], columns(hits)[0]


# ---------------------------------------------------------------- a clean study flags nothing


@pytest.mark.parametrize("rule_id", LOGIC_RULES)
def test_clean_study_flags_nothing(rule_id: str) -> None:
    s = studies({"study_id": "S1"}, {"study_id": "S2", "cohort_id": None})
    m = measurements(*clean_rows("S1"), *clean_rows("S2"))
    hits = run(rule_id, context(s, m))
    assert hits is None or len(hits) == 0, messages(hits)


@pytest.mark.parametrize("rule_id", LOGIC_RULES)
def test_rules_run_when_no_study_row_is_valid(rule_id: str) -> None:
    """Every study row left out for schema errors: measurement rows then belong to no study."""
    s = studies({"study_id": "S1"}).iloc[:0]
    m = measurements(*clean_rows("S1"), {"timepoint": "acute", "session": 1, "hours_after_session": 2})
    hits = run(rule_id, context(s, m))
    assert hits is None or len(hits) == 0 or hits.table == "measurements"


def test_every_logic_rule_returns_aligned_hits() -> None:
    """Arrays of one length; study-level hits point at studies, others at measurements."""
    s = studies(
        {
            "n_ect": 10,
            "control_type": "healthy",
            "n_control": 10,
            "controls_matched_on": None,
            "bmi_handling": "not_reported",
            "smoking_handling": "reported_only",
            "medication_handling": "not_reported",
            "medication_status": "uncontrolled",
            "age_sex_handling": "not_reported",
            "inflammatory_disease_handling": "not_reported",
            "medication_changed_during_course": "yes",
            "anesthetic": "not_reported",
            "sampling_time_standardized": "no",
            "assay": "not_reported",
            "same_batch": "no",
            "sample_type": "mixed",
            "electrode_placement": None,
            "multiplicity_corrected": "no",
            "clinical_response_linked": "no",
            "checked_by": None,
            "cohort_id": "C",
        },
        {"study_id": "S2", "cohort_id": "C"},
    )
    m = measurements(
        {
            "outcome": "CRP",
            "unit": "mg/L",
            "mean": 12.0,
            "sd": None,
            "n": 10,
            "source": "figure_digitized",
        },
        {
            "outcome": "TNF-α",
            "timepoint": "acute",
            "session": 1,
            "hours_after_session": 0.2,
            "n": 10,
        },
        {
            "outcome": "IL-1β",
            "timepoint": "end_of_course",
            "hours_after_last_session": 2,
            "n": 5,
            "mean": 0.001,
            "lod": 1,
        },
        {"group": "control", "n": 10},
    )
    ctx = context(s, m)
    for rule_id in LOGIC_RULES:
        hits = run(rule_id, ctx)
        if hits is None:
            continue
        level = catalogue.load()[rule_id].level
        assert hits.table == ("studies" if level == "study" else "measurements"), rule_id
        n = len(hits)
        for part in (hits.message, hits.impact, hits.column):
            assert isinstance(part, str) or part is None or len(part) == n, rule_id
        assert len(set(np.asarray(hits.index).tolist())) == n, (
            f"{rule_id}: one hit per study/series/row"
        )
        frame_ = s if hits.table == "studies" else m
        assert set(np.asarray(hits.index).tolist()) <= set(frame_.index), rule_id
        for c in columns(hits):
            assert c in frame_.columns, (rule_id, c)
        for imp in impacts(hits, rule_id):
            assert imp in (None, "high", "some_concerns", "no_information"), rule_id


# ---------------------------------------------------------------- sample size


@pytest.mark.parametrize(
    ("n", "impact"),
    [(34, None), (33, "some_concerns"), (15, "some_concerns"), (14, "high"), (1, "high")],
)
def test_small_sample_boundaries(n: int, impact: str | None) -> None:
    ctx = context(studies({"n_ect": n}))
    if impact is None:
        assert flagged("small-sample", ctx) == []
    else:
        got, msg, col = one("small-sample", ctx)
        assert (got, col) == (impact, "n_ect")
        assert msg == f"{n} patients received ECT; below 34 (high below 15)"


def test_small_sample_points_at_the_study_row() -> None:
    ctx = context(studies({"study_id": "A"}, {"study_id": "B", "n_ect": 20}, {"study_id": "C"}))
    assert flagged("small-sample", ctx) == [1]


def test_small_sample_config_parameters() -> None:
    ctx = context(studies({"n_ect": 20}))
    assert flagged("small-sample", ctx, min_n=20) == []
    assert one("small-sample", ctx, min_n=25, critical_n=21)[0] == "high"


@pytest.mark.parametrize(
    ("control_type", "n_control", "hit"),
    [
        ("healthy", 33, True),
        ("healthy", 34, False),
        ("sham_ect", 10, True),
        ("none", None, False),
        ("none", 0, False),
    ],
)
def test_small_control_group(control_type: str, n_control: float | None, hit: bool) -> None:
    ctx = context(studies({"control_type": control_type, "n_control": n_control}))
    assert bool(flagged("small-control-group", ctx)) is hit


def _attrition_rows(base: int, last: int, **extra: Any) -> list[dict[str, Any]]:
    return [
        {"n": base, **extra},
        {"timepoint": "end_of_course", "hours_after_last_session": 72, "n": last, **extra},
    ]


@pytest.mark.parametrize(
    ("last", "impact"), [(80, None), (79, "some_concerns"), (60, "some_concerns"), (59, "high")]
)
def test_attrition_boundaries(last: int, impact: str | None) -> None:
    ctx = context(studies({"n_ect": 100}), measurements(*_attrition_rows(100, last)))
    if impact is None:
        assert flagged("attrition", ctx) == []
    else:
        got, msg, col = one("attrition", ctx)
        assert (got, col) == (impact, "n")
        assert (
            f"from 100 at baseline to {last} at end_of_course ({100 - last}% lost); above 20%"
            in msg
        )


def test_attrition_exactly_20_percent_at_other_sizes() -> None:
    for base, last in ((10, 8), (30, 24), (35, 28), (45, 36)):
        ctx = context(studies({"n_ect": base}), measurements(*_attrition_rows(base, last)))
        assert flagged("attrition", ctx) == [], (base, last)


def test_attrition_uses_the_last_timepoint_and_points_at_the_series_first_row() -> None:
    m = measurements(
        {"outcome": "CRP", "unit": "mg/L", "mean": 2.0},
        {"n": 30},
        {"timepoint": "end_of_course", "hours_after_last_session": 72, "n": 30},
        {"timepoint": "follow_up", "weeks_after_course": 26, "n": 20},
        {"timepoint": "follow_up", "weeks_after_course": 4, "n": 29},
    )
    hits = run("attrition", context(studies({"n_ect": 30}), m))
    assert np.asarray(hits.index).tolist() == [1]
    assert "to 20 at follow_up (33% lost)" in messages(hits)[0]


def test_attrition_ect_group_only_and_responders_when_no_ect_rows() -> None:
    controls = measurements(*_attrition_rows(40, 20, group="control"))
    assert flagged("attrition", context(studies(), controls)) == []
    responders = measurements(
        *_attrition_rows(20, 10, group="ect_responders"),
        *_attrition_rows(20, 19, group="ect_nonresponders"),
    )
    assert flagged("attrition", context(studies(), responders)) == [0]


def test_attrition_counts_rows_left_out_for_schema_errors() -> None:
    every = measurements(*_attrition_rows(40, 20))
    valid = every.iloc[[0]]
    assert flagged("attrition", context(studies(), valid, every)) == [0]


# ---------------------------------------------------------------- confounding


@pytest.mark.parametrize(
    "rule_id,column",
    [("bmi-not-addressed", "bmi_handling"), ("smoking-not-addressed", "smoking_handling")],
)
@pytest.mark.parametrize(
    ("handling", "control_type", "impact"),
    [
        ("excluded", "healthy", None),
        ("restricted", "none", None),
        ("matched", "healthy", None),
        ("adjusted", "none", None),
        ("reported_only", "healthy", "high"),
        ("not_reported", "healthy", "high"),
        ("not_reported", "sham_ect", "high"),
        ("reported_only", "none", "some_concerns"),
        ("not_reported", "none", "no_information"),
    ],
)
def test_bmi_and_smoking_grading(
    rule_id: str, column: str, handling: str, control_type: str, impact: str | None
) -> None:
    ctx = context(
        studies(
            {
                column: handling,
                "control_type": control_type,
                "n_control": None if control_type == "none" else 40,
            }
        )
    )
    if impact is None:
        assert flagged(rule_id, ctx) == []
    else:
        got, msg, col = one(rule_id, ctx)
        assert (got, col) == (impact, column)
        assert handling in msg


def test_bmi_message_in_reviewers_words() -> None:
    ctx = context(studies({"bmi_handling": "reported_only", "control_type": "healthy"}))
    assert one("bmi-not-addressed", ctx)[1] == (
        "BMI handling is reported_only with a healthy control group: "
        "BMI differs between patients and controls and raises IL-6 and CRP"
    )


@pytest.mark.parametrize(
    ("handling", "status", "impact"),
    [
        ("excluded", "uncontrolled", None),
        ("adjusted", None, None),
        ("reported_only", "drug_free", None),
        ("not_reported", "washout", None),
        ("reported_only", "uncontrolled", "high"),
        ("not_reported", "uncontrolled", "high"),
        ("not_reported", None, "no_information"),
        ("not_reported", "not_reported", "no_information"),
        ("reported_only", "not_reported", "some_concerns"),
        ("reported_only", None, "some_concerns"),
        ("not_reported", "stable_regimen", "some_concerns"),
        ("reported_only", "stable_regimen", "some_concerns"),
    ],
)
def test_medication_not_addressed_three_way(
    handling: str, status: str | None, impact: str | None
) -> None:
    ctx = context(studies({"medication_handling": handling, "medication_status": status}))
    if impact is None:
        assert flagged("medication-not-addressed", ctx) == []
    else:
        assert one("medication-not-addressed", ctx)[:1] == (impact,)


@pytest.mark.parametrize(
    ("control_type", "matched", "handling", "missing"),
    [
        ("healthy", "age;sex", "not_reported", None),
        ("healthy", "sex;age;bmi", "reported_only", None),
        ("healthy", None, "adjusted", None),
        ("healthy", "bmi", "matched", None),
        ("none", None, "not_reported", None),
        ("healthy", "age", "reported_only", "sex"),
        ("healthy", "sex;smoking", "not_reported", "age"),
        ("medication_only", "bmi", "not_reported", "age and sex"),
        ("healthy", None, "reported_only", "age and sex"),
    ],
)
def test_age_sex_not_addressed(
    control_type: str, matched: str | None, handling: str, missing: str | None
) -> None:
    ctx = context(
        studies(
            {
                "control_type": control_type,
                "controls_matched_on": matched,
                "age_sex_handling": handling,
            }
        )
    )
    if missing is None:
        assert flagged("age-sex-not-addressed", ctx) == []
    else:
        impact, msg, col = one("age-sex-not-addressed", ctx)
        assert (impact, col) == ("some_concerns", "age_sex_handling")
        assert msg.startswith(f"{missing} not addressed")


@pytest.mark.parametrize(
    ("handling", "hit"),
    [("excluded", False), ("adjusted", False), ("reported_only", True), ("not_reported", True)],
)
def test_inflammation_not_excluded(handling: str, hit: bool) -> None:
    ctx = context(studies({"inflammatory_disease_handling": handling}))
    assert bool(flagged("inflammation-not-excluded", ctx)) is hit


@pytest.mark.parametrize(
    ("value", "hit"), [("yes", True), ("no", False), ("not_reported", False), (None, False)]
)
def test_medication_changed_during_course(value: str | None, hit: bool) -> None:
    assert (
        bool(
            flagged(
                "medication-changed-during-course",
                context(studies({"medication_changed_during_course": value})),
            )
        )
        is hit
    )


def _crp(**values: Any) -> dict[str, Any]:
    return {"outcome": "CRP", "unit": "mg/L", "sd": 3.0, **values}


@pytest.mark.parametrize(
    ("row", "hit"),
    [
        (_crp(mean=10.0), False),
        (_crp(mean=10.1), True),
        (_crp(mean=1.0, unit="mg/dL"), False),
        (_crp(mean=1.01, unit="mg/dL"), True),
        (_crp(mean=10.1, unit="µg/mL"), True),
        (_crp(mean=100.0, unit="nmol/L"), True),  # 10.5 mg/L
        (_crp(mean=None, median=5.0, q1=2.0, q3=8.0), False),
        (_crp(mean=None, median=5.1, q1=2.0, q3=8.0), True),
        (_crp(mean=12.0, timepoint="end_of_course", hours_after_last_session=96), False),
        (_crp(mean=12.0, group="control"), True),
        ({"outcome": "IL-6", "mean": 12.0}, False),
    ],
)
def test_crp_suggests_infection(row: dict[str, Any], hit: bool) -> None:
    ctx = context(studies(), measurements(row))
    assert bool(flagged("crp-suggests-infection", ctx)) is hit


def test_crp_suggests_infection_message_and_column() -> None:
    impact, msg, col = one(
        "crp-suggests-infection", context(studies(), measurements(_crp(mean=1.01, unit="mg/dL")))
    )
    assert (impact, col) == ("some_concerns", "mean")
    assert (
        msg == "baseline CRP mean 1.01 mg/dL (10.1 mg/L) above 10 mg/L: "
        "acute-phase cases not excluded, or a unit error"
    )
    _, msg, col = one(
        "crp-suggests-infection",
        context(studies(), measurements(_crp(mean=None, median=6.0, q1=2, q3=9))),
    )
    assert col == "median" and "median 6 mg/L above 5 mg/L" in msg


# ---------------------------------------------------------------- comparison


def test_no_control_group() -> None:
    ctx = context(
        studies(
            {"control_type": "healthy"},
            {"study_id": "S2", "control_type": "none", "n_control": None},
        )
    )
    assert flagged("no-control-group", ctx) == [1]


def test_anesthesia_not_controlled_needs_acute_rows() -> None:
    healthy = studies({"control_type": "healthy"})
    acute = measurements({}, {"timepoint": "acute", "session": 1, "hours_after_session": 2})
    no_acute = measurements({}, {"timepoint": "end_of_course", "hours_after_last_session": 72})
    impact, _, col = one("anesthesia-not-controlled", context(healthy, acute))
    assert (impact, col) == (None, "control_type")
    assert flagged("anesthesia-not-controlled", context(healthy, no_acute)) == []
    assert (
        flagged(
            "anesthesia-not-controlled",
            context(studies({"control_type": "anesthesia_only"}), acute),
        )
        == []
    )


@pytest.mark.parametrize(
    ("value", "hit"), [("not_reported", True), ("propofol", False), ("mixed", False)]
)
def test_anesthetic_not_reported(value: str, hit: bool) -> None:
    ctx = context(studies({"anesthetic": value}))
    assert bool(flagged("anesthetic-not-reported", ctx)) is hit
    if hit:
        assert one("anesthetic-not-reported", ctx)[0] == "no_information"


def test_controls_baseline_only() -> None:
    s = studies({"control_type": "healthy"})
    eoc = {"timepoint": "end_of_course", "hours_after_last_session": 72}
    flagged_case = measurements({}, eoc, {"group": "control"})
    assert one("controls-baseline-only", context(s, flagged_case))[0] is None
    assert (
        flagged(
            "controls-baseline-only",
            context(s, measurements({}, eoc, {"group": "control"}, {"group": "control", **eoc})),
        )
        == []
    )
    assert (
        flagged("controls-baseline-only", context(s, measurements({}, eoc))) == []
    )  # no control rows
    assert (
        flagged("controls-baseline-only", context(s, measurements({}, {"group": "control"}))) == []
    )  # ECT baseline only


# ---------------------------------------------------------------- timing

EOC = {"timepoint": "end_of_course", "hours_after_last_session": 72}


def test_missing_baseline() -> None:
    m = measurements(
        {"outcome": "CRP", "unit": "mg/L"},
        EOC,
        {**EOC, "outcome": "TNF-α"},
        {"outcome": "TNF-α"},
        {**EOC, "group": "control", "outcome": "CRP", "unit": "mg/L"},
    )
    impact, msg, col = one("missing-baseline", context(studies(), m))
    assert (impact, col) == ("high", "timepoint")
    assert np.asarray(run("missing-baseline", context(studies(), m)).index).tolist() == [1]
    assert msg.startswith("IL-6 (ect)")


def test_missing_baseline_counts_invalid_rows_and_ignores_unreadable_terms() -> None:
    every = measurements({}, EOC)
    valid = every.iloc[[1]]
    assert flagged("missing-baseline", context(studies(), valid, every)) == []
    typo = measurements({"timepoint": None}, EOC)  # `basline`, read as None, reported by the schema
    assert flagged("missing-baseline", context(studies(), typo.iloc[[1]], typo)) == []


def test_missing_baseline_responder_groups() -> None:
    m = measurements(
        {**EOC, "group": "ect_responders"},
        {"group": "ect_nonresponders"},
        {**EOC, "group": "ect_nonresponders"},
    )
    assert flagged("missing-baseline", context(studies(), m)) == [0]
    # with an `ect` group, responder rows are not the ECT group
    m = measurements({}, EOC, {**EOC, "group": "ect_responders"})
    assert flagged("missing-baseline", context(studies(), m)) == []


@pytest.mark.parametrize(
    ("later", "hit"),
    [
        (None, True),
        ({"timepoint": "acute", "session": 1, "hours_after_session": 2}, False),
        ({"timepoint": "during_course", "session": 4}, False),
        (EOC, False),
        ({"timepoint": "follow_up", "weeks_after_course": 4}, False),
        ({**EOC, "group": "control"}, True),
    ],
)
def test_missing_post_course(later: dict[str, Any] | None, hit: bool) -> None:
    m = measurements({}, *([later] if later else []))
    assert bool(flagged("missing-post-course", context(studies(), m))) is hit


def test_missing_post_course_counts_invalid_rows() -> None:
    every = measurements({}, EOC)
    assert flagged("missing-post-course", context(studies(), every.iloc[[0]], every)) == []
    assert (
        one("missing-post-course", context(studies(), every.iloc[[0]], every.iloc[[0]]))[0]
        == "some_concerns"
    )


def _acute(
    outcome: str, *hours: float, session: int = 1, unit: str = "pg/mL"
) -> list[dict[str, Any]]:
    return [
        {
            "outcome": outcome,
            "unit": unit,
            "timepoint": "acute",
            "session": session,
            "hours_after_session": h,
        }
        for h in hours
    ]


@pytest.mark.parametrize(
    ("rows", "hit"),
    [
        (_acute("IL-6", 2), True),  # one time
        (_acute("IL-6", 2, 4), False),
        (_acute("IL-6", 1, 6), False),  # window inclusive
        (_acute("IL-6", 0.25, 0.5), True),  # none within 1 to 6 h
        (_acute("IL-6", 7, 8), True),
        (_acute("IL-6", -0.5, 2), True),  # negative hours are before the session
        (_acute("IL-6", 2) + _acute("IL-6", 2, session=5), True),  # distinct across sessions
        (_acute("IL-6", 2) + _acute("IL-6", 4, session=5), False),
        (_acute("CRP", 3, 6, unit="mg/L"), False),
        (_acute("CRP", 12, 24, unit="mg/L"), True),
        (_acute("cortisol", 0.25, 0.5, unit="nmol/L"), False),
        (_acute("cortisol", 0.5, 1, unit="nmol/L"), False),
        (_acute("cortisol", 0, 1, unit="nmol/L"), True),  # 0 h is not after the session: one time
        (_acute("cortisol", 2, 4, unit="nmol/L"), True),
        (_acute("NK_activity", 0.05, 1, unit="%"), False),
        (_acute("BDNF", 2, 24, unit="ng/mL"), False),  # class without a window: times only
        (_acute("BDNF", 24, unit="ng/mL"), True),
    ],
)
def test_sparse_acute_window(rows: list[dict[str, Any]], hit: bool) -> None:
    m = measurements({"outcome": rows[0]["outcome"], "unit": rows[0]["unit"]}, *rows)
    assert bool(flagged("sparse-acute-window", context(studies(), m))) is hit


def test_sparse_acute_window_message_and_location() -> None:
    m = measurements({}, *_acute("IL-6", 0.25, 0.5))
    hits = run("sparse-acute-window", context(studies(), m))
    assert np.asarray(hits.index).tolist() == [0]
    assert (
        messages(hits)[0]
        == "IL-6 acute samples: 2 sampling times after a session (0.25 to 0.5 h); "
        "none within its acute window of 1 to 6 h"
    )
    m = measurements({}, *_acute("IL-6", 2))
    assert (
        one("sparse-acute-window", context(studies(), m))[1]
        == "IL-6 acute samples: 1 sampling time after a session (2 h), fewer than 2"
    )


def test_sparse_acute_window_ect_group_and_all_rows() -> None:
    controls = measurements(*[{**r, "group": "control"} for r in _acute("IL-6", 2)])
    assert flagged("sparse-acute-window", context(studies(), controls)) == []
    every = measurements(*_acute("IL-6", 2, 4))
    assert flagged("sparse-acute-window", context(studies(), every.iloc[[0]], every)) == []


@pytest.mark.parametrize(("sessions", "hit"), [((1, 1), True), ((1, 5), False), ((5, 5), False)])
def test_acute_first_session_only(sessions: tuple[int, int], hit: bool) -> None:
    m = measurements(
        {}, *_acute("IL-6", 2, session=sessions[0]), *_acute("IL-6", 4, session=sessions[1])
    )
    assert flagged("acute-first-session-only", context(studies(), m)) == ([0] if hit else [])


def test_end_of_course_timing_unknown() -> None:
    m = measurements(
        {},
        {"timepoint": "end_of_course"},
        {"timepoint": "end_of_course", "group": "control"},
        EOC | {"outcome": "CRP", "unit": "mg/L"},
    )
    impact, _, col = one("end-of-course-timing-unknown", context(studies(), m))
    assert (impact, col) == ("no_information", "hours_after_last_session")
    assert flagged("end-of-course-timing-unknown", context(studies(), m)) == [1]


@pytest.mark.parametrize(
    ("outcome", "unit", "hours", "hit"),
    [
        ("IL-6", "pg/mL", 47.9, True),
        ("IL-6", "pg/mL", 48, False),
        ("TNF-α", "pg/mL", 24, True),
        ("CRP", "mg/L", 71.9, True),
        ("CRP", "mg/L", 72, False),
        ("CRP", "mg/L", 48, True),
        ("HAMD17", "points", 47, True),
        ("cortisol", "nmol/L", 168, False),
    ],
)
def test_end_of_course_too_soon(outcome: str, unit: str, hours: float, hit: bool) -> None:
    m = measurements(
        {
            "outcome": outcome,
            "unit": unit,
            "timepoint": "end_of_course",
            "hours_after_last_session": hours,
        }
    )
    assert bool(flagged("end-of-course-too-soon", context(studies(), m))) is hit


def test_end_of_course_too_soon_message_ect_only_and_class_keys() -> None:
    m = measurements(
        {
            "outcome": "CRP",
            "unit": "mg/L",
            "timepoint": "end_of_course",
            "hours_after_last_session": 48,
        }
    )
    assert one("end-of-course-too-soon", context(studies(), m))[1].startswith(
        "CRP drawn 48 h after the last session; below 72 h"
    )
    control = measurements(
        {"group": "control", "timepoint": "end_of_course", "hours_after_last_session": 2}
    )
    assert flagged("end-of-course-too-soon", context(studies(), control)) == []
    il6 = measurements({"timepoint": "end_of_course", "hours_after_last_session": 60})
    assert flagged(
        "end-of-course-too-soon",
        context(studies(), il6),
        min_hours_after_last={"default": 48, "cytokine": 72},
    ) == [0]


@pytest.mark.parametrize(
    ("value", "impact"),
    [("no", "some_concerns"), ("not_reported", "no_information"), ("yes", None)],
)
def test_sampling_time_not_standardized(value: str, impact: str | None) -> None:
    ctx = context(studies({"sampling_time_standardized": value}))
    if impact is None:
        assert flagged("sampling-time-not-standardized", ctx) == []
    else:
        assert one("sampling-time-not-standardized", ctx)[0] == impact


# ---------------------------------------------------------------- measurement


@pytest.mark.parametrize(
    ("rule_id", "column", "term", "impact"),
    [
        ("assay-not-reported", "assay", "not_reported", "no_information"),
        ("serial-samples-not-batched", "same_batch", "no", "some_concerns"),
        ("stimulated-sample", "sample_type", "whole_blood_stimulated", None),
        ("mixed-sample-types", "sample_type", "mixed", "some_concerns"),
    ],
)
def test_study_term_rules(rule_id: str, column: str, term: str, impact: str | None) -> None:
    ctx = context(studies({"study_id": "A"}, {"study_id": "B", column: term}))
    hits = run(rule_id, ctx)
    assert np.asarray(hits.index).tolist() == [1]
    assert (impacts(hits, rule_id)[0], columns(hits)[0]) == (impact, column)


def test_study_term_rules_other_values() -> None:
    ctx = context(
        studies({"same_batch": "not_reported", "sample_type": "plasma", "assay": "other"})
    )
    for rule_id in (
        "assay-not-reported",
        "serial-samples-not-batched",
        "stimulated-sample",
        "mixed-sample-types",
    ):
        assert flagged(rule_id, ctx) == [], rule_id


@pytest.mark.parametrize(
    ("row", "column"),
    [
        ({"mean": 1.4, "lod": 1.5}, "lod"),
        ({"mean": 1.5, "lod": 1.5}, None),
        ({"mean": None, "median": 1.4, "q1": 1, "q3": 2, "lod": 1.5}, "lod"),
        (
            {"mean": 1.6, "median": 1.4, "q1": 1, "q3": 2, "lod": 1.5},
            None,
        ),  # the centre is the mean
        ({"n": 10, "n_below_lod": 3}, None),
        ({"n": 10, "n_below_lod": 4}, "n_below_lod"),
        ({"n": 20, "n_below_lod": 6}, None),
        ({"n": 20, "n_below_lod": 7}, "n_below_lod"),
        ({"n": 30, "n_below_lod": 9}, None),
        ({"n": 30, "n_below_lod": 10}, "n_below_lod"),
        ({"n": 70, "n_below_lod": 21}, None),
    ],
)
def test_below_detection_limit(row: dict[str, Any], column: str | None) -> None:
    ctx = context(studies(), measurements(row))
    if column is None:
        assert flagged("below-detection-limit", ctx) == []
    else:
        impact, msg, col = one("below-detection-limit", ctx)
        assert (impact, col) == ("some_concerns", column)


def test_below_detection_limit_messages(monkeypatch: pytest.MonkeyPatch) -> None:
    m = measurements(
        {"outcome": "IL-1β", "mean": None, "median": 0.8, "q1": 0.1, "q3": 1.2, "lod": 1.5},
        {
            "outcome": "IL-1β",
            "n": 30,
            "n_below_lod": 12,
            "timepoint": "end_of_course",
            "hours_after_last_session": 72,
        },
    )
    hits = run("below-detection-limit", context(studies(), m))
    assert messages(hits) == [
        "IL-1β median 0.8 is below the limit of detection 1.5 pg/mL",
        "IL-1β: 12 of 30 below the limit of detection (40%); above 30%",
    ]
    assert columns(hits) == ["lod", "n_below_lod"]


@pytest.mark.parametrize(
    ("row", "hit"),
    [
        ({"outcome": "IL-6", "mean": 0.004}, True),
        ({"outcome": "IL-6", "mean": 0.004, "unit": "ng/mL"}, False),  # 4 pg/mL
        ({"outcome": "IL-6", "mean": 0.01}, False),
        ({"outcome": "IL-6", "mean": 100}, False),
        ({"outcome": "IL-6", "mean": 100.5}, True),
        ({"outcome": "IL-6", "mean": 0.2, "unit": "ng/mL"}, True),  # 200 pg/mL
        ({"outcome": "IL-6", "mean": 150, "unit": "ng/L"}, True),
        (
            {"outcome": "IL-6", "mean": 0.004, "unit": "AU"},
            False,
        ),  # arbitrary units: not convertible
        ({"outcome": "IL-6", "mean": None, "median": 0.004, "q1": 0.001, "q3": 0.01}, True),
        ({"outcome": "TNF-α", "mean": 450}, False),
        ({"outcome": "IL-8", "mean": 1500}, False),
        ({"outcome": "IL-10", "mean": 600}, True),
        ({"outcome": "IFN-γ", "mean": 0.005}, True),
        ({"outcome": "IL-17", "mean": 0.001}, False),  # no range: not checked
        ({"outcome": "CRP", "mean": 0.3, "unit": "mg/dL"}, False),  # 3 mg/L
        ({"outcome": "CRP", "mean": 0.05, "unit": "mg/L"}, True),
        ({"outcome": "CRP", "mean": 12, "unit": "mg/dL"}, True),  # 120 mg/L
        ({"outcome": "cortisol", "mean": 15, "unit": "µg/dL"}, False),  # 414 nmol/L
        ({"outcome": "cortisol", "mean": 15, "unit": "nmol/L"}, True),
        ({"outcome": "cortisol", "mean": 150, "unit": "ng/mL"}, False),  # 414 nmol/L
        ({"outcome": "HAMD17", "mean": 52, "unit": "points"}, False),
        ({"outcome": "HAMD17", "mean": 53, "unit": "points"}, True),
        ({"outcome": "MADRS", "mean": 61, "unit": "points"}, True),
        ({"outcome": "BDI", "mean": 63, "unit": "points"}, False),
    ],
)
def test_implausible_value(row: dict[str, Any], hit: bool) -> None:
    ctx = context(studies(), measurements(row))
    assert bool(flagged("implausible-value", ctx)) is hit


@pytest.mark.parametrize(
    ("sample_type", "hit"),
    [
        ("serum", True),
        ("plasma", True),
        ("mixed", True),
        ("csf", False),
        ("whole_blood_stimulated", False),
        ("other", False),
    ],
)
def test_implausible_value_only_serum_plasma_mixed(sample_type: str, hit: bool) -> None:
    ctx = context(studies({"sample_type": sample_type}), measurements({"mean": 0.004}))
    assert bool(flagged("implausible-value", ctx)) is hit


def test_per_hit_columns() -> None:
    m = measurements(
        {"mean": 0.004}, {"mean": None, "median": 0.004, "q1": 0, "q3": 1}, {"mean": 0.001}
    )
    ctx = context(studies(), m)
    assert columns(run("implausible-value", ctx)) == ["mean", "median", "mean"]


def test_implausible_value_message_names_converted_value() -> None:
    _, msg, col = one(
        "implausible-value", context(studies(), measurements({"mean": 0.2, "unit": "ng/mL"}))
    )
    assert col == "mean"
    assert msg.startswith(
        "IL-6 mean 0.2 ng/mL (200 pg/mL) is above the plausible 0.01 to 100 pg/mL"
    )
    _, msg, col = one(
        "implausible-value",
        context(studies(), measurements({"mean": None, "median": 0.004, "q1": 0, "q3": 1})),
    )
    assert col == "median" and msg.startswith(
        "IL-6 median 0.004 pg/mL is below the plausible 0.01 to 100 pg/mL"
    )


@pytest.mark.parametrize(
    ("study_assay", "row", "hit"),
    [
        ("immunoturbidimetric", {"mean": 2.9}, True),
        ("immunoturbidimetric", {"mean": 3.0}, False),
        ("nephelometric", {"mean": 0.29, "unit": "mg/dL"}, True),
        ("nephelometric", {"mean": 0.3, "unit": "mg/dL"}, False),
        (
            "immunoturbidimetric",
            {"mean": 2.0, "assay": "hs_immunoturbidimetric"},
            False,
        ),  # the row's assay wins
        ("hs_elisa", {"mean": 2.0, "assay": "nephelometric"}, True),
        ("hs_immunoturbidimetric", {"mean": 1.0}, False),
        ("immunoturbidimetric", {"mean": None, "median": 2.0, "q1": 1, "q3": 4}, True),
    ],
)
def test_insensitive_crp_assay(study_assay: str, row: dict[str, Any], hit: bool) -> None:
    ctx = context(studies({"assay": study_assay}), measurements(_crp(**row)))
    assert bool(flagged("insensitive-crp-assay", ctx)) is hit


def test_insensitive_crp_assay_only_crp() -> None:
    ctx = context(studies({"assay": "immunoturbidimetric"}), measurements({"mean": 1.0}))
    assert flagged("insensitive-crp-assay", ctx) == []


@pytest.mark.parametrize(
    ("row", "hit"),
    [
        (_crp(mean=0.49), True),
        (_crp(mean=0.5), False),
        (_crp(mean=0.3, group="control"), False),
        (_crp(mean=0.3, group="ect_responders"), True),
        (_crp(mean=0.04, unit="mg/dL"), False),  # labelled mg/dL: nothing to suspect
        (_crp(mean=None, median=0.3, q1=0.1, q3=0.6), True),
    ],
)
def test_crp_unit_suspect(row: dict[str, Any], hit: bool) -> None:
    ctx = context(studies(), measurements(row))
    assert bool(flagged("crp-unit-suspect", ctx)) is hit
    if hit:
        impact, _, col = one("crp-unit-suspect", ctx)
        assert (impact, col) == (None, "unit")


# ---------------------------------------------------------------- reporting


@pytest.mark.parametrize(
    ("row", "column"),
    [
        ({"sd": None}, "sd"),
        ({"sd": None, "se": 0.4}, None),
        ({"sd": None, "ci_lower": 2.0, "ci_upper": 4.0}, None),
        ({"sd": None, "ci_lower": 2.0}, "sd"),
        ({"mean": None, "sd": None, "median": 3.0, "q1": 2.0, "q3": 4.0}, None),
        ({"mean": None, "sd": None, "median": 3.0, "q1": 2.0}, "q1"),
        ({"mean": None, "sd": None, "median": 3.0, "min": 1.0, "max": 9.0}, None),
        ({"sd": None, "median": 3.0, "q1": 2.0, "q3": 4.0}, None),  # the median can be pooled
        ({"sd": None, "median": 3.0}, "sd"),
    ],
)
def test_missing_dispersion(row: dict[str, Any], column: str | None) -> None:
    ctx = context(studies(), measurements(row))
    if column is None:
        assert flagged("missing-dispersion", ctx) == []
    else:
        impact, _, col = one("missing-dispersion", ctx)
        assert (impact, col) == ("some_concerns", column)


def test_missing_dispersion_message() -> None:
    ctx = context(studies(), measurements({"mean": 3.4, "sd": None}))
    assert (
        one("missing-dispersion", ctx)[1]
        == "IL-6 baseline (ect): mean 3.4 without sd, se or a 95% CI"
    )


@pytest.mark.parametrize(
    ("placement", "pulse", "column"),
    [
        ("bitemporal", "brief", None),
        (None, "brief", "electrode_placement"),
        ("not_reported", "brief", "electrode_placement"),
        ("bifrontal", "not_reported", "pulse_width"),
        ("bifrontal", None, "pulse_width"),
        ("mixed", "mixed", None),
    ],
)
def test_ect_parameters_not_reported(
    placement: str | None, pulse: str | None, column: str | None
) -> None:
    ctx = context(studies({"electrode_placement": placement, "pulse_width": pulse}))
    if column is None:
        assert flagged("ect-parameters-not-reported", ctx) == []
    else:
        impact, _, col = one("ect-parameters-not-reported", ctx)
        assert (impact, col) == ("no_information", column)


def _outcomes(*names: str) -> list[dict[str, Any]]:
    units = {
        "CRP": "mg/L",
        "HAMD17": "points",
        "cortisol": "nmol/L",
        "NK_activity": "%",
        "tryptophan": "µmol/L",
    }
    return [{"outcome": o, "unit": units.get(o, "pg/mL")} for o in names]


@pytest.mark.parametrize(
    ("outcomes", "corrected", "hit"),
    [
        (("IL-6", "CRP", "HAMD17", "cortisol", "tryptophan"), "no", False),  # 2 immune outcomes
        (("IL-6", "CRP", "TNF-α"), "no", True),
        (("IL-6", "CRP", "NK_activity"), "not_reported", True),
        (("IL-6", "CRP", "TNF-α"), "yes", False),
        (("IL-6", "CRP", "TNF-α"), "not_applicable", False),
        (("IL-6", "CRP", "TNF-α"), None, False),
    ],
)
def test_multiplicity_not_corrected(
    outcomes: tuple[str, ...], corrected: str | None, hit: bool
) -> None:
    ctx = context(
        studies({"multiplicity_corrected": corrected}), measurements(*_outcomes(*outcomes))
    )
    assert bool(flagged("multiplicity-not-corrected", ctx)) is hit


def test_multiplicity_counts_distinct_outcomes_of_the_study() -> None:
    rows = _outcomes("IL-6", "CRP") + [{**r, "group": "control"} for r in _outcomes("IL-6", "CRP")]
    rows += [{**r, "study_id": "S2"} for r in _outcomes("TNF-α")]
    ctx = context(
        studies(
            {"multiplicity_corrected": "no"}, {"study_id": "S2", "multiplicity_corrected": "no"}
        ),
        measurements(*rows),
    )
    assert flagged("multiplicity-not-corrected", ctx) == []
    assert flagged("multiplicity-not-corrected", ctx, min_outcomes=2) == [0]


@pytest.mark.parametrize(("value", "hit"), [("yes", False), ("no", True), (None, True)])
def test_response_not_linked(value: str | None, hit: bool) -> None:
    ctx = context(studies({"clinical_response_linked": value}))
    assert bool(flagged("response-not-linked", ctx)) is hit


def test_figure_digitized() -> None:
    m = measurements(
        {"source": "table"},
        {"source": "figure_digitized", "timepoint": "end_of_course"},
        {"source": None},
    )
    hits = run("figure-digitized", context(studies(), m))
    assert np.asarray(hits.index).tolist() == [1] and impacts(hits, "figure-digitized") == [None]


@pytest.mark.parametrize(("value", "hit"), [(None, True), ("", True), ("  ", True), ("CD", False)])
def test_single_extraction(value: str | None, hit: bool) -> None:
    ctx = context(studies({"checked_by": value}))
    assert bool(flagged("single-extraction", ctx)) is hit


def test_study_without_measurements_counts_every_row() -> None:
    s = studies({"study_id": "S1"}, {"study_id": "S2"}, {"study_id": "S3"})
    every = measurements(*clean_rows("S1"), {"study_id": "S3"})
    valid = every.iloc[:-1]
    hits = run("study-without-measurements", context(s, valid, every))
    assert np.asarray(hits.index).tolist() == [1]
    assert messages(hits) == ["study S2 has no rows in measurements"]


def test_overlapping_cohort_one_hit_per_study() -> None:
    s = studies(
        {"study_id": "A", "cohort_id": "C1"},
        {"study_id": "B", "cohort_id": "C2"},
        {"study_id": "D", "cohort_id": "C1"},
        {"study_id": "E"},
        {"study_id": "F"},
    )
    hits = run("overlapping-cohort", context(s))
    assert np.asarray(hits.index).tolist() == [0, 2]
    assert messages(hits)[0] == "cohort C1 is shared by 2 studies (A, D): pooled once"
    assert impacts(hits, "overlapping-cohort") == [None, None]


# ------------------------------------------------------------ the catalogue against the contract


def _md_rules() -> list[dict[str, str]]:
    if not CATALOGUE_MD.exists():
        pytest.skip("rule catalogue markdown not available")
    text = CATALOGUE_MD.read_text(encoding="utf-8")
    body = text.split("## Rules", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in body.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[0].startswith("`"):
            rows.append(dict(zip(("id", "level", "domain", "when", "impact"), cells, strict=True)))
            rows[-1]["id"] = rows[-1]["id"].strip("`")
    return rows


def _md_schema_rules() -> dict[str, str]:
    if not CATALOGUE_MD.exists():
        pytest.skip("rule catalogue markdown not available")
    text = CATALOGUE_MD.read_text(encoding="utf-8").split("## Rules", 1)[0]
    return dict(re.findall(r"\|\s*`(schema/[a-z-]+)`\s*\|\s*(\w+)\s*\|", text))


def test_every_catalogue_rule_has_a_complete_toml_entry() -> None:
    rules = catalogue.load()
    md = _md_rules()
    assert len(md) >= 38
    for row in md:
        r = rules.get(row["id"])
        assert r is not None, f"{row['id']} has no entry in rules/*.toml"
        assert r.domain == row["domain"], r.id
        assert r.level == row["level"].split(" / ")[0], r.id
        assert r.summary and r.source, r.id
        assert set(r.rationale) == {"what", "why", "example", "fix"}, r.id
        assert all(v.strip() for v in r.rationale.values()), r.id
        impact = row["impact"]
        if impact.startswith("warning, no impact"):
            assert (r.impact, r.severity) == (None, "warning"), r.id
        elif impact.startswith("none"):
            assert (r.impact, r.severity) == (None, None), r.id
        elif (
            impact.split(";")[0].split(" ")[0] in catalogue.IMPACTS
            and " when " not in impact.split(";")[0]
        ):
            assert r.impact == impact.split(";")[0].split(" ")[0], r.id
            assert r.severity is None, r.id
        else:  # graded: the cell describes the grading ("as for BMI", "with a control group: ...")
            assert r.impact in catalogue.IMPACTS and r.graded, r.id


def test_catalogue_order_and_registered_logic() -> None:
    rules = catalogue.load()
    md = _md_rules()
    for domain in {row["domain"] for row in md}:
        expected = [row["id"] for row in md if row["domain"] == domain]
        assert [r.id for r in rules.values() if r.domain == domain] == expected, domain
    for row in md:
        if row["id"] not in FORENSIC:
            assert row["id"] in registry.REGISTRY, f"{row['id']} has no registered logic"


def test_catalogue_parameters_use_the_catalogues_names() -> None:
    """A backticked name in a rule's row that is not a column, term or table is a parameter."""
    rules = catalogue.load()
    known = {c.name for t in DICT.tables.values() for c in t.columns}
    known |= {term for v in DICT.vocabularies.values() for term in v.terms} | set(DICT.tables)
    for row in _md_rules():
        names = set(re.findall(r"`([a-z_]+)`", row["when"] + " " + row["impact"])) - known
        assert names <= set(rules[row["id"]].parameters), (row["id"], names)


def test_catalogue_parameter_defaults() -> None:
    p = {rid: r.parameters for rid, r in catalogue.load().items()}
    assert p["small-sample"] == {"min_n": 34, "critical_n": 15}
    assert p["small-control-group"] == {"min_control_n": 34}
    assert p["attrition"] == {"max_attrition": 0.2, "severe_attrition": 0.4}
    assert p["crp-suggests-infection"] == {"max_crp_mean": 10, "max_crp_median": 5}
    assert p["sparse-acute-window"]["acute_window"] == {
        "cytokine": [1, 6],
        "acute_phase": [1, 6],
        "neuroendocrine": [0, 1],
        "cellular": [0, 1],
    }
    assert p["end-of-course-too-soon"] == {"min_hours_after_last": {"default": 48, "CRP": 72}}
    assert p["below-detection-limit"] == {"max_below_lod": 0.3}
    assert p["crp-unit-suspect"] == {"min_crp_mg_l": 0.5}
    assert p["multiplicity-not-corrected"] == {"min_outcomes": 3}
    assert p["sd-possibly-se"] == {"min_cv": {"cytokine": 0.25, "acute_phase": 0.30}, "min_n": 10}
    assert p["grim-inconsistent"] == {"items": 1}
    assert p["p-value-inconsistent"] == {"alpha": 0.05}
    plausible = p["implausible-value"]["plausible"]
    assert set(plausible) == {
        "IL-6",
        "TNF-α",
        "IL-1β",
        "IL-10",
        "IL-4",
        "IL-2",
        "IFN-γ",
        "IL-8",
        "CRP",
        "cortisol",
        "HAMD17",
        "MADRS",
        "BDI",
    }
    assert plausible["IL-8"] == {"unit": "pg/mL", "range": [0.01, 2000]}
    assert plausible["cortisol"] == {"unit": "nmol/L", "range": [20, 2000]}
    for outcome, spec in plausible.items():
        assert outcome in DICT.outcome_class and spec["unit"] in DICT.units_for(outcome), outcome


def test_schema_rules_are_in_schema_toml() -> None:
    rules = catalogue.load()
    md = _md_schema_rules()
    assert len(md) == 16
    for rule_id, severity in md.items():
        r = rules.get(rule_id)
        assert r is not None, rule_id
        assert (r.kind, r.domain, r.impact, r.severity) == ("schema", None, None, severity), rule_id
        assert r.level in ("row", "table", "file") and r.summary and r.source, rule_id
        assert set(r.rationale) == {"what", "why", "example", "fix"}, rule_id
    assert list(rules)[: len(md)] == list(md)
