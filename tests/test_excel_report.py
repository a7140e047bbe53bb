"""The Excel report, the annotated copy and the robvis CSV (`ectqa check --excel/--annotate/--robvis`).

Every sheet is read back with openpyxl and compared with the JSON report of the same run; data
that looks like a formula must stay text everywhere; the input is never touched; outputs are
written atomically.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import json
import re
import shutil
import zipfile
from collections import Counter, defaultdict
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pytest
from click.testing import CliRunner

from ectqa.check import Options, run_check
from ectqa.cli import main
from ectqa.errors import InputError
from ectqa.findings import DOMAINS, Finding
from ectqa.reports import excel
from ectqa.reports import json as json_report
from ectqa.reports.annotate import write_annotated
from ectqa.reports.excel import (
    DOMAIN_LABEL,
    FINDING_COLUMNS,
    MAX_COMMENT_FLAGS,
    ROBVIS,
    ROBVIS_COLOUR_BLIND,
    SEVERITY_COLOURS,
    write_report,
)
from ectqa.reports.excel_safe import csv_text, put, safe_cell
from ectqa.reports.robvis import COLUMNS as ROBVIS_COLUMNS
from ectqa.reports.robvis import write_robvis
from ectqa.reports.terminal import LABEL, SYMBOL

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data" / "extraction.xlsx"
SAMPLE_CSV = ROOT / "sample_data" / "extraction"
LABEL_TO_JUDGEMENT = {v: k for k, v in LABEL.items()}


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def run_cli(*args: str):
    result = CliRunner().invoke(main, ["check", *map(str, args)])
    assert result.exit_code in (0, 1), (result.exit_code, result.output, result.exception)
    return result


def rgb(cell) -> str:
    return (cell.fill.start_color.rgb or "")[-6:].upper()


def font(cell) -> tuple:
    f = cell.font
    colour = (f.color.rgb, f.color.theme) if f.color is not None else None
    return f.name, f.sz, f.b, f.i, f.u, colour


def sheet_formulas(path: Path) -> list[str]:
    """Formula elements in any worksheet of an .xlsx, straight from its XML."""
    found = []
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                xml = zf.read(name)
                if re.search(rb"<(?:\w+:)?f[ >/]", xml):
                    found.append(name)
    return found


def openpyxl_formulas(path: Path) -> list[str]:
    wb = openpyxl.load_workbook(path)
    return [f"{ws.title}!{c.coordinate}" for ws in wb for row in ws.iter_rows() for c in row if c.data_type == "f"]


# --------------------------------------------------------------------------- one run of the sample data

@pytest.fixture(scope="module")
def report():
    return run_check(SAMPLE, Options())


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory, report):
    """The report, robvis CSV and annotated copy of one run, and that run's JSON report."""
    out = tmp_path_factory.mktemp("sample")
    write_report(report, out / "report.xlsx")
    write_robvis(report, out / "robvis.csv")
    write_annotated(report, out / "annotated.xlsx")
    data = json.loads(json_report.render(report))
    return out, data


