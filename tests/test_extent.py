"""The bound on the grid calamine builds (readers/extent.py): never below what calamine builds,
whatever form the sheet XML takes, and exact for the form spreadsheet programs write."""

from __future__ import annotations

import re
import threading
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from ectqa.errors import InputError
from ectqa.readers import container, extent

ROOT = Path(__file__).resolve().parents[1]
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def scan(xml: bytes, window: int | None = None, monkeypatch=None) -> extent.Extent:
    if window is not None:
        monkeypatch.setattr(extent, "WINDOW", window)
    e = extent.Extent(len(xml))
    for i in range(0, len(xml), 1000):  # as zipfile hands it over, in pieces
        e.write(xml[i : i + 1000])
    e.close()
    return e


def sheet(rows: str, worksheet: str = "worksheet", prefix: str = "") -> bytes:
    ns = f"xmlns:{prefix[:-1]}" if prefix else "xmlns"
    return (f'<?xml version="1.0" encoding="UTF-8"?><{prefix}{worksheet} {ns}="{MAIN}">'
            f"<{prefix}sheetData>{rows}</{prefix}sheetData></{prefix}{worksheet}>").encode()


def workbook(path: Path, xml: bytes) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   '<Default Extension="xml" ContentType="application/xml"/>'
                   '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                   '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                   "</Types>")
        z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", f'<?xml version="1.0"?><workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>'
                   '<sheet name="s" sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
        z.writestr("xl/worksheets/sheet1.xml", xml)
    return path


def calamine_grid(path: Path) -> tuple[int, int] | None:
    """Rows and columns of the grid calamine builds (None: it refuses the sheet)."""
    try:
        ws = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("s")
    except Exception:  # noqa: BLE001 -- calamine's errors: it allocates nothing
        return None
    return (ws.end[0] + 1, ws.end[1] + 1) if ws.end is not None else (0, 0)


def assert_bounds_calamine(tmp_path: Path, xml: bytes) -> extent.Extent:
    e = scan(xml)
    grid = calamine_grid(workbook(tmp_path / "w.xlsx", xml))
    if grid is not None:
        assert e.row_bound >= grid[0] and e.column_bound >= grid[1], (grid, e.row_bound, e.column_bound)
    return e


# ---------------------------------------------------------------------------------------------
# the usual form: the same numbers as counting tags and reading every `r="..."`


def usual_numbers(xml: bytes) -> tuple[int, int, int, int]:
    rows = xml.count(b"<row ") + xml.count(b"<row>")
    cells = xml.count(b"<c ") + xml.count(b"<c>") + xml.count(b"<c/")
    max_row = max([int(n) for n in re.findall(rb'<row\b[^>]*?\br="(\d+)"', xml)] + [rows])
    letters = re.findall(rb'<c\b[^>]*?\br="([A-Z]+)\d', xml)
    max_col = max((extent.column_number(x) for x in letters), default=0)
    return rows, cells, max_row, max_col


@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"])
def test_sample_workbook_usual_numbers(part):
    with zipfile.ZipFile(ROOT / "sample_data" / "extraction.xlsx") as z:
        xml = z.read(part)
    e = scan(xml)
    assert (e.rows, e.cells, e.row_bound, e.column_bound) == usual_numbers(xml)
    assert e.markers == {m for m in container.SCAN_MARKERS if (m in xml if m != b's="' else re.search(rb'\Ws="\d', xml))}


