"""Broken and hostile input (issue #8): every case ends in findings, or in one line on stderr
naming the file, what is wrong and what to do, with exit code 2; never a traceback, never a
hang, and the input byte-identical afterwards.

The corpus is built in code in tmp_path. Most cases run in-process through click's CliRunner
(fast); the cases that need a real process (traceback-free stderr, SIGINT, peak memory of the
zip bomb) run `python -m ectqa.cli` with timeout=10.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import resource
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import openpyxl
import pytest
from click.testing import CliRunner

from ectqa.cli import main

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data" / "clean"
LIMIT_S = 10.0


# ---------------------------------------------------------------------------------------------
# running the CLI


class Hang(BaseException):
    """Raised by the alarm: a case ran beyond LIMIT_S (BaseException, so no handler eats it)."""


def _alarm(signum, frame):  # pragma: no cover - only on a hang
    raise Hang(f"no answer within {LIMIT_S} s")


def run(*args: str) -> tuple[int, str, str, float]:
    """ectqa in-process: exit code, stdout, stderr, seconds. A hang fails the test."""
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, LIMIT_S)
    start = time.perf_counter()
    try:
        result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=True)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    elapsed = time.perf_counter() - start
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"uncaught {result.exception!r}") from result.exception
    return result.exit_code, result.stdout, result.stderr, elapsed


def run_process(*args: str, timeout: float = LIMIT_S, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ectqa.cli", *map(str, args)], capture_output=True, text=True,
        timeout=timeout, check=False, cwd=kwargs.pop("cwd", None), env={**os.environ, "NO_COLOR": "1"}, **kwargs,
    )


def digest(path: Path) -> str:
    """A hash of a file, or of every file in a folder (names and bytes)."""
    h = hashlib.sha256()
    if path.is_dir():
        for p in sorted(path.rglob("*")):
            if p.is_file():
                h.update(str(p.relative_to(path)).encode())
                h.update(p.read_bytes())
    elif path.exists():
        h.update(path.read_bytes())
    return h.hexdigest()


def refused(path: Path, *words: str, args: tuple[str, ...] = ()) -> str:
    """Exit 2 with one line on stderr naming the file and saying what to do; input untouched."""
    before = digest(path)
    code, out, err, elapsed = run("check", path, *args)
    assert code == 2, (code, out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    line = lines[0]
    assert line.startswith("ectqa: "), line
    assert "Traceback" not in err and "internal error" not in line, line
    assert path.name in line, line
    for w in words:
        assert w.lower() in line.lower(), (w, line)
    assert elapsed < LIMIT_S
    assert digest(path) == before
    return line


def checked(path: Path, *args: str) -> dict:
    """Read and checked: exit 0 or 1, the JSON report; input untouched."""
    before = digest(path)
    code, out, err, elapsed = run("check", path, "--format", "json", "--fail-on", "error", *args)
    assert code in (0, 1), (code, err)
    assert "Traceback" not in err
    assert elapsed < LIMIT_S
    assert digest(path) == before
    return json.loads(out)


def rules_of(report: dict) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for f in report["findings"]:
        out.setdefault(f["rule"], []).append(f)
    return out


# ---------------------------------------------------------------------------------------------
# building the corpus


def sample(table: str, n: int | None = None) -> list[list[str]]:
    """Header and the first n records of the clean sample (measurements: of the first 3 studies)."""
    with open(SAMPLE / f"{table}.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    if table == "measurements":
        keep = {r[0] for r in sample("studies", 3)[1:]}
        rows = [rows[0]] + [r for r in rows[1:] if r[0] in keep]
    return rows if n is None else rows[: n + 1]


def typed(v: str):
    if v == "":
        return None
    try:
        f = float(v)
    except ValueError:
        return v
    return int(f) if f.is_integer() and "." not in v else f


def write_xlsx(path: Path, sheets: dict[str, list[list]] | None = None, convert: bool = True) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    sheets = sheets if sheets is not None else {"studies": sample("studies", 3), "measurements": sample("measurements")}
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for i, row in enumerate(rows):
            ws.append([typed(v) if convert and i and isinstance(v, str) else v for v in row])
    wb.save(path)
    return path


def write_csv_folder(folder: Path, studies: list[list[str]] | None = None, measurements: list[list[str]] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in (("studies", studies or sample("studies", 3)), ("measurements", measurements or sample("measurements"))):
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(rows)
        (folder / f"{name}.csv").write_text(buf.getvalue(), encoding="utf-8")
    return folder


def col(n: int) -> str:
    s, n = "", n + 1
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def xml_cell(ref: str, v) -> str:
    if v is None or v == "":
        return ""
    if isinstance(v, str) and v.startswith("<c"):
        return v.replace("REF", ref)
    if isinstance(v, (int, float)):
        return f'<c r="{ref}"><v>{v}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(v))}</t></is></c>'


def sheet_xml(rows: list[list], prolog: str = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
              dimension: str | None = None, extra: str = "") -> str:
    out = [prolog, '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">']
    if dimension:
        out.append(f'<dimension ref="{dimension}"/>')
    out.append("<sheetData>")
    for i, row in enumerate(rows, start=1):
        cells = "".join(xml_cell(f"{col(j)}{i}", typed(v) if i > 1 and isinstance(v, str) and not v.startswith("<c") else v)
                        for j, v in enumerate(row))
        out.append(f'<row r="{i}">{cells}</row>')
    out.append(extra)
    out.append("</sheetData></worksheet>")
    return "".join(out)


def write_raw_xlsx(path: Path, sheets: list[tuple[str, str]], shared: str | None = None) -> Path:
    """A minimal workbook whose XML is written by hand (cached errors, crafted parts)."""
    main_ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel_ns = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    ct = [(
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    )]
    wb = [f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{main_ns}" xmlns:r="{rel_ns}"><sheets>']
    rels = ['<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">']
    for i, (name, _) in enumerate(sheets, 1):
        ct.append(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>')
        wb.append(f'<sheet name="{name}" sheetId="{i}" r:id="rId{i}"/>')
        rels.append(f'<Relationship Id="rId{i}" Type="{rel_ns}/worksheet" Target="worksheets/sheet{i}.xml"/>')
    if shared is not None:
        ct.append('<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>')
        rels.append(f'<Relationship Id="rId99" Type="{rel_ns}/sharedStrings" Target="sharedStrings.xml"/>')
    ct.append("</Types>")
    wb.append("</sheets></workbook>")
    rels.append("</Relationships>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "".join(ct))
        z.writestr("_rels/.rels", '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   f'<Relationship Id="rId1" Type="{rel_ns}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", "".join(wb))
        z.writestr("xl/_rels/workbook.xml.rels", "".join(rels))
        for i, (_, xml) in enumerate(sheets, 1):
            z.writestr(f"xl/worksheets/sheet{i}.xml", xml)
        if shared is not None:
            z.writestr("xl/sharedStrings.xml", shared)
    return path


def raw_pair(path: Path, studies_rows=None, measurement_rows=None, **sheet_kwargs) -> Path:
    studies = studies_rows or sample("studies", 3)
    meas = measurement_rows or sample("measurements")
    return write_raw_xlsx(path, [("studies", sheet_xml(studies)), ("measurements", sheet_xml(meas, **sheet_kwargs))])


def letter_of(table: str, column: str) -> str:
    return col(sample(table, 0)[0].index(column))


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    + "]>"
)


# ---------------------------------------------------------------------------------------------
# files


def test_empty_file(tmp_path):
    p = tmp_path / "empty.xlsx"
    p.write_bytes(b"")
    refused(p, "empty", "save")


def test_not_a_zip_named_xlsx(tmp_path):
    p = tmp_path / "renamed.xlsx"
    p.write_text("study_id,year\nA,2000\n")
    refused(p, "not a zip", "save it as .xlsx")


def test_truncated_zip(tmp_path):
    whole = write_xlsx(tmp_path / "whole.xlsx").read_bytes()
    p = tmp_path / "truncated.xlsx"
    p.write_bytes(whole[: len(whole) // 2])
    refused(p, "truncated or corrupt", "restore a copy")


def test_zip_with_corrupt_entry(tmp_path):
    """The central directory is intact, a sheet's compressed bytes are not."""
    data = bytearray(write_xlsx(tmp_path / "whole.xlsx").read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        info = zf.getinfo("xl/worksheets/sheet2.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra) + 20
    for i in range(start, start + 200):
        data[i] ^= 0x5A
    p = tmp_path / "corrupt.xlsx"
    p.write_bytes(bytes(data))
    refused(p, "save")


def test_password_protected_xlsx(tmp_path):
    p = tmp_path / "locked.xlsx"
    p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + os.urandom(4096))
    refused(p, "password", "remove the password")


def test_legacy_xls(tmp_path):
    p = tmp_path / "old.xls"
    p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + os.urandom(4096))
    refused(p, "save as .xlsx")


