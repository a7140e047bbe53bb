"""Checks on the invented sample data in sample_data/ and on its generator.

Self-contained on purpose: it does not import ectqa (the package is written
concurrently); it carries a small reading of the data dictionary instead.
"""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data"
SCRIPT = ROOT / "scripts" / "make_sample_data.py"

STUDY_COLUMNS = [
    "study_id", "first_author", "year", "doi", "pmid", "design", "diagnosis",
    "diagnostic_criteria", "treatment_resistant", "n_ect", "n_control", "control_type",
    "controls_matched_on", "cohort_id", "age_mean", "age_sd", "female_pct", "bmi_mean",
    "electrode_placement", "pulse_width", "sessions_mean", "sessions_per_week", "anesthetic",
    "sample_type", "assay", "same_batch", "sampling_time_standardized", "fasting",
    "bmi_handling", "smoking_handling", "medication_handling", "age_sex_handling",
    "inflammatory_disease_handling", "medication_status", "medication_changed_during_course",
    "clinical_response_linked", "multiplicity_corrected", "extracted_by", "checked_by", "notes",
]
MEASUREMENT_COLUMNS = [
    "study_id", "group", "outcome", "timepoint", "session", "hours_after_session",
    "hours_after_last_session", "weeks_after_course", "n", "mean", "sd", "se", "median", "q1",
    "q3", "min", "max", "ci_lower", "ci_upper", "unit", "assay", "lod", "n_below_lod",
    "p_value", "p_relation", "test", "statistic", "test_statistic", "df1", "df2", "source",
    "source_detail", "notes",
]
COLUMNS = {"studies": STUDY_COLUMNS, "measurements": MEASUREMENT_COLUMNS}

# --------------------------------------------------------------------------- the dictionary, briefly
OUTCOME_CLASS = {}
for cls, names in {
    "cytokine": "IL-1β IL-1RA IL-2 sIL-2R IL-4 IL-5 IL-6 sIL-6R IL-8 IL-10 IL-12 IL-17 IL-18 TNF-α "
                "sTNFR1 sTNFR2 IFN-γ TGF-β MCP-1 IP-10 eotaxin-3",
    "acute_phase": "CRP",
    "cellular": "NK_activity lymphocytes neutrophils",
    "kynurenine": "tryptophan kynurenine kynurenic_acid quinolinic_acid",
    "neuroendocrine": "cortisol ACTH prolactin",
    "neurotrophic": "BDNF",
    "clinical_scale": "HAMD17 HAMD21 HAMD24 MADRS BDI CGI-S",
}.items():
    for o in names.split():
        OUTCOME_CLASS[o] = cls
OUTCOME_SYNONYMS = {
    "IL6": "IL-6", "IL 6": "IL-6", "interleukin-6": "IL-6", "Il-6": "IL-6",
    "TNF-alpha": "TNF-α", "TNFa": "TNF-α", "TNF alpha": "TNF-α", "TNF": "TNF-α",
    "IL-1beta": "IL-1β", "IL1b": "IL-1β", "IL-1ß": "IL-1β", "IFN-gamma": "IFN-γ", "IFNg": "IFN-γ",
    "hsCRP": "CRP", "hs-CRP": "CRP", "C-reactive protein": "CRP",
    "HAM-D": "HAMD17", "HDRS": "HAMD17", "HAMD-17": "HAMD17",
}
UNITS = {
    "cytokine": ["pg/mL", "ng/L", "ng/mL", "AU"],
    "acute_phase": ["mg/L", "mg/dL", "µg/mL", "nmol/L"],
    "cellular": ["%", "cells/µL", "AU"],
    "kynurenine": ["µmol/L", "nmol/L"],
    "neuroendocrine": ["nmol/L", "µg/dL", "ng/mL", "pg/mL"],
    "neurotrophic": ["ng/mL", "pg/mL"],
    "clinical_scale": ["points"],
}
ALL_UNITS = sorted({u for us in UNITS.values() for u in us})
YNR = ["yes", "no", "not_reported"]
HANDLING = ["excluded", "restricted", "matched", "adjusted", "reported_only", "not_reported"]
ASSAYS = ["elisa", "hs_elisa", "multiplex_bead", "ecl", "cytokine_array", "hplc", "immunoturbidimetric",
          "nephelometric", "hs_immunoturbidimetric", "other", "not_reported"]
