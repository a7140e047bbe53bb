"""Workbooks (.xlsx, .xlsm, .ods) through python-calamine, a fast Rust reader.

The file is treated as hostile: its container is checked before any parsing (empty, not a zip,
encrypted or legacy OLE2, declared inflated size beyond the limit), rows are counted while
reading, and XML is parsed by calamine (which expands no entities) or defusedxml.
"""

from __future__ import annotations

import datetime as _dt
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..dataset import Dataset, TableData
from ..dictionary import TABLES, fold
from ..errors import InputError
from ..findings import Finding
from .headers import looks_like_header, match_headers

if TYPE_CHECKING:
    from ..config import Config

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
EXCEL_ERRORS = frozenset(
    ("#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "#GETTING_DATA", "#SPILL!", "#CALC!")
)


def check_container(path: Path, max_inflated_mb: float) -> None:
    """Refuse, before parsing, what is not a safe workbook."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
    except PermissionError:
        raise InputError(f"{path}: permission denied; make the file readable") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, not a workbook") from None
    if not head:
        raise InputError(f"{path}: the file is empty (0 bytes); save the workbook again from Excel or LibreOffice")
    if head == OLE2_MAGIC:
        if path.suffix.lower() == ".xls":
            raise InputError(f"{path}: legacy .xls workbook; open it and save as .xlsx")
        raise InputError(
            f"{path}: password-protected (encrypted) or legacy .xls workbook; remove the password "
            "(File > Info > Protect Workbook) or save as .xlsx, then check again"
        )
    if not head.startswith(ZIP_MAGIC):
        raise InputError(
            f"{path}: not an .xlsx/.ods file (it is not a zip container; was it renamed from .csv or .xls?); "
            "save it as .xlsx from Excel or LibreOffice"
        )
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        raise InputError(f"{path}: the workbook is truncated or corrupt (a broken zip); save it again or restore a copy") from None
    if any(info.flag_bits & 0x1 for info in infos):
        raise InputError(f"{path}: the workbook is encrypted; remove the password and save as .xlsx")
    limit = max_inflated_mb * 1024 * 1024
    total = sum(info.file_size for info in infos)
    if total > limit:
        raise InputError(
            f"{path}: the workbook would inflate to {total / 2**20:,.0f} MB, over the limit of "
            f"{max_inflated_mb:g} MB (a zip bomb, or a very large file); raise [limits] max_inflated_mb in ectqa.toml if it is genuine"
        )


def _open(path: Path):
    from python_calamine import CalamineWorkbook

    try:
        return CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for broken files
        raise InputError(f"{path}: cannot read the workbook ({_short(exc)}); save it again as .xlsx") from None


def _short(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:160]


def find_sheet(names: list[str], wanted: str) -> str | None:
    folded = {fold(n): n for n in names}
    return folded.get(fold(wanted))


def read_workbook(path: Path, config: Config, only: str | None = None) -> Dataset:
    check_container(path, config.limits["max_inflated_mb"])
    wb = _open(path)
    names = list(wb.sheet_names)
    hidden = {
        m.name for m in wb.sheets_metadata if str(getattr(m, "visible", "")).split(".")[-1].lower() != "visible"
    }
    dataset = Dataset(path=path, kind="workbook", tables={}, sheets=names, only_table=only)
    wanted = [only] if only else list(TABLES)
    for table in wanted:
        sheet_wanted = config.sheets.get(table, table)
        sheet = find_sheet(names, sheet_wanted)
        if sheet is None and only and len(names) == 1:
            sheet = names[0]  # --table with a one-sheet workbook: that sheet is the table
        if sheet is None:
            raise InputError(
                f"{path}: no sheet named '{sheet_wanted}' (the {table} table); the workbook has "
                f"{', '.join(repr(n) for n in names) or 'no sheets'}; rename the sheet or map it with "
                f'[sheets] {table} = "..." in ectqa.toml'
            )
        data = _sheet_rows(wb, path, sheet, config.limits["max_rows"])
        td = _to_table(data, table, path, sheet, config, dataset)
        if sheet in hidden:
            dataset.read_findings.append(
                Finding(
                    rule="schema/hidden-content",
                    severity="info",
                    message=f"sheet '{sheet}' is hidden in the workbook; it was read all the same",
                    level="table",
                    file=str(path),
                    table=table,
                    row=None,
                )
            )
        dataset.tables[table] = td
    from .xlsx_scan import scan_sheets

    scan_sheets(path, dataset, config)
    return dataset


def _sheet_rows(wb: Any, path: Path, sheet: str, max_rows: int) -> list[list[Any]]:
    try:
        ws = wb.get_sheet_by_name(sheet)
    except Exception as exc:
        raise InputError(f"{path}: cannot read sheet '{sheet}' ({_short(exc)}); save the workbook again") from None
    rows: list[list[Any]] = []
    # count while reading: a sheet's <dimension> is optional and can lie
    for i, row in enumerate(ws.iter_rows()):
        if i > max_rows:
            raise InputError(
                f"{path}: sheet '{sheet}' has more than {max_rows:,} rows, the limit; "
                "raise [limits] max_rows in ectqa.toml if it is genuine"
            )
        rows.append(row)
    return rows


def _is_blank(row: list[Any]) -> bool:
    return all(v is None or v == "" for v in row)


def _to_table(rows: list[list[Any]], table: str, path: Path, sheet: str, config: Config, dataset: Dataset) -> TableData:
    from .. import dictionary as dictionary_module

    dictionary = config.dictionary or dictionary_module.load()
    column_map = config.columns.get(table, {})
    if not rows or _is_blank(rows[0]):
        # a header below row 1? say which row it seems to be on
        for i, row in enumerate(rows[:30]):
            if looks_like_header(row, table, dictionary, column_map) >= 2:
                raise InputError(
                    f"{path}: sheet '{sheet}': the header seems to be on row {i + 1}, not row 1; "
                    "delete the rows above it so the header is row 1"
                )
        if not rows or all(_is_blank(r) for r in rows):
            raise InputError(f"{path}: sheet '{sheet}' is empty; it needs a header row with the dictionary's columns (see `ectqa template`)")
    if looks_like_header(rows[0], table, dictionary, column_map) == 0:
        for i, row in enumerate(rows[1:30], start=2):
            if looks_like_header(row, table, dictionary, column_map) >= 2:
                raise InputError(
                    f"{path}: sheet '{sheet}': the header seems to be on row {i}, not row 1; "
                    "delete the rows above it so the header is row 1"
                )
    header = [_header_text(v) for v in rows[0]]
    match = match_headers(header, table, dictionary, column_map, str(path), sheet)
    dataset.read_findings.extend(match.findings)
    body = rows[1:]
    keep = [i for i, r in enumerate(body) if not _is_blank(r)]
    width = len(header)
    if len(keep) == len(body):
        records = body
    else:
        records = [body[i] for i in keep]
    positions = np.asarray(keep, dtype=np.int64) + 2  # header is row 1
    frame = pd.DataFrame.from_records(records, columns=range(width)) if records else pd.DataFrame(columns=range(width))
    frame = frame.astype(object)
    selected = [(pos, name) for pos, name in enumerate(match.columns) if name is not None]
    raw = frame[[pos for pos, _ in selected]]
    raw.columns = [name for _, name in selected]
    raw = raw.reset_index(drop=True)
    raw = _normalise_cells(raw)
    return TableData(
        name=table,
        raw=raw,
        rows=positions,
        letters=match.letters,
        file=str(path),
        sheet=sheet,
        headers=match.headers,
        source_path=path,
    )


def _header_text(v: Any) -> Any:
    if v is None or v == "":
        return None
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _normalise_cells(raw: pd.DataFrame) -> pd.DataFrame:
    """Empty strings become missing; everything else stays as the cell held it."""
    return raw.replace("", None)


def excel_date_to_number(v: Any) -> float | None:
    """An Excel serial number for a date/time cell (to say what the cell showed)."""
    if isinstance(v, _dt.datetime):
        return (v - _dt.datetime(1899, 12, 30)).total_seconds() / 86400
    if isinstance(v, _dt.date):
        return float((v - _dt.date(1899, 12, 30)).days)
    return None