def test_no_studies_sheet_lists_sheets_and_config_key(tmp_path):
    p = write_xlsx(tmp_path / "named.xlsx", {"Study characteristics": sample("studies", 3), "measurements": sample("measurements")})
    refused(p, "'Study characteristics'", "[sheets] studies")


def test_sheets_with_headers_only(tmp_path):
    p = write_xlsx(tmp_path / "headers.xlsx", {"studies": sample("studies", 0), "measurements": sample("measurements", 0)})
    report = checked(p)
    assert report["summary"]["studies"] == 0 and report["summary"]["measurements"] == 0


def test_header_not_on_row_1(tmp_path):
    rows = [["Extraction for the ECT review"], [], *sample("studies", 3)]
    p = write_xlsx(tmp_path / "low.xlsx", {"studies": rows, "measurements": sample("measurements")})
    refused(p, "row 3", "delete the rows above")


def test_header_not_on_row_1_blank_rows_above(tmp_path):
    """calamine's range starts at the first used cell: row numbers must still be the sheet's."""
    p = write_xlsx(tmp_path / "low.xlsx", {"studies": [[], [], *sample("studies", 3)], "measurements": sample("measurements")})
    refused(p, "row 3")


def test_table_not_in_column_a(tmp_path):
    """A blank column A: letters must still be the sheet's (calamine's range would start at B)."""
    studies = [[None, *r] for r in sample("studies", 3)]
    studies[2][sample("studies", 0)[0].index("n_ect") + 1] = "-5"
    p = write_xlsx(tmp_path / "shifted.xlsx", {"studies": studies, "measurements": sample("measurements")})
    report = checked(p)
    cells = {f["cell"] for f in report["findings"] if f["rule"] == "schema/range" and f["column"] == "n_ect"}
    assert cells == {f"studies!{col(sample('studies', 0)[0].index('n_ect') + 1)}3"}