VOCAB = {
    "studies": {
        "design": ["pre_post", "controlled_pre_post", "case_control", "cohort", "rct", "cross_sectional"],
        "diagnosis": ["mdd", "bipolar_depression", "mixed_mood", "schizophrenia", "mixed", "other"],
        "diagnostic_criteria": ["dsm_iii", "dsm_iv", "dsm_5", "icd_9", "icd_10", "icd_11", "rdc", "other",
                                "not_reported"],
        "treatment_resistant": YNR,
        "control_type": ["none", "healthy", "anesthesia_only", "sham_ect", "medication_only", "other"],
        "electrode_placement": ["bitemporal", "bifrontal", "right_unilateral", "mixed", "not_reported"],
        "pulse_width": ["sine_wave", "brief", "ultrabrief", "mixed", "not_reported"],
        "anesthetic": ["propofol", "methohexital", "thiopental", "etomidate", "ketamine", "mixed", "other",
                       "not_reported"],
        "sample_type": ["serum", "plasma", "whole_blood_stimulated", "csf", "mixed", "other"],
        "assay": ASSAYS,
        "same_batch": YNR, "sampling_time_standardized": YNR, "fasting": YNR,
        "bmi_handling": HANDLING, "smoking_handling": HANDLING, "medication_handling": HANDLING,
        "age_sex_handling": HANDLING, "inflammatory_disease_handling": HANDLING,
        "medication_status": ["drug_free", "washout", "stable_regimen", "uncontrolled", "not_reported"],
        "medication_changed_during_course": YNR,
        "clinical_response_linked": ["yes", "no"],
        "multiplicity_corrected": ["yes", "no", "not_applicable", "not_reported"],
    },
    "measurements": {
        "group": ["ect", "control", "ect_responders", "ect_nonresponders"],
        "timepoint": ["baseline", "acute", "during_course", "end_of_course", "follow_up"],
        "assay": ASSAYS,
        "p_relation": ["=", "<", ">"],
        "test": ["paired_t", "t", "wilcoxon", "mann_whitney", "anova", "rm_anova", "mixed_model",
                 "correlation", "chi_square", "other", "not_reported"],
        "statistic": ["t", "F", "r", "chi2", "z"],
        "source": ["text", "table", "figure_digitized", "supplement", "author_contact"],
    },
}
REQUIRED = {
    "studies": ["study_id", "first_author", "year", "design", "diagnosis", "n_ect", "control_type",
                "anesthetic", "sample_type", "assay", "sampling_time_standardized", "bmi_handling",
                "smoking_handling", "medication_handling", "age_sex_handling",
                "inflammatory_disease_handling", "extracted_by"],
    "measurements": ["study_id", "group", "outcome", "timepoint", "n", "unit"],
}
INTS = {"studies": {"year": (1938, 2026), "pmid": (1, 99999999), "n_ect": (1, None), "n_control": (0, None)},
        "measurements": {"session": (1, None), "n": (1, None), "n_below_lod": (0, None)}}
NUMS = {"studies": {"age_mean": (10, 100), "age_sd": (0, None), "female_pct": (0, 100), "bmi_mean": (12, 70),
                    "sessions_mean": (1, 60), "sessions_per_week": (1, 7)},
        "measurements": {"hours_after_session": (-24, 168), "hours_after_last_session": (0, 336),
                         "weeks_after_course": (1e-9, None), "mean": (None, None), "sd": (0, None),
                         "se": (0, None), "median": (None, None), "q1": (None, None), "q3": (None, None),
                         "min": (None, None), "max": (None, None), "ci_lower": (None, None),
                         "ci_upper": (None, None), "lod": (0, None), "p_value": (0, 1),
                         "test_statistic": (None, None), "df1": (1e-9, None), "df2": (1e-9, None)}}
