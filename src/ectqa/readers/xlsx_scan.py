"""What calamine does not tell: error cells, formulas without a cached value, hidden rows and
columns, and the number formats that show a value's reported precision.

One pass over each read sheet's XML, with byte searches first so that a sheet without formulas,
errors or hidden rows costs one inflate and a few `in` tests. Small XML parts (workbook, rels,
styles) go through defusedxml, which refuses entity expansion.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..findings import Finding
from .extent import column_number

if TYPE_CHECKING:
    from ..dataset import Dataset, TableData
    from .container import Marks

NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
NS_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"

# columns whose reported precision matters (number forensics)
PRECISION_COLUMNS = {
    "studies": ("female_pct", "age_mean", "age_sd"),
    "measurements": ("mean", "sd", "se", "median", "q1", "q3", "min", "max", "ci_lower", "ci_upper",
                     "p_value", "test_statistic"),
}
BUILTIN_DECIMALS = {0: None, 1: 0, 2: 2, 3: 0, 4: 2, 9: 0, 10: 2, 11: 2, 12: None, 13: None,
                    37: 0, 38: 0, 39: 2, 40: 2, 48: 1, 49: None}

_CELL = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.DOTALL)
_REF = re.compile(rb'\br="([A-Z]+)(\d+)"')
_STYLE = re.compile(rb'\bs="(\d+)"')
_HIDDEN_ROW = re.compile(rb'<row\b[^>]*?\br="(\d+)"[^>]*?\bhidden="(?:1|true)"|<row\b[^>]*?\bhidden="(?:1|true)"[^>]*?\br="(\d+)"')
_HIDDEN_COL = re.compile(rb'<col\b([^>]*?\bhidden="(?:1|true)"[^>]*?)/?>')
_ATTR = re.compile(rb'\b(min|max)="(\d+)"')
_VALUE = re.compile(rb"<v>([^<]*)</v>")


def _parse(data: bytes):
    from defusedxml import ElementTree

    return ElementTree.fromstring(data)


def sheet_paths(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> its XML part, from workbook.xml and its relationships."""
    try:
        workbook = _parse(zf.read("xl/workbook.xml"))
        rels = _parse(zf.read("xl/_rels/workbook.xml.rels"))
    except KeyError:
        return {}
    targets = {r.get("Id"): r.get("Target") for r in rels.iter(f"{NS_PKG}Relationship")}
    out = {}
    for sheet in workbook.iter(f"{NS_MAIN}sheet"):
        target = targets.get(sheet.get(f"{NS_REL}id"))
        if target:
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            out[sheet.get("name")] = path
    return out


def style_decimals(zf: zipfile.ZipFile) -> list[int | None]:
    """Per cell style index (the `s` attribute): decimals its number format shows, None if unknown."""
    from ..forensics.precision import decimals_of_number_format

    try:
        styles = _parse(zf.read("xl/styles.xml"))
    except KeyError:
        return []
    custom = {int(f.get("numFmtId")): f.get("formatCode") for f in styles.iter(f"{NS_MAIN}numFmt")}
    out: list[int | None] = []
    xfs = styles.find(f"{NS_MAIN}cellXfs")
    if xfs is None:
        return out
    for xf in xfs.findall(f"{NS_MAIN}xf"):
        fmt_id = int(xf.get("numFmtId", "0"))
        if fmt_id in custom:
            out.append(decimals_of_number_format(custom[fmt_id]))
        else:
            out.append(BUILTIN_DECIMALS.get(fmt_id))
    return out