def test_merged_header_cells_hiding_a_column_are_refused(tmp_path):
    p = write_xlsx(tmp_path / "merged.xlsx")
    wb = openpyxl.load_workbook(p)
    ws = wb["measurements"]
    # a group label merged over mean and sd: sd loses its header
    mean = sample("measurements", 0)[0].index("mean") + 1
    values = [ws.cell(r, mean + 1).value for r in range(2, ws.max_row + 1)]
    ws.merge_cells(start_row=1, start_column=mean, end_row=1, end_column=mean + 1)
    for r, v in enumerate(values, start=2):
        ws.cell(r, mean + 1).value = v
    wb.save(p)
    refused(p, "merged", f"{col(mean - 1)}1:{col(mean)}1", "unmerge")


def test_two_row_merged_header_is_refused(tmp_path):
    p = write_xlsx(tmp_path / "tworow.xlsx")
    wb = openpyxl.load_workbook(p)
    ws = wb["studies"]
    ws.insert_rows(2)
    ws.merge_cells("A1:A2")
    wb.save(p)
    refused(p, "merged across rows", "A1:A2")


def test_merged_header_over_empty_column_is_read(tmp_path):
    rows = sample("studies", 3)
    rows = [r + [""] for r in rows]
    p = write_xlsx(tmp_path / "cosmetic.xlsx", {"studies": rows, "measurements": sample("measurements")})
    wb = openpyxl.load_workbook(p)
    ws = wb["studies"]
    last = len(rows[0])
    ws.merge_cells(start_row=1, start_column=last - 1, end_row=1, end_column=last)
    wb.save(p)
    checked(p)