def test_summary_matches_json(sample_run):
    out, data = sample_run
    ws = openpyxl.load_workbook(out / "report.xlsx")["Summary"]
    pairs = {}
    for row in ws.iter_rows(min_col=1, max_col=2):
        if isinstance(row[0].value, str) and row[0].value not in pairs:
            pairs[row[0].value] = row[1].value
    assert pairs["File"] == data["inputs"][0]
    assert pairs["Size (bytes)"] == SAMPLE.stat().st_size
    assert pairs["SHA-256"] == sha256(SAMPLE)
    assert pairs["Sheets in the workbook"] == ", ".join(openpyxl.load_workbook(SAMPLE, read_only=True).sheetnames)
    assert pairs["Table studies"].startswith(f"{data['summary']['studies']:,} rows")
    assert pairs["Table measurements"].startswith(f"{data['summary']['measurements']:,} rows")
    assert pairs["ectqa version"] == data["ectqa_version"]
    assert pairs["Config"].startswith("defaults")
    assert pairs["Studies"] == data["summary"]["studies"]
    assert pairs["Rows left out of the quality rules"] == data["summary"]["rows_left_out"]
    verdict = ws["A2"].value
    assert verdict.startswith("PASSED" if data["summary"]["passed"] else "FAILED")

    rows = [[c.value for c in r] for r in ws.iter_rows(max_col=6)]
    sev_at = next(i for i, r in enumerate(rows) if r[0] == "Severity")
    by_sev = {r[0]: r[1:4] for r in rows[sev_at + 1: sev_at + 5]}
    assert by_sev["error"][0] == data["summary"]["errors"]
    assert by_sev["warning"][0] == data["summary"]["warnings"]
    assert by_sev["info"][0] == data["summary"]["infos"]
    assert by_sev["total"][1] == data["summary"]["waived"]
    assert by_sev["total"][2] == len(data["findings"])

    dom_at = next(i for i, r in enumerate(rows) if r[0] == "Domain")
    assert rows[dom_at][1:5] == [LABEL[j] for j in ("low", "some_concerns", "high", "no_information")]
    for i, domain in enumerate((*DOMAINS, "overall")):
        r = rows[dom_at + 1 + i]
        judged = [q["overall"] if domain == "overall" else q["domains"][domain] for q in data["quality"]]
        counts = Counter(judged)
        assert r[0] == DOMAIN_LABEL.get(domain, "Overall")
        assert r[1:5] == [counts["low"], counts["some_concerns"], counts["high"], counts["no_information"]]
        high = [q["study_id"] for q, j in zip(data["quality"], judged) if j == "high"]
        assert (r[5] or "") == ", ".join(high)


def test_findings_sheet_matches_json(sample_run):
    out, data = sample_run
    ws = openpyxl.load_workbook(out / "report.xlsx")["Findings"]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert rows[0] == list(FINDING_COLUMNS)
    body = rows[1:]
    assert len(body) == len(data["findings"])
    col = {name: i for i, name in enumerate(FINDING_COLUMNS)}
    for r, f in zip(body, data["findings"]):
        assert r[col["Severity"]] == f["severity"]
        assert r[col["Rule"]] == f["rule"]
        assert r[col["Domain"]] == f["domain"]
        assert LABEL_TO_JUDGEMENT.get(r[col["Impact"]]) == f["impact"]
        assert r[col["Table"]] == f["table"]
        assert r[col["Row"]] == f["row"]
        assert r[col["Cell"]] == f["cell"]
        assert r[col["Column"]] == f["column"]
        assert r[col["Study"]] == f["study_id"]
        assert r[col["Outcome"]] == f["outcome"]
        assert r[col["Value"]] == f["value"]
        assert r[col["Message"]] == f["message"]
        assert r[col["Waived"]] == ("yes" if f["waived"] else "no")
        assert r[col["Waiver reason"]] == f["waiver_reason"]
        assert r[col["File"]] == f["file"]
    # an Excel table with filters over every row, a frozen header, widths set
    assert set(ws.tables) == {"FindingsTable"}
    assert ws.tables["FindingsTable"].ref == f"A1:{openpyxl.utils.get_column_letter(len(FINDING_COLUMNS))}{len(body) + 1}"
    assert ws.freeze_panes == "A2"
    for i, name in enumerate(FINDING_COLUMNS, start=1):
        assert ws.column_dimensions[openpyxl.utils.get_column_letter(i)].width >= len(name)
    # severity by word and by fill
    for row in ws.iter_rows(min_row=2, max_col=1):
        cell = row[0]
        assert rgb(cell) == SEVERITY_COLOURS[cell.value][0]
    # negative numbers stay numbers
    negatives = [r[col["Value"]] for r in body if isinstance(r[col["Value"]], (int, float)) and r[col["Value"]] < 0]
    json_negatives = [f["value"] for f in data["findings"] if isinstance(f["value"], (int, float)) and f["value"] < 0]
    assert negatives == json_negatives and negatives, "the sample's sd -3.54 is a number in the report"