MISSING = {"", "NA", "N/A", "n/a", "NR", "-", "."}
KEY = ["study_id", "group", "outcome", "timepoint", "session", "hours_after_session",
       "hours_after_last_session", "weeks_after_course"]


def _canon_unit(u: str):
    u2 = u.replace("μ", "µ").replace("ug/", "µg/").replace("mcg/", "µg/").replace(" ml-1", "/mL")
    for c in ALL_UNITS:
        if u2 == c:
            return c, u != c
        if u2.lower() == c.lower():
            return c, True
    return None, False


def _canon_term(v: str, vocab, synonyms=None):
    if v in vocab:
        return v, False
    for t in vocab:
        if v.lower() == t.lower():
            return t, True
    if synonyms and v in synonyms:
        return synonyms[v], True
    return None, False


def validate(tables: dict[str, list[dict]]):
    """Return (errors, normalised) as sets of (rule, table, row, column)."""
    errs, norms = set(), set()
    studies = {}
    keys: dict[tuple, list[int]] = {}
    for table in ("studies", "measurements"):
        for i, raw in enumerate(tables[table]):
            row = i + 2
            r = {k: ("" if v.strip() in MISSING else v.strip()) for k, v in raw.items()}
            bad = set()

            def err(rule, col):
                errs.add((rule, table, row, col))
                bad.add(col)

            for c in REQUIRED[table]:
                if r[c] == "":
                    err("schema/required", c)
            for c, (lo, hi) in INTS[table].items():
                if r[c] == "":
                    continue
                if not re.fullmatch(r"-?\d+", r[c]):
                    err("schema/type", c)
                elif (lo is not None and int(r[c]) < lo) or (hi is not None and int(r[c]) > hi):
                    err("schema/range", c)
            for c, (lo, hi) in NUMS[table].items():
                if r[c] == "":
                    continue
                try:
                    x = float(r[c])
                except ValueError:
                    err("schema/type", c)
                    continue
                if (lo is not None and x < lo) or (hi is not None and x > hi):
                    err("schema/range", c)
            for c, vocab in VOCAB[table].items():
                if r[c]:
                    t, n = _canon_term(r[c], vocab)
                    if t is None:
                        err("schema/vocabulary", c)
                    else:
                        r[c] = t
                        if n:
                            norms.add(("schema/normalised", table, row, c))
            if table == "studies":
                if r["study_id"] and not re.fullmatch(r"[A-Za-z][A-Za-z0-9_.-]{0,63}", r["study_id"]):
                    err("schema/pattern", "study_id")
                if r["doi"] and not re.fullmatch(r"10\.\d{4,9}/\S+", r["doi"]):
                    err("schema/pattern", "doi")
                if r["study_id"] in studies:
                    err("schema/unique", "study_id")
                if r["controls_matched_on"] and not set(r["controls_matched_on"].split(";")) <= {
                        "age", "sex", "bmi", "smoking"}:
                    err("schema/vocabulary", "controls_matched_on")
                if "control_type" not in bad and "n_control" not in bad and r["control_type"]:
                    nc = int(r["n_control"] or 0)
                    if (r["control_type"] == "none") != (nc == 0):
                        err("schema/cross-field", "n_control")
                studies[r["study_id"]] = r
                continue
            # measurements
            s = studies.get(r["study_id"])
            if r["study_id"] and s is None:
                err("schema/reference", "study_id")
            if r["outcome"]:
                o, n = _canon_term(r["outcome"], list(OUTCOME_CLASS), OUTCOME_SYNONYMS)
                if o is None:
                    err("schema/vocabulary", "outcome")
                else:
                    if n:
                        norms.add(("schema/normalised", table, row, "outcome"))
                    r["outcome"] = o
                    u, n = _canon_unit(r["unit"])
                    if u is None or u not in UNITS[OUTCOME_CLASS[o]]:
                        err("schema/unit", "unit")
                    elif n:
                        norms.add(("schema/normalised", table, row, "unit"))
            tp = r["timepoint"]
            if tp in ("acute", "during_course") and r["session"] == "":
                err("schema/required", "session")
            if tp == "acute" and r["hours_after_session"] == "":
                err("schema/required", "hours_after_session")
            if tp == "follow_up" and r["weeks_after_course"] == "":
                err("schema/required", "weeks_after_course")
            if r["mean"] == "" and r["median"] == "":
                err("schema/cross-field", "mean")
            f = {c: float(r[c]) for c in ("mean", "median", "q1", "q3", "min", "max", "ci_lower", "ci_upper")
                 if r[c] != "" and c not in bad}
            order = [c for c in ("min", "q1", "median", "q3", "max") if c in f]
            for a, b in zip(order, order[1:]):
                if f[a] > f[b]:
                    err("schema/cross-field", b if b == "median" else a)
                    break
            if "mean" in f:
                if ("min" in f and f["min"] > f["mean"]) or ("max" in f and f["max"] < f["mean"]):
                    err("schema/cross-field", "mean")
                if ("ci_lower" in f and f["ci_lower"] > f["mean"]) or ("ci_upper" in f and f["ci_upper"] < f["mean"]):
                    err("schema/cross-field", "ci_lower")
            if s and "n" not in bad and r["n"] and re.fullmatch(r"\d+", s["n_ect"]):
                enrolled = int(s["n_control"] or 0) if r["group"] == "control" else int(s["n_ect"])
                if int(r["n"]) > enrolled:
                    err("schema/cross-field", "n")
            if r["n_below_lod"] and r["n"] and "n" not in bad and int(r["n_below_lod"]) > int(r["n"]):
                err("schema/range", "n_below_lod")
            keys.setdefault(tuple(r[c] for c in KEY), []).append(row)
    for rows in keys.values():
        if len(rows) > 1:
            for row in rows:
                errs.add(("schema/unique", "measurements", row, "hours_after_session"))
    return errs, norms


