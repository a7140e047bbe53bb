"""A dataset of 40+ studies built in code, each quality rule planted in its own study beside
clean ones: ectqa finds every planted problem and flags nothing else (both input forms)."""

from __future__ import annotations

import copy
import random
import statistics
from pathlib import Path

import pytest

from builders import STUDY, write_csv_folder, write_workbook
from ectqa.check import Options, run_check

BASE_STUDY = {**STUDY, "n_ect": 40, "n_control": 40, "control_type": "anesthesia_only", "cohort_id": None,
              "female_pct": 45.0}


def il6(group="ect", timepoint="baseline", n=40, **kw):
    row = {"group": group, "outcome": "IL-6", "unit": "pg/mL", "timepoint": timepoint, "n": n, "mean": 4.2, "sd": 2.1}
    row.update(kw)
    return row


def series(outcome="IL-6", unit="pg/mL", mean=4.2, sd=2.1, group="ect", n=40, **extra):
    rows = [
        dict(timepoint="baseline"),
        dict(timepoint="acute", session=1, hours_after_session=2),
        dict(timepoint="acute", session=1, hours_after_session=4),
        dict(timepoint="acute", session=5, hours_after_session=3),
        dict(timepoint="end_of_course", hours_after_last_session=72),
    ]
    out = []
    for r in rows:
        out.append({"group": group, "outcome": outcome, "unit": unit, "n": n, "mean": mean, "sd": sd, **r, **extra})
    return out


def clean_measurements():
    return series() + series(group="control")


def scale_rows(n, seed, mean_text=None, sd_text=None):
    """HAMD17 baseline and end of course from real integer scores (consistent unless overridden)."""
    rng = random.Random(seed)
    rows = []
    for timepoint, centre in (("baseline", 24), ("end_of_course", 12)):
        scores = [max(0, min(52, round(rng.gauss(centre, 4)))) for _ in range(n)]
        row = {"group": "ect", "outcome": "HAMD17", "unit": "points", "timepoint": timepoint, "n": n,
               "mean": f"{statistics.mean(scores):.2f}", "sd": f"{statistics.stdev(scores):.2f}"}
        if timepoint == "end_of_course":
            row["hours_after_last_session"] = 72
        rows.append(row)
    if mean_text:
        rows[0]["mean"] = mean_text
    if sd_text:
        rows[0]["sd"] = sd_text
    return rows


def plant(study_changes=None, rows=None, edit=None):
    s = {**BASE_STUDY, **(study_changes or {})}
    m = clean_measurements() if rows is None else rows
    m = copy.deepcopy(m)
    if edit:
        edit(m)
    return s, m


def drop(pred):
    return lambda m: m.__setitem__(slice(None), [r for r in m if not pred(r)])


def set_where(pred, **changes):
    def go(m):
        for r in m:
            if pred(r):
                r.update(changes)
    return go


def add(*rows):
    return lambda m: m.extend(copy.deepcopy(list(rows)))


def chain(*edits):
    def go(m):
        for e in edits:
            e(m)
    return go


ECT_BASE = lambda r: r["group"] == "ect" and r["timepoint"] == "baseline" and r["outcome"] == "IL-6"  # noqa: E731
ECT_END = lambda r: r["group"] == "ect" and r["timepoint"] == "end_of_course" and r["outcome"] == "IL-6"  # noqa: E731
CONTROL_LATER = lambda r: r["group"] == "control" and r["timepoint"] != "baseline"  # noqa: E731
NO_CONTROL = {"control_type": "none", "n_control": None, "design": "pre_post", "controls_matched_on": None}