def test_quality_sheet_matches_json(sample_run):
    out, data = sample_run
    ws = openpyxl.load_workbook(out / "report.xlsx")["Quality"]
    header = [c.value for c in ws[1]]
    assert header[: len(DOMAINS) + 2] == ["Study", *(DOMAIN_LABEL[d] for d in DOMAINS), "Overall"]
    flags = defaultdict(list)
    for f in data["findings"]:
        if f["kind"] == "quality" and f["study_id"] and f["domain"]:
            flags[(f["study_id"], f["domain"])].append(f["rule"])
    for r, q in enumerate(data["quality"], start=2):
        assert ws.cell(row=r, column=1).value == q["study_id"]
        for c, d in enumerate(DOMAINS, start=2):
            cell = ws.cell(row=r, column=c)
            j = q["domains"][d]
            assert cell.value == SYMBOL[j]
            assert rgb(cell) == ROBVIS[j][0]
            assert cell.comment is not None and cell.comment.text.startswith(LABEL[j])
            rules = flags.get((q["study_id"], d), [])
            if len(rules) <= MAX_COMMENT_FLAGS:
                for rule in rules:
                    assert f"- {rule} (" in cell.comment.text
        overall = ws.cell(row=r, column=len(DOMAINS) + 2)
        assert overall.value == SYMBOL[q["overall"]] and rgb(overall) == ROBVIS[q["overall"]][0]
        assert overall.comment is not None
    assert ws.cell(row=len(data["quality"]) + 2, column=1).value is None  # one row per study
    # the legend: every judgement, its symbol on its colour
    legend = {}
    for row in ws.iter_rows():
        for c in row:
            if c.value in LABEL.values() and c.column > 1:
                sym = ws.cell(row=c.row, column=c.column - 1)
                legend[c.value] = (sym.value, rgb(sym))
    assert legend == {LABEL[j]: (SYMBOL[j], ROBVIS[j][0]) for j in LABEL}


def test_robvis_colours_match_the_terminal():
    assert ROBVIS == {
        "low": ("02C100", "000000"), "some_concerns": ("E2DF07", "000000"),
        "high": ("BF0000", "FFFFFF"), "no_information": ("4EA1F7", "000000"),
    }


def test_rules_sheet(sample_run, report):
    out, data = sample_run
    ws = openpyxl.load_workbook(out / "report.xlsx")["Rules"]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    head = rows[0]
    assert head[:2] == ["Kind", "Rule"] and "Parameters" in head and "Source" in head
    by_id = {r[1]: dict(zip(head, r)) for r in rows[1:]}
    assert [r[1] for r in rows[1:] if r[0] == "quality"] == [r.id for r in report.rules_applied]
    counted = Counter(f["rule"] for f in data["findings"] if not f["waived"])
    for rule, n in counted.items():
        assert by_id[rule]["Findings"] == n
    assert "min_n = 34" in by_id["small-sample"]["Parameters"]
    assert by_id["small-sample"]["Source"]
    assert "RulesTable" in ws.tables