def test_duplicate_column_names(tmp_path):
    rows = [r + [r[sample("studies", 0)[0].index("year")]] for r in sample("studies", 3)]
    p = write_xlsx(tmp_path / "dup.xlsx", {"studies": rows, "measurements": sample("measurements")})
    found = rules_of(checked(p))
    assert [f["cell"] for f in found["schema/duplicate-column"]] == [f"studies!{col(len(rows[0]) - 1)}1"]


def test_extra_unknown_columns_are_info(tmp_path):
    rows = sample("studies", 3)
    rows = [r + (["reviewer comment"] if i == 0 else ["ok"]) for i, r in enumerate(rows)]
    p = write_xlsx(tmp_path / "extra.xlsx", {"studies": rows, "measurements": sample("measurements")})
    report = checked(p)
    unknown = rules_of(report)["schema/unknown-column"]
    assert [f["severity"] for f in unknown] == ["info"]
    assert report["summary"]["errors"] == 0


def test_values_under_no_header_are_reported(tmp_path):
    rows = sample("studies", 3)
    rows = [r + ([""] if i == 0 else ["lost?"]) for i, r in enumerate(rows)]
    p = write_xlsx(tmp_path / "noheader.xlsx", {"studies": rows, "measurements": sample("measurements")})
    unknown = rules_of(checked(p))["schema/unknown-column"]
    assert any("no header" in f["message"] and f["severity"] == "warning" for f in unknown)


def test_formulas_use_cached_values_and_flag_missing_ones(tmp_path):
    meas = sample("measurements")
    header = meas[0]
    n_letter = letter_of("measurements", "n")
    mean_letter = letter_of("measurements", "mean")
    # row 2: n as a formula with a cached value (12 = 6+6); row 3: mean as a formula without one
    meas[1][header.index("n")] = f'<c r="REF"><f>6+6</f><v>{meas[1][header.index("n")]}</v></c>'
    meas[2][header.index("mean")] = '<c r="REF"><f>1+1</f></c>'
    p = raw_pair(tmp_path / "formulas.xlsx", measurement_rows=meas)
    found = rules_of(checked(p))
    assert [f["cell"] for f in found["schema/formula-no-value"]] == [f"measurements!{mean_letter}3"]
    assert not any(f["cell"] == f"measurements!{n_letter}2" for fs in found.values() for f in fs if f["kind"] == "schema")


def test_openpyxl_formulas_without_cached_values(tmp_path):
    meas = sample("measurements")
    sd = meas[0].index("sd")
    meas[1][sd] = "=1/0"
    p = write_xlsx(tmp_path / "openpyxl_formula.xlsx", {"studies": sample("studies", 3), "measurements": meas})
    found = rules_of(checked(p))
    assert [f["cell"] for f in found["schema/formula-no-value"]] == [f"measurements!{col(sd)}2"]


def test_excel_error_cells(tmp_path):
    meas = sample("measurements")
    header = meas[0]
    meas[1][header.index("sd")] = '<c r="REF" t="e"><f>1/0</f><v>#DIV/0!</v></c>'
    meas[3][header.index("mean")] = '<c r="REF" t="e"><v>#N/A</v></c>'
    p = raw_pair(tmp_path / "errors.xlsx", measurement_rows=meas)
    found = rules_of(checked(p))
    got = {(f["cell"], f["value"]) for f in found["schema/excel-error"]}
    assert got == {(f"measurements!{letter_of('measurements', 'sd')}2", "#DIV/0!"),
                   (f"measurements!{letter_of('measurements', 'mean')}4", "#N/A")}