# study id -> (study changes, measurement edit, rules expected to fire)
PLANTS = {
    "SmallSample": ({"n_ect": 20}, set_where(lambda r: r["group"] == "ect", n=20), {"small-sample"}),
    "TinySample": ({"n_ect": 14, "female_pct": 50.0}, set_where(lambda r: r["group"] == "ect", n=14), {"small-sample"}),
    "SmallControl": ({"n_control": 20}, set_where(lambda r: r["group"] == "control", n=20), {"small-control-group"}),
    "Attrition": (None, set_where(ECT_END, n=30), {"attrition"}),
    "BmiNotAddressed": ({"bmi_handling": "reported_only"}, None, {"bmi-not-addressed"}),
    "SmokingNotAddressed": ({"smoking_handling": "not_reported"}, None, {"smoking-not-addressed"}),
    "MedicationNotAddressed": ({"medication_handling": "not_reported", "medication_status": "uncontrolled"}, None,
                               {"medication-not-addressed"}),
    "AgeSexNotAddressed": ({"controls_matched_on": "age", "age_sex_handling": "reported_only"}, None,
                           {"age-sex-not-addressed"}),
    "InflammationNotExcluded": ({"inflammatory_disease_handling": "not_reported"}, None, {"inflammation-not-excluded"}),
    "MedicationChanged": ({"medication_changed_during_course": "yes"}, None, {"medication-changed-during-course"}),
    "CrpInfection": (None, add(*series(outcome="CRP", unit="mg/L", mean=14.0, sd=9.0)[:1],
                               *series(outcome="CRP", unit="mg/L", mean=4.0, sd=3.0)[1:]), {"crp-suggests-infection"}),
    "NoControl": (NO_CONTROL, drop(lambda r: r["group"] == "control"), {"no-control-group", "anesthesia-not-controlled"}),
    "HealthyControls": ({"control_type": "healthy"}, None, {"anesthesia-not-controlled"}),
    "AnestheticNotReported": ({"anesthetic": "not_reported"}, None, {"anesthetic-not-reported"}),
    "ControlsBaselineOnly": (None, drop(CONTROL_LATER), {"controls-baseline-only"}),
    "MissingBaseline": (None, drop(ECT_BASE), {"missing-baseline"}),
    "MissingPostCourse": (None, add({"group": "ect", "outcome": "TNF-α", "unit": "pg/mL", "timepoint": "baseline",
                                     "n": 40, "mean": 5.0, "sd": 2.5}), {"missing-post-course"}),
    "SparseAcute": (None, chain(set_where(lambda r: r["timepoint"] == "acute" and r["hours_after_session"] == 2,
                                          hours_after_session=12),
                                set_where(lambda r: r["timepoint"] == "acute" and r["hours_after_session"] == 4,
                                          hours_after_session=14),
                                set_where(lambda r: r["timepoint"] == "acute" and r["session"] == 5,
                                          hours_after_session=12)),
                    {"sparse-acute-window"}),
    "FirstSessionOnly": (None, drop(lambda r: r["timepoint"] == "acute" and r.get("session") == 5),
                         {"acute-first-session-only"}),
    "TimingUnknown": (None, set_where(ECT_END, hours_after_last_session=None), {"end-of-course-timing-unknown"}),
    "TooSoon": (None, set_where(ECT_END, hours_after_last_session=24), {"end-of-course-too-soon"}),
    "SamplingTime": ({"sampling_time_standardized": "no"}, None, {"sampling-time-not-standardized"}),
    "AssayNotReported": ({"assay": "not_reported"}, None, {"assay-not-reported"}),
    "NotBatched": ({"same_batch": "no"}, None, {"serial-samples-not-batched"}),
    "Stimulated": ({"sample_type": "whole_blood_stimulated"}, None, {"stimulated-sample"}),
    "MixedSamples": ({"sample_type": "mixed"}, None, {"mixed-sample-types"}),
    "BelowLod": (None, set_where(ECT_BASE, lod=5.0), {"below-detection-limit"}),
    "Implausible": (None, set_where(ECT_BASE, mean=0.004, sd=0.002), {"implausible-value"}),
    "InsensitiveCrp": (None, add(*series(outcome="CRP", unit="mg/L", mean=1.8, sd=1.2, assay="immunoturbidimetric")),
                       {"insensitive-crp-assay"}),
    "CrpUnitSuspect": (None, add(*series(outcome="CRP", unit="mg/L", mean=0.3, sd=0.2)), {"crp-unit-suspect"}),
    "MissingDispersion": (None, set_where(ECT_BASE, sd=None), {"missing-dispersion"}),
    "EctParameters": ({"pulse_width": "not_reported"}, None, {"ect-parameters-not-reported"}),
    "Multiplicity": ({"multiplicity_corrected": "no"}, add(*series(outcome="TNF-α", mean=5.0, sd=2.5),
                                                           *series(outcome="IL-10", mean=3.0, sd=1.5)),
                     {"multiplicity-not-corrected"}),
    "ResponseNotLinked": ({"clinical_response_linked": "no"}, None, {"response-not-linked"}),
    "Digitized": (None, set_where(ECT_BASE, source="figure_digitized"), {"figure-digitized"}),
    "SdSe": (None, set_where(ECT_BASE, se=1.0), {"sd-se-inconsistent"}),
    "SdPossiblySe": (None, set_where(ECT_BASE, sd=0.3), {"sd-possibly-se"}),
    "GrimPercent": ({"female_pct": 45.1}, None, {"grim-inconsistent"}),
    "GrimMean": ({"n_ect": 40}, add(*scale_rows(17, 1, mean_text="22.89")), {"grim-inconsistent"}),
    "Grimmer": (None, add(*scale_rows(10, 2, mean_text="20.00", sd_text="0.10")), {"grimmer-inconsistent"}),
    "PValue": (None, set_where(ECT_END, p_value=0.03, test="paired_t", test_statistic=1.50, df1=20),
               {"p-value-inconsistent"}),
    "SingleExtraction": ({"checked_by": None}, None, {"single-extraction"}),
    "NoMeasurements": (None, lambda m: m.clear(), {"study-without-measurements"}),
    "CohortA": ({"cohort_id": "shared-1"}, None, {"overlapping-cohort"}),
    "CohortB": ({"cohort_id": "shared-1"}, None, {"overlapping-cohort"}),
}
CLEAN = ["Clean01", "Clean02", "Clean03"]


