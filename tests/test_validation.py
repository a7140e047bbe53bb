"""Every rule of the data dictionary: one test that breaks it, and the clean dataset that passes,
on a workbook and on a CSV folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from builders import clean, letter, write_csv_folder, write_workbook
from ectqa.check import Options, run_check

FORMS = ("workbook", "csv")


def check(data, tmp_path: Path, form: str, **options):
    if form == "workbook":
        path = write_workbook(data, tmp_path / "extraction.xlsx")
    else:
        path = write_csv_folder(data, tmp_path / "extraction")
    return run_check(path, Options(**options))


def schema_findings(report, severity=None):
    return [f for f in report.findings if f.kind == "schema" and (severity is None or f.severity == severity)]


@pytest.mark.parametrize("form", FORMS)
def test_clean_dataset_has_no_schema_finding(tmp_path, form):
    report = check(clean(), tmp_path, form)
    assert schema_findings(report) == []
    assert report.rows_left_out == 0
    assert [q["study_id"] for q in report.quality] == ["Alpha2010"]


# (id, table, record index, column, value, rule, column the finding names)
CASES = [
    ("type-text-in-integer", "studies", 0, "n_ect", "twelve", "schema/type", "n_ect"),
    ("type-fraction-in-integer", "studies", 0, "year", 2003.5, "schema/type", "year"),
    ("type-text-in-number", "measurements", 0, "mean", "high", "schema/type", "mean"),
    ("required-study-value", "studies", 0, "first_author", None, "schema/required", "first_author"),
    ("required-term", "studies", 0, "design", None, "schema/required", "design"),
    ("required-measurement-n", "measurements", 0, "n", None, "schema/required", "n"),
    ("required-session-acute", "measurements", 1, "session", None, "schema/required", "session"),
    ("required-hours-acute", "measurements", 1, "hours_after_session", None, "schema/required", "hours_after_session"),
    ("required-session-during", "measurements", 2, "session", None, "schema/required", "session"),
    ("required-weeks-follow-up", "measurements", 4, "weeks_after_course", None, "schema/required", "weeks_after_course"),
    ("range-year-low", "studies", 0, "year", 1930, "schema/range", "year"),
    ("range-year-future", "studies", 0, "year", 2999, "schema/range", "year"),
    ("range-pmid", "studies", 0, "pmid", 0, "schema/range", "pmid"),
    ("range-n-ect", "studies", 0, "n_ect", 0, "schema/range", "n_ect"),
    ("range-age", "studies", 0, "age_mean", 5, "schema/range", "age_mean"),
    ("range-age-sd", "studies", 0, "age_sd", -1, "schema/range", "age_sd"),
    ("range-female", "studies", 0, "female_pct", 101, "schema/range", "female_pct"),
    ("range-bmi", "studies", 0, "bmi_mean", 80, "schema/range", "bmi_mean"),
    ("range-sessions", "studies", 0, "sessions_mean", 0, "schema/range", "sessions_mean"),
    ("range-sessions-week", "studies", 0, "sessions_per_week", 8, "schema/range", "sessions_per_week"),
    ("range-n-control", "studies", 0, "n_control", -2, "schema/range", "n_control"),
    ("range-sd", "measurements", 0, "sd", -1.2, "schema/range", "sd"),
    ("range-se", "measurements", 0, "se", -0.1, "schema/range", "se"),
    ("range-lod", "measurements", 0, "lod", -1, "schema/range", "lod"),
    ("range-p", "measurements", 0, "p_value", 1.5, "schema/range", "p_value"),
    ("range-df1", "measurements", 0, "df1", 0, "schema/range", "df1"),
    ("range-df2", "measurements", 0, "df2", -3, "schema/range", "df2"),
    ("range-n", "measurements", 0, "n", 0, "schema/range", "n"),
    ("range-session", "measurements", 1, "session", 0, "schema/range", "session"),
    ("range-hours-low", "measurements", 1, "hours_after_session", -25, "schema/range", "hours_after_session"),
    ("range-hours-high", "measurements", 1, "hours_after_session", 169, "schema/range", "hours_after_session"),
    ("range-hours-last-negative", "measurements", 3, "hours_after_last_session", -1, "schema/range", "hours_after_last_session"),
    ("range-hours-last-end", "measurements", 3, "hours_after_last_session", 337, "schema/range", "hours_after_last_session"),
    ("range-weeks", "measurements", 4, "weeks_after_course", 0, "schema/range", "weeks_after_course"),
    ("range-below-lod", "measurements", 0, "n_below_lod", -1, "schema/range", "n_below_lod"),
    ("pattern-study-id", "studies", 0, "study_id", "2010Alpha", "schema/pattern", "study_id"),
    ("pattern-doi", "studies", 0, "doi", "doi:10.1/x", "schema/pattern", "doi"),
    ("vocabulary-design", "studies", 0, "design", "randomised", "schema/vocabulary", "design"),
    ("vocabulary-list", "studies", 0, "controls_matched_on", "age;height", "schema/vocabulary", "controls_matched_on"),
    ("vocabulary-outcome", "measurements", 0, "outcome", "IL-66", "schema/vocabulary", "outcome"),
    ("vocabulary-group", "measurements", 0, "group", "patients", "schema/vocabulary", "group"),
    ("vocabulary-timepoint", "measurements", 0, "timepoint", "post", "schema/vocabulary", "timepoint"),
    ("vocabulary-unit", "measurements", 0, "unit", "kg", "schema/vocabulary", "unit"),
    ("unit-for-class", "measurements", 8, "unit", "pg/mL", "schema/unit", "unit"),
    ("cross-q1-median", "measurements", 8, "q1", 2.5, "schema/cross-field", "q1"),
    ("cross-min-q1", "measurements", 8, "min", 1.5, "schema/cross-field", "min"),
    ("cross-median-q3", "measurements", 8, "q3", 2.0, "schema/cross-field", "median"),
    ("cross-q3-max", "measurements", 8, "max", 3.0, "schema/cross-field", "q3"),
    ("cross-ci-lower", "measurements", 9, "ci_lower", 25.5, "schema/cross-field", "ci_lower"),
    ("cross-ci-upper", "measurements", 9, "ci_upper", 25.0, "schema/cross-field", "mean"),
    ("cross-n-enrolled", "measurements", 3, "n", 31, "schema/cross-field", "n"),
    ("cross-n-control", "measurements", 5, "n", 21, "schema/cross-field", "n"),
    ("cross-n-below-lod", "measurements", 0, "n_below_lod", 31, "schema/cross-field", "n_below_lod"),
    ("cross-control-needs-n", "studies", 0, "n_control", None, "schema/cross-field", "n_control"),
    ("reference", "measurements", 0, "study_id", "Beta2011", "schema/reference", "study_id"),
]


def mutate(data, table, index, column, value):
    data[table][index][column] = value
    if column == "study_id" and table == "studies":  # a renamed study keeps its measurements
        for m in data["measurements"]:
            m["study_id"] = value
    return data


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_each_dictionary_rule_is_caught_at_its_cell(tmp_path, form, case):
    _, table, index, column, value, rule, where = case
    report = check(mutate(clean(), table, index, column, value), tmp_path, form)
    errors = schema_findings(report, "error")
    row = index + 2
    assert [(f.rule, f.table, f.row, f.column) for f in errors] == [(rule, table, row, where)], errors
    f = errors[0]
    if form == "workbook":
        assert f.cell == f"{table}!{letter(table, where)}{row}"
    else:
        assert f.cell is None
        assert f.file.endswith(f"{table}.csv")
    assert f.message
    assert report.rows_left_out == 1
    assert report.exit_code == 1


@pytest.mark.parametrize("form", FORMS)
def test_missing_required_column(tmp_path, form):
    data = clean()
    for r in data["studies"]:
        del r["anesthetic"]
    cols = [c for c in letter.__globals__["columns"]("studies") if c != "anesthetic"]
    path = (write_workbook if form == "workbook" else write_csv_folder)(
        data, tmp_path / ("x.xlsx" if form == "workbook" else "x"), headers={"studies": cols})
    report = run_check(path, Options())
    errors = schema_findings(report, "error")
    assert [(f.rule, f.column, f.row) for f in errors] == [("schema/missing-column", "anesthetic", 1)]


@pytest.mark.parametrize("form", FORMS)
def test_unknown_column_is_info(tmp_path, form):
    data = clean()
    data["studies"][0]["my_comment"] = "hello"
    report = check(data, tmp_path, form)
    infos = schema_findings(report)
    assert [(f.rule, f.severity, f.column) for f in infos] == [("schema/unknown-column", "info", "my_comment")]
    assert report.exit_code == 0


@pytest.mark.parametrize("form", FORMS)
def test_duplicate_keys_flag_every_row(tmp_path, form):
    data = clean()
    data["studies"].append(dict(data["studies"][0]))
    data["measurements"].append(dict(data["measurements"][0]))
    report = check(data, tmp_path, form)
    errors = schema_findings(report, "error")
    got = sorted((f.table, f.row) for f in errors if f.rule == "schema/unique")
    assert got == [("measurements", 2), ("measurements", 12), ("studies", 2), ("studies", 3)]


@pytest.mark.parametrize("form", FORMS)
def test_a_type_error_on_a_row_without_study_names_no_study(tmp_path, form):
    data = clean()
    data["measurements"][0]["study_id"] = None
    data["measurements"][0]["mean"] = "high"
    report = check(data, tmp_path, form)
    typed = [f for f in report.findings if f.rule == "schema/type"]
    # an empty cell is None, not NaN (which no JSON report can write)
    assert [(f.row, f.column, f.study_id, f.outcome) for f in typed] == [(2, "mean", None, "IL-6")]


@pytest.mark.parametrize("form", FORMS)
def test_responders_and_nonresponders_within_n_ect(tmp_path, form):
    data = mutate(clean(), "measurements", 6, "n", 18)  # 18 + 13 > 30
    report = check(data, tmp_path, form)
    errors = schema_findings(report, "error")
    assert {(f.rule, f.row, f.column) for f in errors} == {("schema/cross-field", 8, "n"), ("schema/cross-field", 9, "n")}


@pytest.mark.parametrize("form", FORMS)
def test_responders_are_summed_within_their_key_alone(tmp_path, form):
    data = clean()
    responders = data["measurements"][6]  # row 8: end of course, 48 hours after the last session
    for group, hours, n in [("ect_responders", 72, 17), ("ect_nonresponders", 72, 13),      # rows 12, 13: 30
                            ("ect_responders", None, 16), ("ect_nonresponders", None, 15)]:  # rows 14, 15: 31
        data["measurements"].append(dict(responders, group=group, hours_after_last_session=hours, n=n))
    report = check(data, tmp_path, form)
    errors = schema_findings(report, "error")
    assert {(f.rule, f.row, f.column) for f in errors} == {("schema/cross-field", 14, "n"), ("schema/cross-field", 15, "n")}


@pytest.mark.parametrize("form", FORMS)
def test_no_centre_and_control_type_none(tmp_path, form):
    data = clean()
    data["measurements"][0]["mean"] = None
    data["studies"][0]["control_type"] = "none"  # n_control 20 with no control group
    data["measurements"] = [m for m in data["measurements"] if m["group"] != "control"]
    report = check(data, tmp_path, form)
    got = sorted((f.rule, f.table, f.row, f.column) for f in schema_findings(report, "error"))
    assert got == [("schema/cross-field", "measurements", 2, "mean"), ("schema/cross-field", "studies", 2, "n_control")]


@pytest.mark.parametrize("form", FORMS)
def test_spellings_normalise_to_canonical_terms(tmp_path, form):
    data = clean()
    data["measurements"][0]["outcome"] = "IL6"
    data["measurements"][1]["outcome"] = "interleukin-6"
    data["measurements"][8]["outcome"] = "hsCRP"
    data["measurements"][8]["assay"] = None
    data["measurements"][2]["unit"] = "pg/ml"
    data["studies"][0]["sample_type"] = "Serum"
    data["studies"][0]["fasting"] = "NR"
    data["measurements"][9]["outcome"] = "HAM-D"
    report = check(data, tmp_path, form)
    assert not schema_findings(report, "error")
    normalised = {(f.table, f.row, f.column, f.value) for f in report.findings if f.rule == "schema/normalised"}
    assert normalised == {
        ("measurements", 2, "outcome", "IL6"), ("measurements", 3, "outcome", "interleukin-6"),
        ("measurements", 10, "outcome", "hsCRP"), ("measurements", 4, "unit", "pg/ml"),
        ("studies", 2, "sample_type", "Serum"), ("studies", 2, "fasting", "NR"), ("measurements", 11, "outcome", "HAM-D"),
    }
    frame = report.dataset.tables["measurements"].frame
    assert frame.loc[0, "outcome"] == "IL-6" and frame.loc[8, "outcome"] == "CRP"
    assert frame.loc[8, "assay"] == "hs_elisa"  # hsCRP sets an empty assay
    assert report.dataset.tables["studies"].frame.loc[0, "fasting"] == "not_reported"


@pytest.mark.parametrize("form", FORMS)
def test_missing_value_tokens_mean_missing(tmp_path, form):
    data = clean()
    data["studies"][0]["age_mean"] = "NA"
    data["studies"][0]["bmi_mean"] = "-"
    data["measurements"][0]["sd"] = "n/a"
    data["measurements"][0]["se"] = "."
    report = check(data, tmp_path, form)
    assert not schema_findings(report, "error")
    import math

    assert math.isnan(report.dataset.tables["studies"].frame.loc[0, "age_mean"])


def test_semicolon_csv_with_decimal_commas(tmp_path):
    folder = write_csv_folder(clean(), tmp_path / "x", sep=";")
    assert "4,2" in (folder / "measurements.csv").read_text()
    report = run_check(folder, Options())
    assert not schema_findings(report, "error")
    assert report.dataset.tables["measurements"].frame.loc[0, "mean"] == pytest.approx(4.2)


@pytest.mark.parametrize("form", FORMS)
def test_headers_match_case_insensitively_and_column_map(tmp_path, form):
    data = clean()
    cols_s = letter.__globals__["columns"]("studies")
    cols_m = letter.__globals__["columns"]("measurements")
    headers = {"studies": [c.upper() if c == "study_id" else c for c in cols_s],
               "measurements": ["Sample size" if c == "n" else (" SD " if c == "sd" else c) for c in cols_m]}
    for r in data["measurements"]:
        r["Sample size"] = r.pop("n")
        r[" SD "] = r.pop("sd", None)
    for r in data["studies"]:
        r["STUDY_ID"] = r.pop("study_id")
    path = (write_workbook if form == "workbook" else write_csv_folder)(
        data, tmp_path / ("x.xlsx" if form == "workbook" else "x"), headers=headers)
    (tmp_path / "ectqa.toml").write_text('[columns.measurements]\n"Sample size" = "n"\n')
    report = run_check(path, Options())
    assert not schema_findings(report, "error"), schema_findings(report)
    assert report.config.path == tmp_path / "ectqa.toml"


@pytest.mark.parametrize("form", FORMS)
def test_one_table_alone_skips_checks_that_need_the_other(tmp_path, form):
    data = mutate(clean(), "measurements", 0, "study_id", "Beta2011")  # a reference error, not checkable alone
    if form == "workbook":
        path = write_workbook(data, tmp_path / "x.xlsx")
    else:
        path = write_csv_folder(data, tmp_path / "x") / "measurements.csv"
    report = run_check(path, Options(table="measurements"))
    assert not schema_findings(report, "error")
    assert list(report.dataset.tables) == ["measurements"]
    assert any("skipped" in n for n in report.notes)
    # every study appears, its study-level domains not assessed
    assert {q["study_id"] for q in report.quality} == {"Alpha2010", "Beta2011"}
    assert all(q["domains"]["confounding"] == "no_information" for q in report.quality)


def test_config_outcome_added(tmp_path):
    data = mutate(clean(), "measurements", 0, "outcome", "IL13")
    path = write_csv_folder(data, tmp_path / "x")
    assert schema_findings(run_check(path, Options()), "error")
    (tmp_path / "ectqa.toml").write_text('[outcomes."IL-13"]\nclass = "cytokine"\nsynonyms = ["IL13"]\n')
    report = run_check(path, Options())
    assert not schema_findings(report, "error")
    assert report.dataset.tables["measurements"].frame.loc[0, "outcome"] == "IL-13"