def test_dates_and_times_where_numbers_belong(tmp_path):
    import datetime as dt

    p = write_xlsx(tmp_path / "dates.xlsx")
    wb = openpyxl.load_workbook(p)
    ws = wb["measurements"]
    header = sample("measurements", 0)[0]
    ws.cell(2, header.index("mean") + 1).value = dt.datetime(2023, 3, 4)
    ws.cell(3, header.index("sd") + 1).value = dt.time(12, 30)
    wb.save(p)
    found = rules_of(checked(p))
    messages = {f["cell"]: f["message"] for f in found["schema/type"]}
    assert "date" in messages[f"measurements!{col(header.index('mean'))}2"]
    assert "time" in messages[f"measurements!{col(header.index('sd'))}3"]


def test_numbers_stored_as_text_are_read_as_numbers(tmp_path):
    p = write_xlsx(tmp_path / "text_numbers.xlsx", convert=False)  # every cell a text cell
    report = checked(p)
    assert not rules_of(report).get("schema/type")
    assert report["summary"]["measurements"] == len(sample("measurements")) - 1


def test_hidden_sheet_and_rows_are_read_and_reported(tmp_path):
    p = write_xlsx(tmp_path / "hidden.xlsx")
    wb = openpyxl.load_workbook(p)
    wb["studies"].sheet_state = "hidden"
    wb["measurements"].row_dimensions[3].hidden = True
    wb["measurements"].column_dimensions["B"].hidden = True
    wb.create_sheet("notes")
    wb.active = 2
    wb.save(p)
    report = checked(p)
    hidden = rules_of(report)["schema/hidden-content"]
    text = " ".join(f["message"] for f in hidden)
    assert "sheet 'studies' is hidden" in text and "hidden row" in text and "hidden column" in text
    assert report["summary"]["studies"] == 3


# ---------------------------------------------------------------------------------------------
# CSV


def test_csv_binary_garbage(tmp_path):
    folder = write_csv_folder(tmp_path / "garbage")
    (folder / "measurements.csv").write_bytes(os.urandom(5000))
    refused(folder, "measurements.csv", "not a text CSV", "export")


def test_csv_that_is_a_workbook(tmp_path):
    folder = write_csv_folder(tmp_path / "wb")
    (folder / "studies.csv").write_bytes(write_xlsx(tmp_path / "x.xlsx").read_bytes())
    refused(folder, "studies.csv", "not a text CSV")


def test_csv_mixed_encodings(tmp_path):
    folder = write_csv_folder(tmp_path / "mixed")
    data = (folder / "measurements.csv").read_bytes()
    lines = data.split(b"\n")
    lines[2] = lines[2].replace(b",Table 2,", b",Table 2 \xb5,")  # a lone cp1252 byte
    lines[3] = lines[3].replace(b",Table 2,", b",Table 2 \xc2\xb5,")  # UTF-8 on another line
    (folder / "measurements.csv").write_bytes(b"\n".join(lines))
    checked(folder)
    from ectqa.config import load_config
    from ectqa.readers import read

    ds = read(folder, load_config(None, folder))
    details = ds.tables["measurements"].raw["source_detail"].tolist()
    assert details[1] == "Table 2 µ" and details[2] == "Table 2 µ"
    assert any("mixed encodings" in n and "3" in n for n in ds.notes)


def test_csv_with_bom(tmp_path):
    folder = write_csv_folder(tmp_path / "bom")
    p = folder / "studies.csv"
    p.write_bytes(b"\xef\xbb\xbf" + p.read_bytes())
    report = checked(folder)
    assert not rules_of(report).get("schema/unknown-column")
    assert not rules_of(report).get("schema/missing-column")