# --------------------------------------------------------------------------- reading

def read_csv(path: Path) -> list[dict]:
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), f"{path} has a BOM"
    text = raw.decode("utf-8")
    rows = list(csv.reader(text.splitlines()))
    header = rows[0]
    assert all(len(r) == len(header) for r in rows), f"ragged {path}"
    return [dict(zip(header, r)) for r in rows[1:]]


def cell_text(cell) -> str:
    v = cell.value
    if v is None:
        return ""
    if isinstance(v, bool):
        raise AssertionError(f"boolean in {cell.coordinate}")
    if isinstance(v, (int, float)) and not re.fullmatch(r"0\.(0+)", cell.number_format or ""):
        assert float(v).is_integer(), f"{cell.coordinate}: {v} without a decimal number format"
        return str(int(v))
    if isinstance(v, (int, float)):
        m = re.fullmatch(r"0\.(0+)", cell.number_format or "")
        assert m, f"{cell.coordinate}: float {v} without a decimal number format ({cell.number_format})"
        return f"{v:.{len(m.group(1))}f}"
    return str(v)


def read_xlsx(path: Path) -> dict[str, list[list[str]]]:
    wb = openpyxl.load_workbook(path)
    out = {}
    for name in ("studies", "measurements"):
        ws = wb[name]
        out[name] = [[cell_text(c) for c in row] for row in ws.iter_rows(min_row=1, max_col=ws.max_column)]
    out["_sheets"] = wb.sheetnames
    out["_about"] = " ".join(str(c.value) for row in wb["about"].iter_rows() for c in row if c.value)
    return out


def readme_table(heading: str) -> list[dict]:
    text = (SAMPLE / "README.md").read_text(encoding="utf-8")
    part = text.split(heading, 1)[1].split("\n## ", 1)[0]
    lines = [ln for ln in part.splitlines() if ln.startswith("|")]
    header = [h.strip() for h in lines[0].strip("|").split("|")]
    out = []
    for ln in lines[2:]:
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", ln.strip()[1:-1])]
        cells = [c[1:-1] if c.startswith("`") and c.endswith("`") else c for c in cells]
        out.append(dict(zip(header, [c.replace("\\|", "|") for c in cells])))
    return out