def test_markers_of_an_openpyxl_sheet_with_everything(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "s"
    ws.append(["a", "b"])
    ws.append([1.25, "=1/0"])
    ws["A2"].number_format = "0.00"
    ws.row_dimensions[2].hidden = True
    wb.save(tmp_path / "w.xlsx")
    with zipfile.ZipFile(tmp_path / "w.xlsx") as z:
        xml = z.read("xl/worksheets/sheet1.xml")
    assert scan(xml).markers == {b"hidden=", b"<f", b's="'}
    assert scan(xml.replace(b"<c ", b'<c t="e" ', 1)).markers == {b"hidden=", b"<f", b's="', b't="e"'}


@pytest.mark.parametrize("window", [16, 61, 200, 4096])
def test_windows_change_nothing(monkeypatch, window):
    """Tags, values and runs cut at any window boundary count once."""
    cells = "".join(f'<c r="{col}{row}"><v>1</v></c>' for row in range(1, 40) for col in ("A", "Z", "AB"))
    rows = "".join(f'<row r="{r}">' + "<c><v>1</v></c>" * (r % 7) + "</row>" for r in range(1, 60))
    odd = "<x:row r = '70'><x:c  r =\n 'BC70' s=\"3\"><x:v>1</x:v></x:c></x:row>"
    xml = sheet(f'<row r="1">{cells}</row>{rows}{odd}<row hidden="1"><c r="c99" t="e"><f>1/0</f></c></row>')
    whole = scan(xml, 1 << 20, monkeypatch)
    cut = scan(xml, window, monkeypatch)
    fields = ("rows", "cells", "max_row", "max_col", "rows_without_r", "longest_run", "markers")
    assert [getattr(cut, f) for f in fields] == [getattr(whole, f) for f in fields]
    assert whole.row_bound >= 99 and whole.column_bound >= 55  # BC: column 55


# ---------------------------------------------------------------------------------------------
# other forms, all read by calamine: the bound covers them


FORMS = {
    "single quotes": "<row r='50'><c r='BZ50'><v>1</v></c></row>",
    "blanks around =": '<row r = "50"><c r\t=\n"BZ50"><v>1</v></c></row>',
    "long blanks": f'<row r="50"><c r{" " * 100}={" " * 70}"BZ50"><v>1</v></c></row>',
    "prefixed tags": f'<x:row r="50" xmlns:x="{MAIN}"><x:c r="BZ50"><x:v>1</x:v></x:c></x:row>',
    "cell below a row without r": '<row><c r="BZ50"><v>1</v></c></row>',
    "lower case": '<row r="50"><c r="bz50"><v>1</v></c></row>',
    "five letters": '<row r="50"><c r="AAAAA50"><v>1</v></c></row>',
    "no blank before r": '<row r="50"><c t="n"r="BZ50"><v>1</v></c></row>',
    "r not first": '<row r="50"><c s="0" t="n" r="BZ50"><v>1</v></c></row>',
    "cells without r": '<row r="50">' + "<c><v>1</v></c>" * 78 + "</row>",
    "cells without r after one with": '<row r="50"><c r="BA50"><v>1</v></c>' + "<c><v>1</v></c>" * 30 + "</row>",
    "prefixed cells without r": f'<x:row r="50" xmlns:x="{MAIN}">' + "<x:c><x:v>1</x:v></x:c>" * 78 + "</x:row>",
    "rows without r": '<row r="40"><c r="A40"><v>1</v></c></row>' + '<row><c r="B1"><v>1</v></c></row>' * 3 + "<row><c><v>2</v></c></row>",
    "out of order": '<row r="90"><c r="CZ90"><v>1</v></c><c r="A90"><v>1</v></c></row><row r="5"><c r="B5"><v>1</v></c></row>',
    "a > in a value": '<row r="50"><c foo=">" r="BZ50"><v>1</v></c></row>',
}


@pytest.mark.parametrize("form", list(FORMS))
def test_other_forms_are_bounded(tmp_path, form):
    e = assert_bounds_calamine(tmp_path, sheet(FORMS[form]))
    assert e.row_bound >= 40 and not e.unusual


def test_prefixed_worksheet_counts_like_the_usual_one():
    usual = scan(sheet('<row r="3"><c r="B3"><v>1</v></c><c><v>2</v></c></row><row><c><v>1</v></c></row>'))
    prefixed = scan(sheet('<x:row r="3"><x:c r="B3"><x:v>1</x:v></x:c><x:c><x:v>2</x:v></x:c></x:row>'
                          "<x:row><x:c><x:v>1</x:v></x:c></x:row>", prefix="x:"))
    fields = ("rows", "cells", "max_row", "max_col", "rows_without_r", "longest_run")
    assert [getattr(prefixed, f) for f in fields] == [getattr(usual, f) for f in fields]


def test_a_prefix_too_long_to_follow_is_unusual():
    long = "p" * 40
    assert scan(sheet(f'<{long}:c r="A1" xmlns:{long}="{MAIN}"/>')).unusual
    assert not scan(sheet(f'<{long[:20]}:c r="A1" xmlns:{long[:20]}="{MAIN}"/>')).unusual


def test_text_that_looks_like_a_reference_only_raises_the_bound():
    e = scan(sheet('<row r="2"><c r="A2" t="inlineStr"><is><t>x r="C7"</t></is></c></row>'))
    assert (e.row_bound, e.column_bound) == (7, 3)


def test_values_calamine_refuses_are_not_positions(tmp_path):
    xml = sheet('<row r="2"><c r="A2"><v>1</v></c><c r="B2x"><v>1</v></c></row>')
    assert calamine_grid(workbook(tmp_path / "w.xlsx", xml)) is None
    assert (scan(xml).row_bound, scan(xml).column_bound) == (2, 1)


CELL = st.tuples(
    st.integers(1, 60), st.integers(1, 80),
    st.sampled_from(['r="{ref}"', "r='{ref}'", 'r = "{ref}"', 's="1" r="{ref}"', "", 'r="{lower}"']),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(st.sampled_from(['r="{n}"', "", "r='{n}'"]), st.lists(CELL, max_size=6)), max_size=12),
       prefix=st.sampled_from(["", "x:"]))
