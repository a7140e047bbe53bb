"""Build small extraction datasets in code, as a workbook or a CSV folder (test helpers)."""

from __future__ import annotations

import copy
import csv
from pathlib import Path
from typing import Any

from ectqa import dictionary

STUDY = {
    "study_id": "Alpha2010", "first_author": "Alpha", "year": 2010, "doi": "10.5555/ectqa.test.1",
    "pmid": 99900001, "design": "controlled_pre_post", "diagnosis": "mdd", "diagnostic_criteria": "dsm_iv",
    "treatment_resistant": "yes", "n_ect": 30, "n_control": 20, "control_type": "healthy",
    "controls_matched_on": "age;sex", "cohort_id": None, "age_mean": 55.2, "age_sd": 12.1,
    "female_pct": 60.0, "bmi_mean": 26.1, "electrode_placement": "bitemporal", "pulse_width": "brief",
    "sessions_mean": 9.5, "sessions_per_week": 3, "anesthetic": "propofol", "sample_type": "serum",
    "assay": "elisa", "same_batch": "yes", "sampling_time_standardized": "yes", "fasting": "yes",
    "bmi_handling": "adjusted", "smoking_handling": "adjusted", "medication_handling": "adjusted",
    "age_sex_handling": "matched", "inflammatory_disease_handling": "excluded",
    "medication_status": "stable_regimen", "medication_changed_during_course": "no",
    "clinical_response_linked": "yes", "multiplicity_corrected": "yes", "extracted_by": "AB",
    "checked_by": "CD", "notes": "invented for a test",
}


def _m(**kw: Any) -> dict[str, Any]:
    row = {"study_id": "Alpha2010", "group": "ect", "outcome": "IL-6", "unit": "pg/mL", "n": 30,
           "mean": 4.2, "sd": 2.1}
    row.update(kw)
    return row


MEASUREMENTS = [
    _m(timepoint="baseline"),                                                    # row 2
    _m(timepoint="acute", session=1, hours_after_session=3, mean=6.1, sd=3.0),  # row 3
    _m(timepoint="during_course", session=5, mean=5.0, sd=2.5),                 # row 4
    _m(timepoint="end_of_course", hours_after_last_session=48, n=28, mean=3.9, sd=2.0),  # row 5
    _m(timepoint="follow_up", weeks_after_course=4, n=26, mean=3.8, sd=1.9),    # row 6
    _m(group="control", timepoint="baseline", n=20, mean=2.9, sd=1.5),          # row 7
    _m(group="ect_responders", timepoint="end_of_course", hours_after_last_session=48, n=15, mean=3.5, sd=1.8),  # row 8
    _m(group="ect_nonresponders", timepoint="end_of_course", hours_after_last_session=48, n=13, mean=4.4, sd=2.2),  # row 9
    _m(outcome="CRP", unit="mg/L", timepoint="baseline", mean=None, sd=None, median=2.1, q1=1.2, q3=3.5,
       min=0.4, max=8.0),                                                        # row 10
    _m(outcome="HAMD17", unit="points", timepoint="baseline", mean=25.3, sd=4.1, ci_lower=23.77,
       ci_upper=26.83),                                                          # row 11
]


def clean() -> dict[str, list[dict[str, Any]]]:
    return {"studies": [dict(STUDY)], "measurements": copy.deepcopy(MEASUREMENTS)}


def columns(table: str) -> list[str]:
    return list(dictionary.load().tables[table].names)


def write_csv_folder(data: dict[str, list[dict[str, Any]]], folder: Path, sep: str = ",",
                     headers: dict[str, list[str]] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for table, rows in data.items():
        cols = (headers or {}).get(table) or _columns_for(table, rows)
        with open(folder / f"{table}.csv", "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh, delimiter=sep)
            w.writerow(cols)
            for r in rows:
                w.writerow(["" if r.get(c) is None else _text(r.get(c), sep) for c in cols])
    return folder


def write_workbook(data: dict[str, list[dict[str, Any]]], path: Path,
                   headers: dict[str, list[str]] | None = None) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for table, rows in data.items():
        ws = wb.create_sheet(table)
        cols = (headers or {}).get(table) or _columns_for(table, rows)
        ws.append(cols)
        for r in rows:
            ws.append([r.get(c) for c in cols])
    wb.save(path)
    return path


def _columns_for(table: str, rows: list[dict[str, Any]]) -> list[str]:
    cols = columns(table)
    extra = [k for r in rows for k in r if k not in cols]
    return cols + list(dict.fromkeys(extra))


def _text(v: Any, sep: str) -> str:
    if isinstance(v, float) and sep == ";":
        return repr(v).replace(".", ",")
    return str(v)


def letter(table: str, column: str) -> str:
    from ectqa.findings import column_letter

    return column_letter(columns(table).index(column))
