"""`--annotate COPY.xlsx`: a copy of the input with every finding on its cell.

Each cell with findings gets a comment (rule, severity, message; an existing comment is kept
above ectqa's) and a fill by its worst severity; nothing else of the workbook changes: sheets,
values, formulas, number formats and fonts stay as they were (openpyxl keeps what it can read;
charts, images and Excel extensions openpyxl does not know are not carried over). An .xlsm is loaded with its macros kept when the copy is
also .xlsm; a copy named .xlsx gets no macros (Excel refuses an .xlsx that holds them).

For an .ods workbook or a folder of CSV files the copy is a new workbook of the two tables, one
sheet per table, the header on row 1 and every record on the row the findings name (for CSV, the
line on which the record starts), so that `row` in every report is the row in the copy.

A finding without a cell goes on the first cell of its row (a row-level finding without a
column), on the header row's first cell of its table (table-level), or on the first cell of the
first table's sheet (file-level). The input is never written; the copy is written atomically.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

from ..findings import SEVERITY_RANK
from .excel_safe import clean_text, put, refuse_input_as_output

AUTHOR = "ectqa"
MAX_FINDINGS_PER_COMMENT = 20
_NUMBER = re.compile(r"^-?(?:0|[1-9]\d*)(?:[.,](\d+))?$")


def write_annotated(report, path: Path) -> None:
    from ..errors import InputError
    from ..outputs import atomic_write

    if getattr(report, "datasets", None) and len(report.datasets) > 1:
        raise InputError("--annotate works on one input at a time; give one PATH")
    refuse_input_as_output(report, path, "annotated copy")
    ds = report.dataset
    path = Path(path)
    source = Path(ds.path)
    if ds.kind == "workbook" and source.suffix.lower() in (".xlsx", ".xlsm"):
        wb = _load_copy(source, keep_vba=source.suffix.lower() == ".xlsm" and path.suffix.lower() == ".xlsm")
        placed = _annotate(wb, report, ds, by_sheet=True)
    else:
        wb = _rebuild(ds)
        placed = _annotate(wb, report, ds, by_sheet=False)
    del placed
    atomic_write(path, lambda tmp: wb.save(tmp))


def _load_copy(source: Path, keep_vba: bool):
    import warnings

    import openpyxl

    from ..errors import InputError

    try:
        with warnings.catch_warnings():
            # openpyxl warns of the Excel extensions it drops (see the module docstring)
            warnings.simplefilter("ignore", UserWarning)
            return openpyxl.load_workbook(source, keep_vba=keep_vba, rich_text=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types for files calamine could read
        raise InputError(f"{source}: cannot open the workbook to annotate a copy ({type(exc).__name__}); "
                         "save it again as .xlsx and retry") from None


def _rebuild(ds):
    """A new workbook of the dataset's tables, every value on the row and column it was read from."""
    from openpyxl import Workbook
    from openpyxl.utils import column_index_from_string

    wb = Workbook()
    wb.remove(wb.active)
    decimal_comma = any(getattr(t, "decimal_comma", False) for t in ds.tables.values())
    for name, t in ds.tables.items():
        ws = wb.create_sheet(_sheet_title(t.sheet or name))
        columns = [(c, column_index_from_string(t.letters[c])) for c in t.raw.columns if c in t.letters]
        for c, idx in columns:
            put(ws.cell(row=1, column=idx), t.headers.get(c, c))
        rows = t.rows.tolist()
        for c, idx in columns:
            values = t.raw[c].tolist()
            for r, v in zip(rows, values):
                if v is None or (isinstance(v, float) and math.isnan(v)):
                    continue
                cell = ws.cell(row=r, column=idx)
                if t.sheet is None and isinstance(v, str):
                    number = _csv_number(v, decimal_comma)
                    if number is not None:
                        cell.value, cell.number_format = number
                        continue
                put(cell, v)
        ws.freeze_panes = "A2"
    return wb


def _csv_number(text: str, decimal_comma: bool) -> tuple[Any, str] | None:
    """A number written in a CSV as a number (the decimals it shows kept as a format), else None."""
    m = _NUMBER.match(text)
    if not m:
        return None
    sep = "," if decimal_comma else "."
    if m.group(1) is not None and sep not in text:
        return None
    decimals = len(m.group(1) or "")
    value: Any = float(text.replace(",", ".")) if decimals else int(text)
    return value, ("0." + "0" * decimals) if decimals else "0"


def _sheet_title(name: str) -> str:
    title = re.sub(r"[\[\]:*?/\\]", "_", name)[:31]
    return title or "sheet"


def _location(f, ds, wb, by_sheet: bool) -> tuple[str, str]:
    """(sheet title, cell) where a finding goes in the copy."""
    from openpyxl.utils import column_index_from_string, get_column_letter

    t = ds.tables.get(f.table) if f.table else None
    title = None
    if t is not None:
        title = t.sheet if by_sheet else _sheet_title(t.sheet or t.name)
    if by_sheet and f.cell and "!" in f.cell:
        sheet, ref = f.cell.rsplit("!", 1)
        if sheet in wb.sheetnames:
            return sheet, ref
    if title is None or title not in wb.sheetnames:
        return wb.sheetnames[0], "A1"
    if f.row is not None and f.column is not None and f.column in t.letters:
        return title, f"{t.letters[f.column]}{f.row}"
    if f.row is not None and f.row > 1:
        # a row-level finding without a column: the row's first used cell
        first = min((column_index_from_string(v) for v in t.letters.values()), default=1)
        return title, f"{get_column_letter(first)}{f.row}"
    return title, "A1"


def _annotate(wb, report, ds, by_sheet: bool) -> int:
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    from .excel import SEVERITY_COLOURS

    fills = {s: PatternFill("solid", start_color=c[0], end_color=c[0]) for s, c in SEVERITY_COLOURS.items()}
    at: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for f in report.findings:
        at[_location(f, ds, wb, by_sheet)].append(f)
    for (sheet, ref), items in at.items():
        ws = wb[sheet]
        cell = _anchor(ws, ref)
        items.sort(key=lambda f: (-SEVERITY_RANK.get(f.severity, 0), f.rule))
        lines = []
        for f in items[:MAX_FINDINGS_PER_COMMENT]:
            waived = f" (waived: {f.waiver_reason})" if f.waived else ""
            scope = _scope(f) if f.level in ("table", "file") or f.row is None else ""
            lines.append(f"{f.rule} ({f.severity}){scope}: {f.message}{waived}")
        if len(items) > MAX_FINDINGS_PER_COMMENT:
            lines.append(f"+{len(items) - MAX_FINDINGS_PER_COMMENT} more (see the ectqa report)")
        text = "ectqa:\n" + "\n".join(lines)
        old = cell.comment
        if old is not None and old.text:
            text = f"{old.text}\n\n{text}"
        comment = Comment(clean_text(text, 8000), AUTHOR)
        comment.width = 400
        comment.height = min(500, 30 + 15 * sum(1 + len(line) // 60 for line in text.split("\n")))
        cell.comment = comment
        worst = items[0].severity
        cell.fill = fills.get(worst, fills["info"])
    return len(at)


def _anchor(ws, ref: str):
    """The cell itself, or the top-left cell of the merged range it is part of."""
    for rng in ws.merged_cells.ranges:
        if ref in rng:
            return ws.cell(row=rng.min_row, column=rng.min_col)
    return ws[ref]


def _scope(f) -> str:
    return f" [{f.level or 'table'}: {f.table or f.file}]"
