"""Putting values from the data into spreadsheet cells without turning them into formulas.

A cell of an extraction workbook can hold any text, including text that a spreadsheet would run
as a formula (`=HYPERLINK(...)`, `+1`, `@SUM(...)`, a leading tab or carriage return: CSV or
formula injection). openpyxl writes every str that starts with `=` as a formula, so every value
from the data goes into a cell through `put` / `safe_cell`:

- numbers stay numbers (negative numbers included), NaN and infinities become empty;
- text that starts with one of `TRIGGERS` is written as text (`data_type = "s"`) with Excel's
  quote prefix, so it shows as written and is never evaluated, not even after editing the cell;
- characters that XML cannot hold (control characters other than tab, LF, CR) are shown as
  `\\xNN`, and text longer than a cell can hold is cut with a marker.

`csv_text` does the same job for CSV cells (robvis export): a leading `'` before a trigger.
Nothing here imports openpyxl; the callers do.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from pathlib import Path
from typing import Any

from ..findings import python_scalar

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
MAX_CELL_TEXT = 32_767  # Excel's limit for one cell
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean_text(text: str, limit: int = MAX_CELL_TEXT) -> str:
    """Text an .xlsx can hold: illegal XML characters shown as \\xNN, cut at `limit`."""
    if _ILLEGAL.search(text):
        text = _ILLEGAL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    if len(text) > limit:
        marker = " [... cut by ectqa]"
        text = text[: limit - len(marker)] + marker
    return text


def is_formula_like(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(TRIGGERS)


def safe_cell(value: Any) -> Any:
    """A value from the data as a cell should hold it: numbers as numbers, text as clean text.

    The result is what to assign; text for which `is_formula_like` is true must still be marked
    as text on its cell, which `put` does (openpyxl would make a formula of `=...`).
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    value = python_scalar(value)  # numpy scalars -> python
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value if abs(value) < 10**15 else str(value)  # Excel keeps 15 digits
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return value
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return value
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        value = str(value)
    return clean_text(value)


def mark_text(cell: Any) -> None:
    """Make an openpyxl cell holding formula-like text a text cell, shown with a quote prefix."""
    cell.data_type = "s"
    cell.quotePrefix = True


def put(cell: Any, value: Any) -> Any:
    """Assign a value from the data to an openpyxl cell safely; returns the cell."""
    value = safe_cell(value)
    cell.value = value
    if is_formula_like(value):
        mark_text(cell)
    return cell


def write_row(ws: Any, row: int, values: list[Any], start_column: int = 1) -> list[Any]:
    """Put `values` in `row` from `start_column`; returns the cells."""
    return [put(ws.cell(row=row, column=start_column + i), v) for i, v in enumerate(values)]


def csv_text(value: Any) -> str:
    """A CSV cell that no spreadsheet will run: text starting with a trigger gets a leading '."""
    value = safe_cell(value)
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    if text.startswith(TRIGGERS) and not _is_number(value):
        return "'" + text
    return text


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def refuse_input_as_output(report: Any, path: Path, what: str) -> None:
    """An output must never replace an input (the input is never touched)."""
    from ..errors import InputError

    target = Path(path)
    for name in _input_files(report):
        src = Path(name)
        try:
            same = target.exists() and src.exists() and target.samefile(src)
        except OSError:
            same = False
        if same or target.resolve() == src.resolve():
            raise InputError(f"{path}: this is an input of the check; write the {what} to another file")


def _input_files(report: Any) -> list[str]:
    files: list[str] = list(getattr(report, "inputs", []) or [])
    datasets = getattr(report, "datasets", None) or [getattr(report, "dataset", None)]
    for ds in datasets:
        if ds is None:
            continue
        files.append(str(ds.path))
        for t in ds.tables.values():
            if t.source_path is not None:
                files.append(str(t.source_path))
    return list(dict.fromkeys(files))