def build():
    studies, measurements = [], []
    for sid in CLEAN:
        s, m = plant()
        studies.append({**s, "study_id": sid})
        measurements += [{**r, "study_id": sid} for r in m]
    for sid, (changes, edit, _) in PLANTS.items():
        s, m = plant(changes, edit=edit)
        studies.append({**s, "study_id": sid})
        measurements += [{**r, "study_id": sid} for r in m]
    return {"studies": studies, "measurements": measurements}


@pytest.mark.parametrize("form", ["csv", "workbook"])
def test_every_planted_problem_is_found_and_nothing_else(tmp_path: Path, form: str):
    data = build()
    assert len(data["studies"]) >= 25
    path = write_csv_folder(data, tmp_path / "planted") if form == "csv" else write_workbook(data, tmp_path / "planted.xlsx")
    report = run_check(path, Options())
    assert [f for f in report.findings if f.kind == "schema"] == []
    found: dict[str, set[str]] = {}
    for f in report.findings:
        found.setdefault(f.study_id, set()).add(f.rule)
    expected = {sid: rules for sid, (_, _, rules) in PLANTS.items()}
    assert {sid: found.get(sid, set()) for sid in CLEAN} == {sid: set() for sid in CLEAN}
    assert {sid: found.get(sid, set()) for sid in PLANTS} == expected
    # judgements follow the impacts; clean studies are low throughout
    quality = {q["study_id"]: q for q in report.quality}
    assert all(j == "low" for j in quality["Clean01"]["domains"].values())
    assert quality["TinySample"]["domains"]["sample_size"] == "high"
    assert quality["SmallSample"]["domains"]["sample_size"] == "some_concerns"
    assert quality["BmiNotAddressed"]["domains"]["confounding"] == "high"  # with a control group
    assert quality["MedicationNotAddressed"]["domains"]["confounding"] == "high"
    assert quality["AssayNotReported"]["domains"]["measurement"] == "no_information"
    assert quality["MissingBaseline"]["domains"]["timing"] == "high"
    assert quality["MissingBaseline"]["overall"] == "high"
    # the number checks never move a judgement
    for sid in ("SdSe", "SdPossiblySe", "GrimPercent", "GrimMean", "Grimmer", "PValue", "SingleExtraction"):
        assert quality[sid]["overall"] == "low", sid
