"""`ectqa template`: the workbook and CSV pair generated from the data dictionary.

The round trip is the point: a template filled through openpyxl (with values taken from its own
drop-downs) passes `ectqa check`, and one invalid value gives exactly one error at its cell.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from openpyxl.utils import get_column_letter, range_boundaries

from ectqa import __version__
from ectqa.check import Options, run_check
from ectqa.cli import main
from ectqa.dictionary import TABLES, load
from ectqa.template import (
    EXAMPLE_STUDY_ID,
    LISTS_SHEET,
    MAX_ROW,
    command,
    csv_text,
    example_rows,
    workbook_bytes,
)

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "schemas"


# --------------------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def template_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.xlsx"
    result = CliRunner().invoke(command, [str(path)])
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture(scope="module")
def wb(template_path):
    return openpyxl.load_workbook(template_path)


def _validation(ws, cell: str):
    """The data validation covering `cell` (exactly one)."""
    found = [dv for dv in ws.data_validations.dataValidation if cell in dv.sqref]
    assert len(found) == 1, f"{ws.title}!{cell}: {len(found)} validations"
    return found[0]


def _list_values(wb, formula: str) -> list[str]:
    """The values a list validation offers: a defined name or a sheet range."""
    if formula in wb.defined_names:
        formula = wb.defined_names[formula].attr_text
    sheet, ref = formula.split("!")
    min_col, min_row, _max_col, max_row = range_boundaries(ref.replace("$", ""))
    ws = wb[sheet]
    return [ws.cell(row=r, column=min_col).value for r in range(min_row, max_row + 1)
            if ws.cell(row=r, column=min_col).value is not None]


def _dropdown(wb, table: str, column: str) -> list[str]:
    ws = wb[table]
    letter = get_column_letter(load().tables[table].column(column).position + 1)
    dv = _validation(ws, f"{letter}2")
    assert dv.type == "list"
    return _list_values(wb, dv.formula1)


def _errors(path: Path):
    report = run_check(path, Options())
    return [f for f in report.findings if f.severity == "error"], report


def _fill(template_path: Path, out: Path, tweak=None) -> Path:
    """Fill the template with a valid study, drop-down values picked from its own lists."""
    wb = openpyxl.load_workbook(template_path)

    def pick(table, column, term):
        offered = _dropdown(wb, table, column)
        assert term in offered, f"{table}.{column}: {term!r} not in its drop-down"
        return offered[offered.index(term)]

    study = {
        "study_id": "Roundtrip2021", "first_author": "Roundtrip", "year": 2021, "n_ect": 24,
        "n_control": 0, "age_mean": 55.0, "age_sd": 12.5, "female_pct": 62.5,
        "extracted_by": "XY", "checked_by": "ZW",
    }
    for column, term in {
        "design": "pre_post", "diagnosis": "mdd", "control_type": "none", "anesthetic": "propofol",
        "sample_type": "serum", "assay": "elisa", "sampling_time_standardized": "yes",
        "bmi_handling": "excluded", "smoking_handling": "adjusted", "medication_handling": "excluded",
        "age_sex_handling": "adjusted", "inflammatory_disease_handling": "excluded",
        "treatment_resistant": "not_reported", "electrode_placement": "bitemporal",
    }.items():
        study[column] = pick("studies", column, term)

    rows = []
    for timepoint, n, mean, sd, extra in (
        ("baseline", 24, 4.1, 2.2, {}),
        ("end_of_course", 22, 3.6, 2.0, {"hours_after_last_session": 96}),
        ("follow_up", 20, 3.5, 1.9, {"weeks_after_course": 6}),
    ):
        row = {"study_id": "Roundtrip2021",
               "group": pick("measurements", "group", "ect"), "outcome": pick("measurements", "outcome", "TNF-α"),
               "timepoint": pick("measurements", "timepoint", timepoint), "n": n, "mean": mean, "sd": sd,
               "unit": pick("measurements", "unit", "pg/mL"), "source": pick("measurements", "source", "table")}
        rows.append({**row, **extra})

    # measurements.study_id offers the studies sheet's ids (empty in the template itself)
    dv = _validation(wb["measurements"], "A2")
    assert dv.type == "list" and dv.formula1 == f"studies!$A$2:$A${MAX_ROW}"
    data = {"studies": [study], "measurements": rows}
    if tweak:
        tweak(data)
    for table, records in data.items():
        ws = wb[table]
        index = {name: i for i, name in enumerate(load().tables[table].names, start=1)}
        for r, record in enumerate(records, start=2):
            for name, value in record.items():
                ws.cell(row=r, column=index[name], value=value)
    wb.save(out)
    return out


# --------------------------------------------------------------------------- round trip


def test_filled_template_passes_check(template_path, tmp_path):
    errors, report = _errors(_fill(template_path, tmp_path / "filled.xlsx"))
    assert errors == []
    assert report.exit_code == 0
    assert report.summary()["studies"] == 1 and report.summary()["measurements"] == 3


@pytest.mark.parametrize(
    "table, row, column, value, rule",
    [
        ("measurements", 3, "sd", -2.0, "schema/range"),
        ("measurements", 4, "group", "patients", "schema/vocabulary"),
        ("studies", 2, "year", 1920, "schema/range"),
    ],
)
def test_one_invalid_value_gives_one_error_at_its_cell(template_path, tmp_path, table, row, column, value, rule):
    def tweak(data):
        data[table][row - 2][column] = value

    errors, _ = _errors(_fill(template_path, tmp_path / "bad.xlsx", tweak))
    letter = get_column_letter(load().tables[table].column(column).position + 1)
    assert [(f.rule, f.cell) for f in errors] == [(rule, f"{table}!{letter}{row}")]

    # and the template itself would have refused it as it was typed
    dv = _validation(openpyxl.load_workbook(template_path)[table], f"{letter}{row}")
    assert dv.showErrorMessage and dv.errorStyle == "stop"
    assert rule in dv.error


def test_the_example_passes_check(tmp_path):
    path = tmp_path / "example.xlsx"
    result = CliRunner().invoke(command, [str(path), "--example"])
    assert result.exit_code == 0, result.output
    errors, report = _errors(path)
    assert errors == []
    assert report.exit_code == 0
    assert report.summary()["studies"] == 1
    assert report.summary()["measurements"] == len(example_rows()["measurements"])
    assert {q["study_id"] for q in report.quality} == {EXAMPLE_STUDY_ID}


def test_an_empty_template_passes_check(template_path):
    errors, report = _errors(template_path)
    assert errors == [] and report.findings == []


# --------------------------------------------------------------------------- generated from the schemas


def _schema_terms() -> dict[str, list[str]]:
    """Every vocabulary term in schemas/, read from the TOML files directly."""
    with open(SCHEMAS / "vocabularies.toml", "rb") as fh:
        vocab = tomllib.load(fh)
    with open(SCHEMAS / "outcomes.toml", "rb") as fh:
        outcomes = tomllib.load(fh)
    terms = {name: list(spec["terms"]) for name, spec in vocab.items() if name != "missing"}
    terms["outcome"] = [o for spec in outcomes["classes"].values() for o in spec["outcomes"]]
    terms["unit"] = sorted({u for spec in outcomes["classes"].values() for u in spec["units"]})
    return terms


def test_every_vocabulary_term_is_in_the_lists(wb):
    used = set()
    for table in TABLES:
        with open(SCHEMAS / f"{table}.toml", "rb") as fh:
            used |= {c["vocabulary"] for c in tomllib.load(fh)["columns"] if "vocabulary" in c}
    lists = wb[LISTS_SHEET]
    columns = {c[0].value: [x.value for x in c[1:] if x.value is not None] for c in lists.iter_cols()}
    for name, terms in _schema_terms().items():
        if name not in used:
            continue
        assert name in columns, f"vocabulary {name} missing from the lists sheet"
        assert columns[name] == terms or sorted(columns[name]) == sorted(terms), name
    # '=' of p_relation is stored as text, not taken for a formula
    assert all(c.data_type == "s" for col in lists.iter_cols() for c in col if c.value is not None)


def test_every_term_column_has_its_dropdown(wb):
    d = load()
    for table in TABLES:
        for col in d.tables[table].columns:
            if col.type != "term":
                continue
            offered = _dropdown(wb, table, col.name)
            assert offered == list(d.vocabularies[col.vocabulary].terms), (table, col.name)


def test_lists_sheet_is_hidden_and_long_lists_avoid_inline_formulas(wb):
    assert wb[LISTS_SHEET].sheet_state == "hidden"
    for table in TABLES:
        for dv in wb[table].data_validations.dataValidation:
            if dv.type == "list":
                assert not dv.formula1.startswith('"')  # never an inline list, whatever its length


def test_numbers_have_ranges_and_cover_the_rows(wb):
    d = load()
    for table in TABLES:
        ws = wb[table]
        for col in d.tables[table].columns:
            letter = get_column_letter(col.position + 1)
            dv = _validation(ws, f"{letter}{MAX_ROW}")
            assert dv.prompt and dv.promptTitle
            assert len(dv.prompt) <= 255 and len(dv.promptTitle) <= 32
            if dv.error:
                assert len(dv.error) <= 225 and "schema/" in dv.error
            if col.type == "integer":
                assert dv.type == "whole"
            elif col.type == "number":
                assert dv.type == "decimal"
            elif col.type == "list":
                assert dv.type is None and ";" in dv.prompt
    n = _validation(wb["measurements"], "I2")
    assert (n.type, n.operator, n.formula1) == ("whole", "greaterThanOrEqual", "1")
    p = _validation(wb["measurements"], f"{get_column_letter(load().tables['measurements'].column('p_value').position + 1)}2")
    assert (p.type, p.operator, p.formula1, p.formula2) == ("decimal", "between", "0", "1")


def test_headers_in_order_frozen_with_comments(wb):
    d = load()
    for table in TABLES:
        ws = wb[table]
        header = [c.value for c in ws[1]]
        assert header == list(d.tables[table].names)
        assert ws.freeze_panes == "A2"
        for col, cell in zip(d.tables[table].columns, ws[1]):
            text = cell.comment.text
            assert col.description in text
            assert "Type:" in text and "Required:" in text
            if col.unit:
                assert f"Unit: {col.unit}" in text
            width = ws.column_dimensions[cell.column_letter].width
            assert 10 <= width <= 40
    assert "Required: yes" in wb["studies"]["A1"].comment.text
    assert "Required: when timepoint is acute or during_course" in wb["measurements"]["E1"].comment.text


def test_codebook_and_readme(wb):
    d = load()
    codebook = [[c for c in row] for row in wb["codebook"].iter_rows(values_only=True)]
    listed = {(r[0], r[1]) for r in codebook if r[0]}
    for table in TABLES:
        for name in d.tables[table].names:
            assert (name, table) in listed
    flat = " ".join(str(c) for row in codebook for c in row if c is not None)
    for spelling in ("TNF-alpha", "pg/ml", "DSM-IV", "hsCRP"):
        assert spelling in flat
    readme = " ".join(str(r[0]) for r in wb["readme"].iter_rows(values_only=True) if r[0])
    assert "ectqa check" in readme
    assert f"ectqa: {__version__}" in readme and f"data dictionary: {d.version}" in readme


def test_output_is_deterministic():
    assert workbook_bytes() == workbook_bytes()
    assert workbook_bytes(example=True) == workbook_bytes(example=True)


# --------------------------------------------------------------------------- CSV and the command


def test_csv_pair(tmp_path):
    folder = tmp_path / "dataset"
    result = CliRunner().invoke(command, ["--csv", str(folder)])
    assert result.exit_code == 0, result.output
    d = load()
    for table in TABLES:
        data = (folder / f"{table}.csv").read_bytes()
        assert not data.startswith(b"\xef\xbb\xbf")
        assert data.decode("utf-8") == ",".join(d.tables[table].names) + "\n"


def test_csv_example_passes_check(tmp_path):
    folder = tmp_path / "dataset"
    folder.mkdir()
    for table in TABLES:
        (folder / f"{table}.csv").write_text(csv_text(table, example=True), encoding="utf-8")
    errors, report = _errors(folder)
    assert errors == [] and report.summary()["measurements"] == len(example_rows()["measurements"])


def test_refuses_to_overwrite_without_force(tmp_path):
    path = tmp_path / "extraction.xlsx"
    path.write_bytes(b"my precious data")
    runner = CliRunner()
    result = runner.invoke(main, ["template", str(path)])
    assert result.exit_code == 2
    assert "already exists" in result.output
    assert path.read_bytes() == b"my precious data"
    result = runner.invoke(main, ["template", str(path), "--force"])
    assert result.exit_code == 0, result.output
    assert path.read_bytes()[:2] == b"PK"


def test_needs_out_or_csv():
    result = CliRunner().invoke(main, ["template"])
    assert result.exit_code == 2