class SideScan:
    """What calamine does not tell, from a workbook's XML, a table at a time as each is read:
    hidden rows and columns, formulas without a saved result, error cells, and the decimals each
    cell's number format shows. One open zip for all the tables; its list of sheets and its
    styles are read once.

    `marks`: per sheet part, what the guard's pass over it saw (container.Marks); a sheet in
    which it saw no hidden rows, formulas or error cells, and whose cell styles it read, is not
    inflated again."""

    def __init__(self, path: Path, marks: dict[str, Marks | None] | None = None) -> None:
        self.path = path
        self.marks = marks or {}
        self._zf: zipfile.ZipFile | None = None
        self._parts: dict[str, str] | None = None
        self._decimals: list[int | None] | None = None

    def table(self, dataset: Dataset, table: TableData) -> None:
        """The side-scan's findings on `table` (into dataset.read_findings) and its cells'
        decimals (table.number_formats)."""
        if self.path.suffix.lower() == ".ods":
            return
        import zlib

        from ..errors import InputError

        try:
            if self._zf is None:
                try:
                    self._zf = zipfile.ZipFile(self.path)
                except (zipfile.BadZipFile, OSError):
                    return
                self._parts = sheet_paths(self._zf)
            self._scan(dataset, table)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            raise InputError(
                f"{self.path}: the workbook is truncated or corrupt ({exc}); save it again or restore a copy"
            ) from None

    def close(self) -> None:
        if self._zf is not None:
            self._zf.close()

    def _scan(self, dataset: Dataset, table: TableData) -> None:
        zf, parts = self._zf, self._parts or {}
        assert zf is not None
        part = parts.get(table.sheet or "")
        if not part:
            return
        mark = self.marks.get(part)
        seen = mark.markers if mark is not None else None
        wanted = [c for c in PRECISION_COLUMNS.get(table.name, ()) if c in table.letters]
        if seen is not None and not seen:
            # no hidden rows or columns, formulas, error cells or cell styles: nothing to find
            if wanted:
                table.number_formats.update({c: np.full(len(table.rows), -1, dtype=np.int64) for c in wanted})
            return
        styles = mark.styles if mark is not None else None
        data = None
        if seen is None or any(m in seen for m in _LOOKED_FOR) or (wanted and styles is None):
            try:
                data = zf.read(part)
            except KeyError:
                return
            if seen is None:
                seen = frozenset(m for m in _LOOKED_FOR if m in data)
            if b"hidden=" in seen:
                dataset.read_findings.extend(_hidden(data, table))
            if b"<f" in seen or b't="e"' in seen:
                dataset.read_findings.extend(_formulas_and_errors(data, table))
        if wanted:
            decimals = self._style_decimals()
            if styles is not None:
                table.number_formats.update(_formats_of_styles(styles, table, wanted, decimals))
            else:
                table.number_formats.update(_number_formats(data or b"", table, wanted, decimals))

    def _style_decimals(self) -> list[int | None]:
        if self._decimals is None:
            assert self._zf is not None
            try:
                self._decimals = style_decimals(self._zf)
            except (zipfile.BadZipFile, OSError):
                raise
            except Exception:  # noqa: BLE001 -- a broken or hostile styles.xml: precision stays unknown
                self._decimals = []
        return self._decimals


_LOOKED_FOR = (b"hidden=", b"<f", b't="e"')


def _position(table: TableData, row: int) -> int | None:
    pos = int(np.searchsorted(table.rows, row))
    if pos < len(table.rows) and table.rows[pos] == row:
        return pos
    return None


def _column_of_letter(table: TableData) -> dict[str, str]:
    return {letter: col for col, letter in table.letters.items()}


def _hidden(data: bytes, table: TableData) -> list[Finding]:
    if b"hidden=" not in data:
        return []
    out = []
    rows = sorted(int(a or b) for a, b in _HIDDEN_ROW.findall(data))
    if rows:
        shown = ", ".join(str(r) for r in rows[:10]) + (f" and {len(rows) - 10} more" if len(rows) > 10 else "")
        out.append(
            Finding(
                rule="schema/hidden-content",
                severity="info",
                message=f"{len(rows)} hidden row(s) in sheet '{table.sheet}' were read: {shown}",
                level="table",
                file=table.file,
                table=table.name,
                row=rows[0],
                cell=f"{table.sheet}!A{rows[0]}",
            )
        )
    cols = []
    for attrs in _HIDDEN_COL.findall(data):
        bounds = dict(_ATTR.findall(attrs))
        if b"min" in bounds:
            cols.append((int(bounds[b"min"]), int(bounds.get(b"max", bounds[b"min"]))))
    if cols:
        from ..findings import column_letter

        names = [column_letter(a - 1) + ("" if a == b else f":{column_letter(b - 1)}") for a, b in cols]
        out.append(
            Finding(
                rule="schema/hidden-content",
                severity="info",
                message=f"hidden column(s) {', '.join(names)} in sheet '{table.sheet}' were read",
                level="table",
                file=table.file,
                table=table.name,
                row=1,
            )
        )
    return out