def test_bound_is_never_below_calamine(tmp_path, rows, prefix):
    from ectqa.findings import column_letter

    parts = []
    for n, (row_form, cells) in enumerate(rows, start=1):
        inner = []
        for r, c, form in cells:
            ref = f"{column_letter(c - 1)}{r}"
            attrs = form.format(ref=ref, lower=ref.lower())
            inner.append(f"<{prefix}c {attrs}><{prefix}v>1</{prefix}v></{prefix}c>")
        parts.append(f"<{prefix}row {row_form.format(n=n)}>{''.join(inner)}</{prefix}row>")
    assert_bounds_calamine(tmp_path, sheet("".join(parts), prefix=prefix))


# ---------------------------------------------------------------------------------------------
# the guard on a whole workbook


@pytest.mark.parametrize("far", [
    "<row r='60000'><c r='CV60000'><v>1</v></c></row>",
    f'<x:row r="60000" xmlns:x="{MAIN}"><x:c r="CV60000"><x:v>1</x:v></x:c></x:row>',
    '<row><c r="CV60000"><v>1</v></c></row>',
    '<row r="60000"><c r="A60000"><v>1</v></c>' + "<c><v>1</v></c>" * 99 + "</row>",
])
def test_guard_refuses_a_sparse_grid_in_any_form(tmp_path, far):
    """60,000 rows by 100 columns: a dense grid of 6 million cells for a handful of values."""
    p = workbook(tmp_path / "far.xlsx", sheet('<row r="1"><c r="A1"><v>1</v></c></row>' + far))
    with zipfile.ZipFile(p) as zf, pytest.raises(InputError, match=r"spans A1:CV60000 but holds only"):
        container.measure_sheet(p, zf, "xl/worksheets/sheet1.xml", "s", 1_000_000)


def test_guard_refuses_a_long_prefix(tmp_path):
    long = "p" * 40
    p = workbook(tmp_path / "odd.xlsx", sheet(f'<{long}:c r="A1" xmlns:{long}="{MAIN}"><v>1</v></{long}:c>'))
    with zipfile.ZipFile(p) as zf, pytest.raises(InputError, match="a form no spreadsheet program writes"):
        container.measure_sheet(p, zf, "xl/worksheets/sheet1.xml", "s", 1_000_000)


def test_guard_counts_rows_of_cells_without_row_numbers(tmp_path):
    p = workbook(tmp_path / "rows.xlsx", sheet('<row><c r="A50"><v>1</v></c></row>'))
    with zipfile.ZipFile(p) as zf, pytest.raises(InputError, match="more than 20 rows"):
        container.measure_sheet(p, zf, "xl/worksheets/sheet1.xml", "s", 20)


def many_rows(n: int) -> bytes:
    return sheet("".join(f'<row r="{r}"><c r="A{r}" s="1"><v>1</v></c><c r="B{r}" t="e"><v>#N/A</v></c></row>'
                         for r in range(1, n + 1)))


def stored(path: Path, xml: bytes) -> Path:
    """The workbook with its sheet stored, not deflated, so its bytes can be altered in place."""
    workbook(path, b"")
    with zipfile.ZipFile(path, "a", zipfile.ZIP_STORED) as z:
        z.writestr("xl/worksheets/sheet2.xml", xml)
    return path


def measure(path: Path, max_rows: int = 1_000_000, part: str = "xl/worksheets/sheet1.xml") -> container.Marks | None:
    with zipfile.ZipFile(path) as zf:
        return container.measure_sheet(path, zf, part, "s", max_rows)


def test_guard_counts_as_the_sheet_is_inflated_in_pieces(tmp_path, monkeypatch):
    """Inflated in a thread a piece at a time, counted a window at a time: as counted in one go."""
    xml = many_rows(400)
    p = workbook(tmp_path / "w.xlsx", xml)
    whole = measure(p)
    monkeypatch.setattr(container, "CHUNK", 700)
    monkeypatch.setattr(extent, "WINDOW", 1000)
    cut = measure(p)
    assert cut is not None and whole is not None
    assert cut.markers == whole.markers == {b's="', b't="e"'}
    assert [c.tolist() for c in cut.styles] == [c.tolist() for c in whole.styles]
    assert cut.styles[0].tolist() == list(range(1, 401))


