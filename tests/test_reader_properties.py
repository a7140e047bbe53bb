"""Property-based tests: whatever bytes, CSV text or cell values the readers get, the only
outcomes are a report (findings) or `InputError` (exit 2) -- never another exception."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import tempfile
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ectqa.check import Options, run_check
from ectqa.config import load_config
from ectqa.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data" / "clean"
SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# examples that reach validation cost ~0.1 s each: fewer of them
VALIDATING = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _rows(table: str, n: int) -> list[list[str]]:
    with open(SAMPLE / f"{table}.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[: n + 1]


STUDIES = _rows("studies", 2)
MEASUREMENTS = [_rows("measurements", 0)[0], *[r for r in _rows("measurements", 40)[1:] if r[0] in {s[0] for s in STUDIES[1:]}]]


CONFIG = load_config(None, None)


def outcome(path: Path, table: str | None = None, full: bool = False) -> str:
    """'report' or 'input-error'; anything else fails the test. Read and validate; with `full`,
    the whole check (rules and judgements too, ~1 s an example, so for a few examples only)."""
    from ectqa.readers import read
    from ectqa.schema.validate import validate

    try:
        if full:
            report = run_check(path, Options(table=table))
            assert report.exit_code in (0, 1)
            findings = report.findings
        else:
            dataset = read(path, CONFIG, table)
            findings = [*dataset.read_findings, *validate(dataset, CONFIG.dictionary).findings]
    except InputError as exc:
        text = str(exc)
        assert "\n" not in text and text.strip(), text
        assert str(path.name) in text or str(path.parent.name) in text, text
        return "input-error"
    for f in findings:
        assert f.rule and f.message
    return "report"


def _csv_text(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def _folder(tmp: str, studies: bytes | str | None = None, measurements: bytes | str | None = None) -> Path:
    folder = Path(tmp) / "data"
    folder.mkdir()
    for name, content, default in (("studies", studies, STUDIES), ("measurements", measurements, MEASUREMENTS)):
        content = _csv_text(default) if content is None else content
        p = folder / f"{name}.csv"
        p.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return folder


@SETTINGS
@given(st.binary(max_size=3000), st.sampled_from([b"", b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"PK\x05\x06"]))
def test_random_bytes_as_workbook(data, prefix):
    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / "random.xlsx"
        p.write_bytes(prefix + data)
        assert outcome(p) == "input-error"
        assert p.read_bytes() == prefix + data


@VALIDATING
@given(st.binary(max_size=400), st.integers(min_value=0, max_value=4000))
def test_corrupted_workbook(noise, offset):
    """A real workbook with a stretch of its bytes overwritten."""
    base = _workbook_bytes()
    offset = offset % len(base)
    data = base[:offset] + noise + base[offset + len(noise):]
    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / "damaged.xlsx"
        p.write_bytes(data)
        outcome(p)
        assert p.read_bytes() == data


@VALIDATING
@given(st.binary(max_size=3000))
def test_random_bytes_as_csv(data):
    with tempfile.TemporaryDirectory() as tmp:
        folder = _folder(tmp, studies=data)
        outcome(folder)
        assert (folder / "studies.csv").read_bytes() == data


CSV_TOKENS = st.sampled_from(list('abcXYZ019.,;\t"\n\r -µβ') + ["IL-6", "pg/mL", "NA", "ect", "baseline", "1e308", "nan", "inf", "\ufeff", "\x00", "Varga2004"])
CSV_LINE = st.lists(CSV_TOKENS, max_size=30).map("".join)


@VALIDATING
@given(st.lists(CSV_LINE, max_size=20), st.booleans())
def test_random_csv_text(lines, keep_header):
    """Random lines (separators, quotes, newlines) under the real header, or on their own."""
    header = [",".join(MEASUREMENTS[0])] if keep_header else []
    text = "\n".join(header + lines)
    with tempfile.TemporaryDirectory() as tmp:
        folder = _folder(tmp, measurements=text)
        outcome(folder)


CELL = st.one_of(
    st.none(),
    st.text(max_size=20),
    st.integers(min_value=-10**12, max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2100, 1, 1)),
    st.times(),
    st.sampled_from(["=1/0", "=A1", "#N/A", "NR", "n/a", "-", "IL6", "pg/ml", "1,5", "<0.05", " 12 "]),
)


def _clean(v):
    if isinstance(v, float) and not math.isfinite(v):
        return str(v)  # openpyxl cannot store nan/inf as numbers
    if isinstance(v, str):
        return "".join(ch for ch in v if ch == "\t" or ch == "\n" or ord(ch) >= 32)[:20] or None
    return v


def _typed(v: str):
    try:
        f = float(v)
    except ValueError:
        return v or None
    return int(f) if f.is_integer() and "." not in v else f


def _workbook(path: Path, studies, measurements) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in (("studies", studies), ("measurements", measurements)):
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


_BASE: bytes | None = None


def _workbook_bytes() -> bytes:
    global _BASE
    if _BASE is None:
        with tempfile.TemporaryDirectory() as tmp:
            p = _workbook(Path(tmp) / "base.xlsx", [STUDIES[0], *[[_typed(v) for v in r] for r in STUDIES[1:]]],
                          [MEASUREMENTS[0], *[[_typed(v) for v in r] for r in MEASUREMENTS[1:]]])
            _BASE = p.read_bytes()
    return _BASE


@VALIDATING
@given(st.lists(st.tuples(st.booleans(), st.integers(0, 40), st.integers(0, 45), CELL), min_size=1, max_size=25))
def test_random_cell_values(edits):
    studies = [list(STUDIES[0])] + [[_typed(v) for v in r] for r in STUDIES[1:]]
    meas = [list(MEASUREMENTS[0])] + [[_typed(v) for v in r] for r in MEASUREMENTS[1:]]
    for in_studies, row, column, value in edits:
        rows = studies if in_studies else meas
        row = 1 + row % (len(rows) - 1)  # keep the header
        while column >= len(rows[row]):
            rows[row].append(None)
        rows[row][column] = _clean(value)
    with tempfile.TemporaryDirectory() as tmp:
        p = _workbook(Path(tmp) / "cells.xlsx", studies, meas)
        assert outcome(p) == "report"


@VALIDATING
@given(st.lists(st.lists(CELL, max_size=8), max_size=8))
def test_random_sheet_shapes(rows):
    """Anything in place of the studies sheet, header included."""
    rows = [[_clean(v) for v in r] for r in rows]
    with tempfile.TemporaryDirectory() as tmp:
        p = _workbook(Path(tmp) / "shape.xlsx", rows, [MEASUREMENTS[0], *[[_typed(v) for v in r] for r in MEASUREMENTS[1:]]])
        outcome(p)


@VALIDATING
@given(st.binary(max_size=2000))
def test_random_zip_members(data):
    """A workbook whose measurements sheet XML is replaced by random bytes."""
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "src.xlsx"
        src.write_bytes(_workbook_bytes())
        p = Path(tmp) / "member.xlsx"
        with zipfile.ZipFile(src) as zin, zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as zout:
            for info in zin.infolist():
                body = data if info.filename == "xl/worksheets/sheet2.xml" else zin.read(info.filename)
                zout.writestr(info.filename, body)
        outcome(p)


def test_config_loads_in_a_temporary_folder():
    with tempfile.TemporaryDirectory() as tmp:
        assert load_config(None, Path(tmp)).limits["max_rows"] > 0


@pytest.mark.parametrize("table", ["studies", "measurements"])
def test_single_table_random_header(table):
    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / f"{table}.csv"
        p.write_text("a;b;c\n1;2;3\n", encoding="utf-8")
        assert outcome(p, table) == "report"


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(1, 40), st.integers(0, 32), CSV_LINE), min_size=1, max_size=6))
def test_whole_check_on_random_cells(edits):
    """The full pipeline (rules, judgements) on CSV cells replaced by random text."""
    meas = [list(r) for r in MEASUREMENTS]
    for row, column, text in edits:
        meas[row % len(meas) or 1][column % len(meas[0])] = text
    with tempfile.TemporaryDirectory() as tmp:
        folder = _folder(tmp, measurements=_csv_text(meas))
        outcome(folder, full=True)