@pytest.fixture(scope="module")
def xlsx():
    return read_xlsx(SAMPLE / "extraction.xlsx")


@pytest.fixture(scope="module")
def ext():
    return {t: read_csv(SAMPLE / "extraction" / f"{t}.csv") for t in COLUMNS}


@pytest.fixture(scope="module")
def clean():
    return {t: read_csv(SAMPLE / "clean" / f"{t}.csv") for t in COLUMNS}


# --------------------------------------------------------------------------- tests

def test_generator_reproduces_committed_files(tmp_path):
    subprocess.run([sys.executable, str(SCRIPT), "--out", str(tmp_path)], check=True,
                   capture_output=True, cwd=ROOT, timeout=60)
    for rel in ("extraction/studies.csv", "extraction/measurements.csv", "clean/studies.csv",
                "clean/measurements.csv", "README.md"):
        assert (tmp_path / rel).read_bytes() == (SAMPLE / rel).read_bytes(), rel
    new, old = read_xlsx(tmp_path / "extraction.xlsx"), read_xlsx(SAMPLE / "extraction.xlsx")
    assert new == old
    assert not (tmp_path / "ectqa.toml").exists() and not (SAMPLE / "ectqa.toml").exists()


def test_shape_and_column_order(ext, clean, xlsx):
    for t, cols in COLUMNS.items():
        for path in (SAMPLE / "extraction" / f"{t}.csv", SAMPLE / "clean" / f"{t}.csv"):
            df = pd.read_csv(path, dtype=str, keep_default_na=False)
            assert list(df.columns) == cols, path
        assert xlsx[t][0] == cols
    df_s = pd.read_csv(SAMPLE / "clean" / "studies.csv", dtype=str, keep_default_na=False)
    df_m = pd.read_csv(SAMPLE / "clean" / "measurements.csv", dtype=str, keep_default_na=False)
    assert len(df_s) >= 20 and len(df_m) >= 400
    assert df_s["study_id"].str.fullmatch(r"[A-Za-z][A-Za-z0-9_.-]{0,63}").all()
    assert df_s["doi"].str.startswith("10.5555/").all()
    assert df_s["notes"].str.contains("Invented").all()
    assert df_s["year"].astype(int).between(1990, 2025).all()
    assert len(ext["studies"]) == len(df_s) and len(ext["measurements"]) == len(df_m)
    assert xlsx["_sheets"] == ["studies", "measurements", "about"]
    assert "invented" in xlsx["_about"].lower()
    assert "invented" in (SAMPLE / "README.md").read_text(encoding="utf-8").lower()


def test_csv_twin_matches_workbook(ext, xlsx):
    for t, cols in COLUMNS.items():
        sheet = xlsx[t][1:]
        assert len(sheet) == len(ext[t])
        for i, (srow, crow) in enumerate(zip(sheet, ext[t]), start=2):
            srow = srow + [""] * (len(cols) - len(srow))
            assert srow == [crow[c] for c in cols], f"{t} row {i}"


def test_workbook_types():
    wb = openpyxl.load_workbook(SAMPLE / "extraction.xlsx")
    ws = wb["measurements"]
    col = {c.value: c.column for c in ws[1]}
    n_cell = ws.cell(row=2, column=col["n"])
    assert isinstance(n_cell.value, int)
    means = [ws.cell(row=r, column=col["mean"]) for r in range(2, 40)]
    assert any(isinstance(c.value, float) and c.number_format.startswith("0.0") for c in means)