def test_csv_utf16_with_bom(tmp_path):
    folder = write_csv_folder(tmp_path / "utf16")
    p = folder / "studies.csv"
    p.write_bytes(p.read_text(encoding="utf-8").encode("utf-16"))
    report = checked(folder)
    assert report["summary"]["studies"] == 3


def test_csv_quoted_newlines_keep_line_numbers(tmp_path):
    studies = sample("studies", 3)
    notes = studies[0].index("notes")
    studies[1][notes] = "first line\nsecond line\nthird line"
    studies[2][studies[0].index("n_ect")] = "-1"  # record 2 starts on line 5
    folder = write_csv_folder(tmp_path / "quoted", studies=studies)
    found = rules_of(checked(folder))
    assert [f["row"] for f in found["schema/range"] if f["column"] == "n_ect"] == [5]


def test_csv_ragged_rows(tmp_path):
    folder = write_csv_folder(tmp_path / "ragged")
    p = folder / "measurements.csv"
    lines = p.read_text(encoding="utf-8").split("\n")
    lines[2] = lines[2] + ",extra,cells"
    lines[4] = lines[4].rsplit(",", 5)[0]
    p.write_text("\n".join(lines), encoding="utf-8")
    found = rules_of(checked(folder))
    assert sorted(f["row"] for f in found["schema/ragged-row"]) == [3, 5]


def test_csv_folder_with_one_table(tmp_path):
    folder = write_csv_folder(tmp_path / "half")
    (folder / "measurements.csv").unlink()
    refused(folder, "measurements.csv", "--table")


def test_csv_header_not_on_line_1(tmp_path):
    studies = [["exported 2024-01-01"], *sample("studies", 3)]
    folder = write_csv_folder(tmp_path / "low", studies=studies)
    refused(folder, "line 2", "delete the lines above")


def test_csv_empty_file(tmp_path):
    folder = write_csv_folder(tmp_path / "emptycsv")
    (folder / "studies.csv").write_bytes(b"")
    refused(folder, "studies.csv", "empty")


# ---------------------------------------------------------------------------------------------
# limits


def test_inflated_size_limit_from_config(tmp_path):
    p = write_xlsx(tmp_path / "big.xlsx")
    (tmp_path / "ectqa.toml").write_text("[limits]\nmax_inflated_mb = 0.01\n")
    refused(p, "max_inflated_mb", "0.01 MB")


def test_row_limit_from_config_counts_rows_not_dimension(tmp_path):
    meas = sample("measurements")
    p = raw_pair(tmp_path / "rows.xlsx", measurement_rows=meas, dimension="A1:B2")  # the dimension lies
    (tmp_path / "ectqa.toml").write_text("[limits]\nmax_rows = 20\n")
    refused(p, "more than 20 rows", "max_rows")


def test_row_limit_on_csv(tmp_path):
    folder = write_csv_folder(tmp_path / "rowscsv")
    (folder / "ectqa.toml").write_text("[limits]\nmax_rows = 20\n")
    refused(folder, "measurements.csv", "max_rows")


@pytest.mark.parametrize("far", ["XFD1048576", "AZ1000000"])
def test_stray_far_cell_is_refused_fast(tmp_path, far):
    """One cell far away would make the parser build a dense grid of billions of cells."""
    row = far.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    p = raw_pair(tmp_path / "stray.xlsx", extra=f'<row r="{row}"><c r="{far}"><v>1</v></c></row>')
    start = time.perf_counter()
    refused(p, "measurements")
    assert time.perf_counter() - start < 2