def test_robvis_csv_matches_json(sample_run):
    out, data = sample_run
    with open(out / "robvis.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert tuple(rows[0]) == ROBVIS_COLUMNS
    assert rows[0][0] == "Study" and rows[0][-2:] == ["Overall", "Weight"]
    assert len(rows) - 1 == len(data["quality"])
    ws = openpyxl.load_workbook(SAMPLE, read_only=True)["studies"]
    sheet_rows = list(ws.iter_rows(values_only=True))
    n_ect = {r[0]: r[sheet_rows[0].index("n_ect")] for r in sheet_rows[1:] if r[0]}
    for r, q in zip(rows[1:], data["quality"]):
        assert r[0] == q["study_id"]
        assert [LABEL_TO_JUDGEMENT[v] for v in r[1:-2]] == [q["domains"][d] for d in DOMAINS]
        assert LABEL_TO_JUDGEMENT[r[-2]] == q["overall"]
        n = n_ect.get(q["study_id"])
        assert r[-1] == (str(int(n)) if isinstance(n, (int, float)) else "1")


def test_colour_blind_palette(tmp_path, report):
    path = tmp_path / "cb.xlsx"
    write_report(report, path, colour_blind=True)
    ws = openpyxl.load_workbook(path)["Quality"]
    for r, q in enumerate(report.quality, start=2):
        for c, d in enumerate(DOMAINS, start=2):
            cell = ws.cell(row=r, column=c)
            assert cell.value == SYMBOL[q["domains"][d]]
            assert rgb(cell) == ROBVIS_COLOUR_BLIND[q["domains"][d]][0]


def test_synthesis_sheet(tmp_path, report):
    rows = [
        {"outcome": "IL-6", "contrast": "baseline vs end of course", "measure": "SMD", "method": "REML", "r": 0.5,
         "k": 8, "n": 210, "estimate": 0.21, "ci_lower": -0.05, "ci_upper": 0.47, "pi_lower": -0.4, "pi_upper": 0.82,
         "tau2": 0.07, "i2": 54.2, "verdict": "=no change"},
    ]
    path = tmp_path / "syn.xlsx"
    write_report(report, path, synthesis=rows)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Summary", "Findings", "Quality", "Rules", "Synthesis"]
    ws = wb["Synthesis"]
    head = [c.value for c in ws[1]]
    assert head == list(excel.SYNTHESIS_COLUMNS)
    values = dict(zip(head, [c.value for c in ws[2]]))
    assert values == rows[0]
    assert ws["O2"].data_type == "s"
    assert not sheet_formulas(path)
    # without synthesis results there is no such sheet
    write_report(report, tmp_path / "plain.xlsx")
    assert "Synthesis" not in openpyxl.load_workbook(tmp_path / "plain.xlsx").sheetnames


# --------------------------------------------------------------------------- the annotated copy

def test_annotated_copy_places_every_finding_and_changes_nothing_else(sample_run):
    out, data = sample_run
    original = openpyxl.load_workbook(SAMPLE)
    copy = openpyxl.load_workbook(out / "annotated.xlsx")
    assert copy.sheetnames == original.sheetnames
    for ws in original:
        other = copy[ws.title]
        assert other.max_row == ws.max_row and other.max_column == ws.max_column
        for row in ws.iter_rows():
            for c in row:
                twin = other[c.coordinate]
                assert twin.value == c.value, c.coordinate
                assert twin.number_format == c.number_format, c.coordinate
                assert font(twin) == font(c), c.coordinate
                if not c.comment:
                    assert rgb(twin) == rgb(c) or twin.comment is not None, c.coordinate
    worst: dict[str, str] = {}
    rank = {"error": 3, "warning": 2, "info": 1}
    for f in data["findings"]:
        assert f["cell"], "every finding of the sample workbook names its cell"
        sheet, ref = f["cell"].rsplit("!", 1)
        cell = copy[sheet][ref]
        assert cell.comment is not None and f"{f['rule']} ({f['severity']})" in cell.comment.text
        if rank[f["severity"]] > rank.get(worst.get(f["cell"], ""), 0):
            worst[f["cell"]] = f["severity"]
    for where, sev in worst.items():
        sheet, ref = where.rsplit("!", 1)
        assert rgb(copy[sheet][ref]) == SEVERITY_COLOURS[sev][0]
    # cells without findings keep their fill
    about = copy["about"]
    assert all(c.comment is None for row in about.iter_rows() for c in row)


def test_findings_without_a_cell_go_on_the_header_row(tmp_path, report):
    extra = Finding(rule="schema/hidden-content", severity="info", message="sheet 'studies' is hidden", level="table",
                    file=str(SAMPLE), table="studies", row=None)
    whole_file = Finding(rule="schema/example", severity="warning", message="about the whole file", level="file",
                         file=str(SAMPLE))
    changed = dataclasses.replace(report, findings=[*report.findings, extra, whole_file])
    path = tmp_path / "copy.xlsx"
    write_annotated(changed, path)
    wb = openpyxl.load_workbook(path)
    text = wb["studies"]["A1"].comment.text
    assert "schema/hidden-content (info) [table: studies]" in text
    assert "schema/example (warning) [file:" in text
    assert rgb(wb["studies"]["A1"]) == SEVERITY_COLOURS["warning"][0]


def test_annotated_copy_of_a_csv_folder(tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(SAMPLE_CSV, folder)
    before = {p.name: sha256(p) for p in folder.iterdir()}
    result = run_cli(folder, "--annotate", tmp_path / "copy.xlsx", "--excel", tmp_path / "r.xlsx", "--format", "json")
    data = json.loads(result.stdout)
    assert {p.name: sha256(p) for p in folder.iterdir()} == before
    wb = openpyxl.load_workbook(tmp_path / "copy.xlsx")
    assert wb.sheetnames == ["studies", "measurements"]
    headers = {ws.title: {c.value: c.column_letter for c in ws[1]} for ws in wb}
    for f in data["findings"]:
        ws = wb[f["table"]]
        ref = f"{headers[f['table']][f['column']]}{f['row']}" if f["column"] else f"A{f['row']}"
        assert ws[ref].comment is not None and f["rule"] in ws[ref].comment.text, (f["rule"], ref)
    # row N of the copy is line N of the CSV; numbers are numbers, with the decimals reported
    sd = next(f for f in data["findings"] if f["rule"] == "schema/range" and f["column"] == "sd")
    cell = wb["measurements"][f"{headers['measurements']['sd']}{sd['row']}"]
    assert cell.value == float(sd["value"]) == -3.54
    assert cell.number_format == "0.00"
    with open(folder / "measurements.csv", newline="", encoding="utf-8") as fh:
        lines = list(csv.reader(fh))
    ws = wb["measurements"]
    assert [c.value for c in ws[1]] == lines[0]
    for line_no in (2, 99, len(lines)):
        shown = ["" if c.value is None else c.value for c in ws[line_no]]
        for text, value in zip(lines[line_no - 1], shown):
            assert (float(text) == value) if isinstance(value, (int, float)) else (text == value), (line_no, text, value)


def test_no_output_may_replace_the_input(tmp_path, report):
    src = tmp_path / "extraction.xlsx"
    shutil.copy(SAMPLE, src)
    tables = {k: dataclasses.replace(t, file=str(src), source_path=src) for k, t in report.dataset.tables.items()}
    mine = dataclasses.replace(report, path=src, dataset=dataclasses.replace(report.dataset, path=src, tables=tables))
    before = sha256(src)
    for write in (write_annotated, write_report, write_robvis):
        with pytest.raises(InputError, match="input"):
            write(mine, src)
    assert sha256(src) == before


# --------------------------------------------------------------------------- safety

@pytest.mark.parametrize("writer", ["excel", "annotate", "robvis"])
def test_an_existing_output_survives_a_failed_write(tmp_path, report, monkeypatch, writer):
    target = tmp_path / ("out.csv" if writer == "robvis" else "out.xlsx")
    target.write_bytes(b"the previous report")

    def fail(*args, **kwargs):
        raise OSError("disk full")

    if writer == "robvis":
        monkeypatch.setattr(Path, "write_text", fail)
    else:
        monkeypatch.setattr(openpyxl.Workbook, "save", fail)
    with pytest.raises(OSError):
        {"excel": write_report, "annotate": write_annotated, "robvis": write_robvis}[writer](report, target)
    assert target.read_bytes() == b"the previous report"
    assert [p.name for p in tmp_path.iterdir()] == [target.name]  # no temporary file left


def injected_workbook(path: Path) -> dict[str, str]:
    """The sample workbook with text cells that a spreadsheet would run as formulas."""
    wb = openpyxl.load_workbook(SAMPLE)
    s, m = wb["studies"], wb["measurements"]
    scol = {c.value: c.column_letter for c in s[1]}
    mcol = {c.value: c.column_letter for c in m[1]}
    planted = {
        f"studies!{scol['study_id']}2": "=1+1",
        f"studies!{scol['first_author']}3": '=HYPERLINK("http://example.invalid/x","click")',
        f"studies!{scol['notes']}4": "+cmd|' /C calc'!A0",
        f"studies!{scol['anesthetic']}5": "@SUM(A1:A9)",
        f"measurements!{mcol['outcome']}2": '=HYPERLINK("http://example.invalid","IL-6")',
        f"measurements!{mcol['outcome']}3": "@SUM(1,2)",
        f"measurements!{mcol['unit']}4": "-2+3",
        f"measurements!{mcol['assay']}5": "\tTAB",
    }
    for where, text in planted.items():
        sheet, ref = where.split("!")
        put(wb[sheet][ref], text)
        assert wb[sheet][ref].data_type == "s"
    wb.save(path)
    return planted


@pytest.fixture(scope="module")
def injected_run(tmp_path_factory):
    """One `ectqa check` of a workbook with formula-like text, asking for every output and JSON on
    stdout; the input's hash before and after."""
    tmp = tmp_path_factory.mktemp("injected")
    src = tmp / "injected.xlsx"
    planted = injected_workbook(src)
    before = sha256(src), src.stat().st_mtime_ns
    out = {name: tmp / name for name in ("report.xlsx", "annotated.xlsx", "robvis.csv")}
    result = run_cli(src, "--format", "json", "--excel", out["report.xlsx"], "--annotate", out["annotated.xlsx"],
                     "--robvis", out["robvis.csv"])
    after = sha256(src), src.stat().st_mtime_ns
    return SimpleNamespace(src=src, planted=planted, out=out, result=result, before=before, after=after)


def test_the_input_is_never_touched(injected_run):
    run = injected_run
    assert run.out["report.xlsx"].is_file() and run.out["annotated.xlsx"].is_file()
    assert run.after == run.before
    # the sample workbook in the repository is untouched too (it is only ever read)
    assert all(p.suffix != ".tmp" for p in SAMPLE.parent.iterdir())


def test_json_stdout_stays_parsable_and_outputs_are_named_on_stderr(injected_run):
    result = injected_run.result
    data = json.loads(result.stdout)  # stdout is one JSON document, whatever else was written
    assert data["findings"]
    for path in injected_run.out.values():
        assert str(path) in result.stderr
        assert str(path) not in result.stdout
    assert "wrote" in result.stderr


def test_formula_like_text_is_never_a_formula(injected_run):
    src, planted, out = injected_run.src, injected_run.planted, injected_run.out
    assert not sheet_formulas(src)
    data = json.loads(injected_run.result.stdout)
    report_path, copy_path, robvis_path = out["report.xlsx"], out["annotated.xlsx"], out["robvis.csv"]
    for path in (report_path, copy_path):
        assert sheet_formulas(path) == [], path
        assert openpyxl_formulas(path) == [], path
    # the text is kept as written
    copy = openpyxl.load_workbook(copy_path)
    for where, text in planted.items():
        sheet, ref = where.split("!")
        assert copy[sheet][ref].value == text and copy[sheet][ref].data_type == "s"
    rep = openpyxl.load_workbook(report_path)
    values = {c.value for row in rep["Findings"].iter_rows() for c in row}
    injected_values = [f["value"] for f in data["findings"] if isinstance(f["value"], str) and f["value"][:1] and f["value"][:1] in "=+-@\t"]
    assert injected_values, "the planted text shows up as finding values"
    assert set(injected_values) <= values
    assert rep["Quality"]["A2"].value == "=1+1"
    with open(robvis_path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[1][0] == "'=1+1"
    assert not any(cell[:1] in "=+-@\t\r" for row in rows for cell in row)


def test_safe_cell_and_csv_text():
    import numpy as np

    assert safe_cell(-3.54) == -3.54 and safe_cell(np.float64(-2.0)) == -2.0 and safe_cell(np.int64(-7)) == -7
    assert safe_cell(float("nan")) is None and safe_cell(None) is None
    assert safe_cell("a\x07b") == "a\\x07b"
    assert csv_text(-3.5) == "-3.5" and csv_text(12.0) == "12"
    assert csv_text("=1+1") == "'=1+1" and csv_text("@x") == "'@x" and csv_text("\rx") == "'\rx"
    wb = openpyxl.Workbook()
    cell = put(wb.active["A1"], "=1+1")
    assert cell.value == "=1+1" and cell.data_type == "s"
    assert put(wb.active["A2"], -1).data_type == "n"