def test_readme_errors_are_where_it_says(ext, clean, xlsx):
    rows = readme_table("## Deliberate schema errors")
    assert len(rows) >= 9
    assert len({(r["table"], r["row"]) for r in rows}) == len(rows)
    wb = openpyxl.load_workbook(SAMPLE / "extraction.xlsx")
    for e in rows:
        t, row, col = e["table"], int(e["row"]), e["column"]
        sheet, ref = e["cell"].split("!")
        assert sheet == t
        letters = re.match(r"[A-Z]+", ref).group(0)
        assert ref == f"{letters}{row}"
        assert openpyxl.utils.column_index_from_string(letters) == COLUMNS[t].index(col) + 1
        assert cell_text(wb[t][ref]) == e["wrong value"], e
        assert ext[t][row - 2][col] == e["wrong value"], e
        assert clean[t][row - 2][col] == e["clean value"], e
    rules = {e["rule"] for e in rows}
    assert {"schema/type", "schema/range", "schema/vocabulary", "schema/unit", "schema/reference",
            "schema/cross-field", "schema/required", "schema/unique", "schema/pattern"} <= rules


def test_extraction_errors_match_readme(ext):
    errs, norms = validate(ext)
    listed = {(e["rule"], e["table"], int(e["row"])) for e in readme_table("## Deliberate schema errors")}
    assert {(r, t, row) for r, t, row, _ in errs} == listed
    listed_n = {(e["table"], int(e["row"]), e["column"]) for e in readme_table("## Spellings that should normalise")}
    assert {(t, row, c) for _, t, row, c in norms} == listed_n


def test_readme_normalised_and_tokens(ext, clean):
    for e in readme_table("## Spellings that should normalise"):
        t, row, col = e["table"], int(e["row"]), e["column"]
        assert ext[t][row - 2][col] == e["written"]
        assert clean[t][row - 2][col] == e["canonical"]
    for e in readme_table("## Missing-value tokens"):
        t, row, col = e["table"], int(e["row"]), e["column"]
        assert ext[t][row - 2][col] == e["written"]
        assert clean[t][row - 2][col] == ""


def test_clean_twin_has_no_schema_error(clean):
    errs, norms = validate(clean)
    assert not errs, sorted(errs)[:10]
    assert not norms, sorted(norms)[:10]
    outcomes = {r["outcome"] for r in clean["measurements"]}
    assert outcomes <= set(OUTCOME_CLASS)
    for t, rows in clean.items():
        for r in rows:
            for c, v in r.items():
                assert v not in MISSING - {""}, (t, c, v)
                assert v == v.strip()


def test_only_planted_differences(ext, clean):
    listed = set()
    for heading in ("## Deliberate schema errors", "## Spellings that should normalise", "## Missing-value tokens"):
        for e in readme_table(heading):
            listed.add((e["table"], int(e["row"]), e["column"]))
    diffs = set()
    for t, cols in COLUMNS.items():
        for i, (a, b) in enumerate(zip(ext[t], clean[t]), start=2):
            diffs |= {(t, i, c) for c in cols if a[c] != b[c]}
    assert diffs <= listed and diffs, sorted(diffs - listed)


def test_internal_consistency(clean):
    studies = {s["study_id"]: s for s in clean["studies"]}
    for s in studies.values():
        n = int(s["n_ect"])
        assert any(_round1(100 * k / n) == s["female_pct"] for k in range(n + 1))
        assert (s["control_type"] == "none") == (s["n_control"] == "")
    sums: dict[tuple, int] = {}
    for r in clean["measurements"]:
        s = studies[r["study_id"]]
        if r["group"] in ("ect_responders", "ect_nonresponders"):
            k = (r["study_id"], r["outcome"], r["timepoint"])
            sums[k] = sums.get(k, 0) + int(r["n"])
            assert sums[k] <= int(s["n_ect"])
        if r["timepoint"] == "acute":
            assert r["session"] and r["hours_after_session"]
        if r["timepoint"] == "during_course":
            assert r["session"]
        if r["timepoint"] == "follow_up":
            assert r["weeks_after_course"]


def _round1(x: float) -> str:
    from decimal import ROUND_HALF_UP, Decimal
    return str(Decimal(repr(x)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