@pytest.mark.parametrize("where", ["sharedStrings", "sheet"])
def test_billion_laughs_is_refused_without_expansion(tmp_path, where):
    studies = sample("studies", 3)
    if where == "sharedStrings":
        shared = BILLION_LAUGHS + '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>&lol9;</t></si></sst>'
        studies[1][0] = '<c r="REF" t="s"><v>0</v></c>'
        p = write_raw_xlsx(tmp_path / "laughs.xlsx", [("studies", sheet_xml(studies)), ("measurements", sheet_xml(sample("measurements")))], shared=shared)
    else:
        studies[1][0] = '<c r="REF" t="inlineStr"><is><t>&lol9;</t></is></c>'
        p = write_raw_xlsx(tmp_path / "laughs.xlsx", [("studies", sheet_xml(studies, prolog=BILLION_LAUGHS)),
                                                      ("measurements", sheet_xml(sample("measurements")))])
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    refused(p, "DOCTYPE", "save the workbook again")
    assert time.perf_counter() - start < 2
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100 * 1024  # KB: no expansion


@pytest.fixture(scope="session")
def zip_bomb(tmp_path_factory) -> Path:
    """A workbook whose sheet inflates to 1 GB of zeros (about 1 MB compressed)."""
    p = tmp_path_factory.mktemp("bomb") / "bomb.xlsx"
    with zipfile.ZipFile(write_xlsx(tmp_path_factory.mktemp("base") / "base.xlsx")) as src, \
            zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for info in src.infolist():
            zf.writestr(info.filename, src.read(info.filename))
        chunk = b"\0" * (16 << 20)
        with zf.open("xl/worksheets/padding.xml", "w", force_zip64=True) as fh:
            for _ in range(64):
                fh.write(chunk)
    return p


def test_zip_bomb_refused_fast_with_bounded_memory(zip_bomb):
    before = digest(zip_bomb)
    # a fresh parent process, so that RUSAGE_CHILDREN's peak is this check's alone
    probe = (
        "import json, resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "p = subprocess.run([sys.executable, '-m', 'ectqa.cli', 'check', sys.argv[1]], capture_output=True, text=True)\n"
        "print(json.dumps({'code': p.returncode, 'stderr': p.stderr, 'seconds': time.perf_counter() - t,\n"
        "                  'peak_kb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe, str(zip_bomb)], capture_output=True, text=True, timeout=LIMIT_S, check=True)
    result = json.loads(out.stdout)
    proc = subprocess.CompletedProcess([], result["code"], "", result["stderr"])
    elapsed = result["seconds"]
    peak_mb = result["peak_kb"] / 1024
    print(f"zip bomb ({zip_bomb.stat().st_size / 2**20:.1f} MB -> 1024 MB): refused in {elapsed:.2f} s, peak RSS {peak_mb:.0f} MB")
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert "bomb.xlsx" in proc.stderr and "max_inflated_mb" in proc.stderr
    assert elapsed < 2
    assert peak_mb < 200
    assert digest(zip_bomb) == before


# ---------------------------------------------------------------------------------------------
# paths


def test_missing_file(tmp_path):
    refused(tmp_path / "nowhere.xlsx", "no such file", "check the path")


def test_folder_where_a_file_is_expected(tmp_path):
    p = tmp_path / "extraction.xlsx"
    p.mkdir()
    refused(p, "is a folder", "give the workbook")


def test_table_file_that_is_a_folder(tmp_path):
    folder = write_csv_folder(tmp_path / "dirfile")
    (folder / "studies.csv").unlink()
    (folder / "studies.csv").mkdir()
    refused(folder, "is a folder")


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads files whatever their mode; chmod 000 cannot make one unreadable")
def test_unreadable_file(tmp_path):
    p = write_xlsx(tmp_path / "locked.xlsx")
    p.chmod(0)
    try:
        refused(p, "permission denied")
    finally:
        p.chmod(0o644)


def test_unreadable_file_simulated(tmp_path, monkeypatch):
    """Works as root too: the open() of the workbook is made to fail as it would for a user."""
    import builtins

    p = write_xlsx(tmp_path / "locked.xlsx")
    real_open = builtins.open

    def fake_open(file, *args, **kwargs):
        if str(file) == str(p):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", fake_open)
    refused(p, "permission denied", "make the file readable")


def test_output_in_missing_folder(tmp_path):
    folder = write_csv_folder(tmp_path / "data")
    out = tmp_path / "no" / "such" / "report.json"
    before = digest(folder)
    code, _, err, _ = run("check", folder, "--format", "json", "--output", out)
    assert code == 2 and "report.json" in err and "does not exist" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "no").exists()
    assert digest(folder) == before


