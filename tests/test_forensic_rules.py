"""The number-forensics rules through the whole check: reported precision honoured on both input
forms, warnings that never move a judgement, messages that say what was expected."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from builders import clean, letter, write_csv_folder
from ectqa.check import Options, run_check


def hamd_dataset(mean):
    data = clean()
    data["measurements"] = [r for r in data["measurements"] if r["outcome"] != "HAMD17"]
    data["measurements"].append({"study_id": "Alpha2010", "group": "ect", "outcome": "HAMD17", "unit": "points",
                                 "timepoint": "baseline", "n": 17, "mean": mean, "sd": 4.1})
    return data


def workbook_with_format(data, path: Path, number_format: str) -> Path:
    from builders import write_workbook

    write_workbook(data, path)
    wb = openpyxl.load_workbook(path)
    ws = wb["measurements"]
    row = len(data["measurements"]) + 1
    cell = ws[f"{letter('measurements', 'mean')}{row}"]
    cell.value = 24.5
    cell.number_format = number_format
    wb.save(path)
    return path


def grim(report):
    return [f for f in report.findings if f.rule == "grim-inconsistent"]


# n = 17 integer scores: sums 416 and 417 give means 24.4706 and 24.5294.
# Reported with one decimal, 24.5 is possible (24.4706 rounds to 24.5); with two, 24.50 is not
# (the nearest possible means are 24.47 and 24.53).
def test_precision_is_honoured_on_both_forms(tmp_path):
    csv_two = run_check(write_csv_folder(hamd_dataset("24.50"), tmp_path / "csv2"), Options())
    csv_one = run_check(write_csv_folder(hamd_dataset("24.5"), tmp_path / "csv1"), Options())
    xlsx_two = run_check(workbook_with_format(hamd_dataset(24.5), tmp_path / "two.xlsx", "0.00"), Options())
    xlsx_general = run_check(workbook_with_format(hamd_dataset(24.5), tmp_path / "general.xlsx", "General"), Options())
    assert len(grim(csv_two)) == 1 and len(grim(xlsx_two)) == 1
    assert grim(csv_one) == [] and grim(xlsx_general) == []
    for report in (csv_two, xlsx_two):
        (f,) = grim(report)
        assert f.message == (
            "mean 24.50 is impossible for n = 17 integer scores: nearest possible means are 24.47 and 24.53 "
            "(precision assumed: 2 decimals, items = 1)"
        )
        assert f.severity == "warning" and f.impact is None
    assert grim(xlsx_two)[0].cell == f"measurements!{letter('measurements', 'mean')}11"


def test_forensic_findings_never_move_a_judgement(tmp_path):
    data = hamd_dataset("24.50")
    data["measurements"][0].update(se=1.5)  # sd 2.1 against se 1.5 x sqrt(30) = 8.2
    data["measurements"][3].update(p_value=0.03, test="paired_t", test_statistic="1.50", df1=20)
    report = run_check(write_csv_folder(data, tmp_path / "d"), Options())
    rules = {f.rule for f in report.findings}
    assert {"grim-inconsistent", "sd-se-inconsistent", "p-value-inconsistent"} <= rules
    (p,) = [f for f in report.findings if f.rule == "p-value-inconsistent"]
    assert p.message.startswith("decision error: reported p = 0.03, but t(20) = 1.50 gives p = 0.1492")
    (s,) = [f for f in report.findings if f.rule == "sd-se-inconsistent"]
    assert "se x sqrt(n) = 1.5 x sqrt(30)" in s.message
    baseline = run_check(write_csv_folder(clean(), tmp_path / "c"), Options())
    assert report.quality[0]["domains"]["reporting"] == baseline.quality[0]["domains"]["reporting"]


@pytest.mark.parametrize("form", ["csv", "workbook"])
@pytest.mark.parametrize(
    "changes, rule, impact",
    [
        ({"bmi_handling": "reported_only"}, "bmi-not-addressed", "high"),  # with a control group
        ({"bmi_handling": "reported_only", "control_type": "none", "n_control": None}, "bmi-not-addressed", "some_concerns"),
        ({"bmi_handling": "not_reported", "control_type": "none", "n_control": None}, "bmi-not-addressed", "no_information"),
        ({"smoking_handling": "reported_only", "control_type": "none", "n_control": None}, "smoking-not-addressed", "some_concerns"),
        ({"medication_handling": "not_reported", "medication_status": "uncontrolled"}, "medication-not-addressed", "high"),
        ({"medication_handling": "not_reported", "medication_status": "not_reported"}, "medication-not-addressed", "no_information"),
        ({"medication_handling": "reported_only", "medication_status": "stable_regimen"}, "medication-not-addressed", "some_concerns"),
        ({"medication_handling": "not_reported", "medication_status": "drug_free"}, "medication-not-addressed", None),
        ({"sampling_time_standardized": "no"}, "sampling-time-not-standardized", "some_concerns"),
        ({"sampling_time_standardized": "not_reported"}, "sampling-time-not-standardized", "no_information"),
    ],
)
def test_graded_study_rules_on_both_forms(tmp_path, form, changes, rule, impact):
    from builders import write_workbook

    data = clean()
    data["studies"][0].update(changes)
    if changes.get("control_type") == "none":
        data["measurements"] = [r for r in data["measurements"] if r["group"] != "control"]
    path = write_csv_folder(data, tmp_path / "d") if form == "csv" else write_workbook(data, tmp_path / "d.xlsx")
    found = [f for f in run_check(path, Options()).findings if f.rule == rule]
    assert [f.impact for f in found] == ([impact] if impact else [])


@pytest.mark.parametrize("form", ["csv", "workbook"])
@pytest.mark.parametrize("end_n, impact", [(24, None), (23, "some_concerns"), (18, "some_concerns"), (17, "high")])
def test_attrition_boundaries_on_both_forms(tmp_path, form, end_n, impact):
    """Baseline n 30: 20% loss (n 24) is allowed, 23 is above it; above 40% (n 17) is high."""
    from builders import write_workbook

    data = clean()
    data["measurements"][3]["n"] = end_n  # ECT end of course
    data["measurements"][4]["n"] = end_n  # ECT follow-up (the last)
    data["measurements"] = [r for r in data["measurements"] if r["group"] not in ("ect_responders", "ect_nonresponders")]
    path = write_csv_folder(data, tmp_path / "d") if form == "csv" else write_workbook(data, tmp_path / "d.xlsx")
    found = [f for f in run_check(path, Options()).findings if f.rule == "attrition"]
    assert [f.impact for f in found] == ([impact] if impact else [])