def _formulas_and_errors(data: bytes, table: TableData) -> list[Finding]:
    out = []
    by_letter = _column_of_letter(table)
    for attrs, body in _CELL.findall(data):
        is_error = b't="e"' in attrs
        has_formula = body is not None and b"<f" in body
        if not (is_error or has_formula):
            continue
        ref = _REF.search(attrs)
        if not ref:
            continue
        letter, row = ref.group(1).decode(), int(ref.group(2))
        column = by_letter.get(letter)
        pos = _position(table, row)
        if column is None:
            continue
        value = _VALUE.search(body or b"")
        cached = value.group(1).decode("utf-8", "replace") if value else ""
        if is_error:
            rule, message = "schema/excel-error", f"{column} holds the Excel error {cached or '#ERROR'}; fix the formula or type the value"
        elif not cached:
            rule, message = (
                "schema/formula-no-value",
                f"{column} holds a formula with no saved result; open the file in Excel or LibreOffice, let it calculate, and save",
            )
        else:
            continue
        if pos is not None:
            table.flagged_cells.add((pos, column))
        out.append(
            Finding(
                rule=rule,
                severity="error",
                message=message,
                level="row",
                file=table.file,
                table=table.name,
                row=row,
                column=column,
                cell=f"{table.sheet}!{letter}{row}",
                value=cached or None,
            )
        )
    return out


def _number_formats(data: bytes, table: TableData, columns: list[str], style_dec: list[int | None]) -> dict[str, np.ndarray]:
    """Decimals shown by each cell's number format, per column (-1 where unknown)."""
    out = {c: np.full(len(table.rows), -1, dtype=np.int64) for c in columns}
    # only styles whose format shows a precision can set anything; a sheet none of whose cells
    # use one (no `s="k"` for such a k anywhere in its bytes) needs no scan of its cells
    useful = [i for i, d in enumerate(style_dec) if d is not None]
    if not any(b's="%d"' % i in data for i in useful):
        return out
    letters = {table.letters[c]: c for c in columns}
    pattern = re.compile(rb'<c r="(' + b"|".join(l.encode() for l in letters) + rb')(\d+)"([^>]*)>')
    row_lookup = {int(r): i for i, r in enumerate(table.rows.tolist())}
    for letter, row, rest in pattern.findall(data):
        pos = row_lookup.get(int(row))
        if pos is None:
            continue
        style = _STYLE.search(rest)
        if not style:
            continue
        idx = int(style.group(1))
        dec = style_dec[idx] if idx < len(style_dec) else None
        if dec is not None:
            out[letters[letter.decode()]][pos] = dec
    return out


def _formats_of_styles(styles: tuple[np.ndarray, np.ndarray, np.ndarray], table: TableData, columns: list[str],
                       style_dec: list[int | None]) -> dict[str, np.ndarray]:
    """As `_number_formats`, from the guard's row, column and style of each styled cell."""
    out = {c: np.full(len(table.rows), -1, dtype=np.int64) for c in columns}
    rows, cols, style = styles
    decimals = np.array([-1 if d is None else d for d in style_dec], dtype=np.int64)
    known = style < len(decimals)
    rows, cols, dec = rows[known], cols[known], decimals[style[known]]
    pos = np.searchsorted(table.rows, rows)
    found = (dec >= 0) & (pos < len(table.rows))
    found[found] = table.rows[pos[found]] == rows[found]
    for column in columns:
        here = found & (cols == column_number(table.letters[column].encode()))
        out[column][pos[here]] = dec[here]
    return out