def test_output_in_unwritable_folder(tmp_path, monkeypatch):
    import tempfile

    folder = write_csv_folder(tmp_path / "data")
    out_dir = tmp_path / "ro"
    out_dir.mkdir()

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)  # as chmod 555 would for a user (not root)
    code, _, err, _ = run("check", folder, "--format", "json", "--output", out_dir / "report.json")
    assert code == 2 and "report.json" in err and "permission denied" in err and "Traceback" not in err
    assert list(out_dir.iterdir()) == []


def test_output_write_failing_midway_leaves_nothing(tmp_path):
    from ectqa.outputs import atomic_write

    out = tmp_path / "report.json"
    out.write_text("old")

    def write(tmp: Path) -> None:
        tmp.write_text("partial")
        raise OSError(28, "No space left on device")

    with pytest.raises(Exception) as info:
        atomic_write(out, write)
    assert "No space left" in str(info.value)
    assert out.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


# ---------------------------------------------------------------------------------------------
# real processes: traceback-free stderr, no hang, Ctrl-C


@pytest.mark.parametrize("case", ["truncated", "ole2", "garbage_csv", "laughs", "stray"])
def test_process_stderr_is_one_line(tmp_path, case):
    if case == "truncated":
        whole = write_xlsx(tmp_path / "w.xlsx").read_bytes()
        p = tmp_path / "t.xlsx"
        p.write_bytes(whole[:300])
    elif case == "ole2":
        p = tmp_path / "locked.xlsx"
        p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1000)
    elif case == "garbage_csv":
        p = write_csv_folder(tmp_path / "g")
        (p / "studies.csv").write_bytes(bytes(range(256)) * 10)
    elif case == "laughs":
        studies = sample("studies", 3)
        p = write_raw_xlsx(tmp_path / "l.xlsx", [("studies", sheet_xml(studies, prolog=BILLION_LAUGHS)),
                                                ("measurements", sheet_xml(sample("measurements")))])
    else:
        p = raw_pair(tmp_path / "s.xlsx", extra='<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')
    before = digest(p)
    proc = run_process("check", p)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and proc.stderr.startswith("ectqa: ")
    assert digest(p) == before


def test_process_debug_shows_the_traceback(tmp_path):
    p = tmp_path / "empty.xlsx"
    p.write_bytes(b"")
    proc = run_process("--debug", "check", p)
    assert proc.returncode != 0 and "Traceback" in proc.stderr


# the child waits inside validation, so the interrupt lands mid-check however fast the check is
SLOW_CHECK = """
import sys, time
import ectqa.schema.validate as validation
def waiting(*args, **kwargs):
    print("validating", file=sys.stderr, flush=True)
    time.sleep(LIMIT)
validation.Validator.table = waiting
from ectqa.cli import main
main(args=sys.argv[1:])
"""


def test_ctrl_c_exits_130_and_leaves_nothing(tmp_path):
    folder = write_csv_folder(tmp_path / "data", studies=sample("studies"), measurements=sample("measurements", None))
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "report.json"
    before = digest(folder)
    proc = subprocess.Popen(
        [sys.executable, "-c", SLOW_CHECK.replace("LIMIT", str(LIMIT_S)), "check", str(folder), "--format", "json", "--output", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "NO_COLOR": "1"},
    )
    assert proc.stderr.readline().strip() == "validating"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=LIMIT_S)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1] == "ectqa: interrupted"
    assert list(out_dir.iterdir()) == []
    assert digest(folder) == before