def test_guard_refusing_midway_stops_inflating(tmp_path, monkeypatch):
    monkeypatch.setattr(container, "CHUNK", 700)
    monkeypatch.setattr(extent, "WINDOW", 1000)
    p = workbook(tmp_path / "w.xlsx", many_rows(400))
    with pytest.raises(InputError, match="more than 100 rows"):
        measure(p, max_rows=100)
    assert not any(t.name == "ectqa-inflate" for t in threading.enumerate())


def test_guard_refuses_a_sheet_corrupt_past_its_first_pieces(tmp_path, monkeypatch):
    """The CRC, checked at the end of the inflating thread's reading, refuses the sheet."""
    monkeypatch.setattr(container, "CHUNK", 700)
    xml = many_rows(400)
    p = stored(tmp_path / "w.xlsx", xml)
    data = p.read_bytes()
    at = data.index(xml) + len(xml) // 2
    p.write_bytes(data[:at] + (b"2" if data[at:at + 1] != b"2" else b"3") + data[at + 1:])
    with pytest.raises(InputError, match="truncated or corrupt"):
        measure(p, part="xl/worksheets/sheet2.xml")
    assert not any(t.name == "ectqa-inflate" for t in threading.enumerate())


# ---------------------------------------------------------------------------------------------
# cell styles for the side-scan


def test_cell_styles_as_spreadsheet_programs_write_them():
    xml = sheet('<row r="2" s="9" customFormat="1"><c r="B2" s="3" t="n"><v>1.5</v></c><c r="C2"><v>2</v></c>'
                '<c r="AB2" s="12"><v>3</v></c></row><row r="3"><c r="C3" s="4"><v>1</v></c></row>')
    rows, cols, styles = scan(xml).cell_styles()
    # the row's style is not a cell's
    assert list(zip(rows.tolist(), cols.tolist(), styles.tolist())) == [(2, 2, 3), (2, 28, 12), (3, 3, 4)]


@pytest.mark.parametrize("cell", ['<c r="B2" t="n" s="3"><v>1</v></c>', '<c s="3" r="B2"><v>1</v></c>',
                                  '<c r="B2" s="3x" s="4"><v>1</v></c>', '<c r="b2" s="3"><v>1</v></c>'])
def test_cell_styles_written_otherwise_are_left_to_the_side_scan(cell):
    assert scan(sheet(f'<row r="2">{cell}</row>')).cell_styles() is None


def test_cell_styles_of_prefixed_cells_are_left_to_the_side_scan():
    assert scan(sheet('<x:row r="2"><x:c r="B2" s="3"><x:v>1</x:v></x:c></x:row>', prefix="x:")).cell_styles() is None


def test_no_cell_styles():
    rows, cols, styles = scan(sheet('<row r="2"><c r="B2"><v>1</v></c></row>')).cell_styles()
    assert len(rows) == len(cols) == len(styles) == 0


@pytest.mark.parametrize("window", [16, 61, 200, 4096])
def test_cell_styles_whatever_the_windows(monkeypatch, window):
    cells = "".join(f'<row r="{r}" s="1" customFormat="1"><c r="A{r}" s="{r % 5}"><v>1</v></c><c r="C{r}"><v>2</v></c>'
                    f'<c r="AB{r}" s="{r % 3 + 7}" t="n"><v>3</v></c></row>' for r in range(1, 80))
    whole = scan(sheet(cells), 1 << 20, monkeypatch).cell_styles()
    cut = scan(sheet(cells), window, monkeypatch).cell_styles()
    assert whole is not None and cut is not None
    assert [a.tolist() for a in cut] == [a.tolist() for a in whole]
    assert len(whole[0]) == 2 * 79


@pytest.mark.parametrize("cell", [f'<c r{" " * 40}="A1"/>', '<c r="AAAAA1"/>'])
def test_many_slow_cases_make_a_sheet_crafted(monkeypatch, cell):
    """Blanks past the look-around, or references longer than any sheet's, are read one by one:
    a sheet with more of them than ODD_LIMIT is refused rather than read slowly."""
    monkeypatch.setattr(extent, "ODD_LIMIT", 10)
    assert not scan(sheet(cell * 10)).unusual
    assert scan(sheet(cell * 11)).unusual
