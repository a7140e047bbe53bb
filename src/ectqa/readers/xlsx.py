"""Workbooks (.xlsx, .xlsm, .ods) through python-calamine, a fast Rust reader.

The file is treated as hostile: its container is checked before any parsing (empty, not a zip,
encrypted or legacy OLE2, declared inflated size beyond the limit), rows are counted while
reading, and XML is parsed by calamine (which expands no entities) or defusedxml.
"""

from __future__ import annotations

import datetime as _dt
import queue
import threading
import zipfile
from collections.abc import Callable, Sequence
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..dataset import Dataset, TableData
from ..dictionary import TABLES, fold
from ..errors import InputError
from ..findings import Finding
from .container import (  # noqa: F401
    OLE2_MAGIC,
    ZIP_MAGIC,
    Marks,
    check_container,
    check_xml_heads,
    measure_sheet,
    too_many_rows,
)
from .headers import headerless_columns, looks_like_header, match_headers

if TYPE_CHECKING:
    from ..config import Config

# what pandas infers for a column of these kinds is what it holds already
_AS_INFERRED = frozenset(("string", "floating", "integer", "boolean", "empty"))

EXCEL_ERRORS = frozenset(
    ("#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "#GETTING_DATA", "#SPILL!", "#CALC!")
)


def _open(path: Path):
    from python_calamine import CalamineWorkbook

    try:
        return CalamineWorkbook.from_path(str(path))
    except (KeyboardInterrupt, SystemExit, MemoryError):
        raise
    except BaseException as exc:  # noqa: BLE001 -- calamine's own error types; a Rust panic is a BaseException
        raise InputError(f"{path}: cannot read the workbook ({_short(exc)}); save it again as .xlsx from Excel or LibreOffice") from None


def _short(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:160]


def find_sheet(names: list[str], wanted: str) -> str | None:
    folded = {fold(n): n for n in names}
    return folded.get(fold(wanted))


def _guard(path: Path) -> tuple[zipfile.ZipFile | None, dict[str, str]]:
    """The zip opened for the pre-scans, and sheet name -> XML part (xlsx/xlsm)."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        raise InputError(f"{path}: the workbook is truncated or corrupt (a broken zip); save it again or restore a copy") from None
    if path.suffix.lower() == ".ods":
        check_xml_heads(path, zf, ["content.xml", "styles.xml"])
        return zf, {}
    check_xml_heads(path, zf, ["xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/sharedStrings.xml", "xl/styles.xml"])
    from .xlsx_scan import sheet_paths

    try:
        parts = sheet_paths(zf)
    except Exception as exc:  # noqa: BLE001 -- defusedxml's refusals, a broken workbook.xml
        zf.close()
        raise InputError(f"{path}: cannot read the workbook's list of sheets ({_short(exc)}); save it again as .xlsx") from None
    return zf, parts


def read_workbook(path: Path, config: Config, only: str | None = None, meanwhile: Sequence[Callable[[], object]] = (),
                  on_table: Callable[[Dataset, str], object] | None = None) -> Dataset:
    """Read a workbook whose container `readers.read` has already checked. `on_table(dataset,
    name)` is called as each table is complete, while the next sheet may still be parsing."""
    max_rows = int(config.limits["max_rows"])
    zf, parts = _guard(path)  # before calamine: it reads sharedStrings on opening
    with zf:
        wb = _open(path)
        try:
            names = list(wb.sheet_names)
            metadata = list(wb.sheets_metadata)
        except (KeyboardInterrupt, SystemExit, MemoryError):
            raise
        except BaseException as exc:  # noqa: BLE001 -- calamine errors and Rust panics
            raise InputError(f"{path}: cannot read the workbook ({_short(exc)}); save it again as .xlsx") from None
        hidden = {m.name for m in metadata if str(getattr(m, "visible", "")).split(".")[-1].lower() != "visible"}
        dataset = Dataset(path=path, kind="workbook", tables={}, sheets=names, only_table=only)
        wanted = [only] if only else list(TABLES)
        chosen: dict[str, str] = {}
        for table in wanted:
            sheet_wanted = config.sheets.get(table, table)
            sheet = find_sheet(names, sheet_wanted)
            if sheet is None and only and len(names) == 1:
                sheet = names[0]  # --table with a one-sheet workbook: that sheet is the table
            if sheet is None:
                mapped = f" (now set to '{sheet_wanted}' in {config.path})" if table in config.sheets and config.path else ""
                raise InputError(
                    f"{path}: no sheet named '{sheet_wanted}' (the {table} table); the workbook has "
                    f"{', '.join(repr(n) for n in names) or 'no sheets'}; rename the sheet, or map it with "
                    f'[sheets] {table} = "<sheet name>" in ectqa.toml{mapped}'
                )
            chosen[table] = sheet
        marks: dict[str, Marks | None] = {}
        parser = _Parser(wb, meanwhile)
        try:
            for sheet in dict.fromkeys(chosen.values()):
                if parts.get(sheet):
                    marks[parts[sheet]] = measure_sheet(path, zf, parts[sheet], sheet, max_rows)
                parser.parse(sheet)  # its guard has passed
        finally:
            parser.close()
    from .xlsx_scan import SideScan

    with closing(SideScan(path, marks)) as side:
        later = list(chosen.values())
        for table, sheet in chosen.items():
            later.remove(sheet)
            data, merged = _sheet_rows(parser, path, sheet, max_rows)
            td = _to_table(data, table, path, sheet, config, dataset, merged)
            # the sheet's cells (~0.1 GB at 100,000 rows) go before the table is handed on:
            # with the cyclic GC off (cli.entry), a cycle made in validation (pandera keeps an
            # exception a check raised, its traceback the frames of its callers) would keep them
            del data, merged
            if sheet not in later:
                parser.release(sheet)
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
            side.table(dataset, td)  # its findings, so it is complete
            if on_table is not None:
                on_table(dataset, table)
    return dataset


class _Parser:
    """calamine parses each sheet in a worker thread once the sheet's guard has passed: it lets go
    of the GIL, so the next sheet's guard, pandas' import and the tables of the sheets before it
    are done meanwhile. One thread, as calamine reads a workbook one sheet at a time."""

    def __init__(self, wb: Any, meanwhile: Sequence[Callable[[], object]] = ()) -> None:
        self._wb = wb
        self._meanwhile = list(meanwhile)
        self._jobs: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self._parsed: dict[str, tuple[bool, Any]] = {}
        self._ready = threading.Condition()
        # a daemon: an interrupted check does not wait for a parse to end
        threading.Thread(target=self._work, name="ectqa-calamine", daemon=True).start()

    def parse(self, sheet: str) -> None:
        self._jobs.put(sheet)

    def close(self) -> None:
        """No more sheets: the worker ends after those asked for."""
        self._jobs.put(None)

    def sheet(self, sheet: str) -> Any:
        """The parsed sheet (calamine's error, re-raised here). While it is still being parsed, the
        `meanwhile` work is done, one piece at a time."""
        while self._meanwhile and not self._parsed_yet(sheet):
            self._meanwhile.pop(0)()
        with self._ready:
            self._ready.wait_for(lambda: sheet in self._parsed)
        ok, value = self._parsed[sheet]
        if not ok:
            raise value
        return value

    def release(self, sheet: str) -> None:
        """Let go of a parsed sheet that is no longer needed."""
        with self._ready:
            self._parsed[sheet] = (False, RuntimeError(f"sheet {sheet!r} was released after reading"))

    def _parsed_yet(self, sheet: str) -> bool:
        with self._ready:
            return sheet in self._parsed

    def _work(self) -> None:
        while (sheet := self._jobs.get()) is not None:
            try:
                done = (True, self._wb.get_sheet_by_name(sheet))
            except BaseException as exc:  # noqa: BLE001 -- calamine errors and Rust panics, raised in the reading thread
                done = (False, exc)
            with self._ready:
                self._parsed[sheet] = done
                self._ready.notify_all()


def _sheet_rows(parser: _Parser, path: Path, sheet: str, max_rows: int) -> tuple[list[list[Any]], list[tuple[tuple[int, int], tuple[int, int]]]]:
    """The sheet's cells from A1 (empty cells are ""), and its merged ranges ((row, col),
    (row, col)), 0-based."""
    try:
        ws = parser.sheet(sheet)
        start = ws.start or (0, 0)
        merged = list(ws.merged_cell_ranges or [])
    except (KeyboardInterrupt, SystemExit, MemoryError):
        raise
    except BaseException as exc:  # noqa: BLE001 -- calamine errors and Rust panics
        raise InputError(f"{path}: cannot read sheet '{sheet}' ({_short(exc)}); save the workbook again as .xlsx") from None
    if int(start[0]) > max_rows:
        raise too_many_rows(path, sheet, max_rows)
    try:
        # from A1, every cell where the sheet has it (calamine's range starts at the first used
        # cell); count while reading, as a sheet's <dimension> is optional and can lie: one row
        # past the limit is enough to know it is over
        rows = ws.to_python(skip_empty_area=False, nrows=max_rows + 2)
    except (KeyboardInterrupt, SystemExit, MemoryError):
        raise
    except BaseException as exc:  # noqa: BLE001 -- calamine errors and Rust panics
        raise InputError(f"{path}: cannot read sheet '{sheet}' ({_short(exc)}); save the workbook again as .xlsx") from None
    if len(rows) > max_rows + 1:
        raise too_many_rows(path, sheet, max_rows)
    return rows, merged


def _is_blank(row: list[Any]) -> bool:
    return all(v is None or v == "" for v in row)


def _to_table(rows: list[list[Any]], table: str, path: Path, sheet: str, config: Config, dataset: Dataset,
              merged: list[Any] | None = None) -> TableData:
    import pandas as pd  # here, not at the top: its import runs while calamine parses

    from .. import dictionary as dictionary_module

    dictionary = config.dictionary or dictionary_module.load()
    column_map = config.columns.get(table, {})
    if not rows or all(_is_blank(r) for r in rows):
        raise InputError(
            f"{path}: sheet '{sheet}' is empty; it needs a header row (row 1) with the dictionary's columns (see `ectqa template`)"
        )
    first_blank = _is_blank(rows[0])
    if first_blank or looks_like_header(rows[0], table, dictionary, column_map) == 0:
        # a header below row 1? say which row it seems to be on
        for i, row in enumerate(rows[1:30], start=2):
            if looks_like_header(row, table, dictionary, column_map) >= 2:
                raise InputError(
                    f"{path}: sheet '{sheet}': the header seems to be on row {i}, not row 1; "
                    "delete the rows above it so the header is row 1"
                )
        if first_blank:
            raise InputError(
                f"{path}: sheet '{sheet}': row 1 is empty and no header row was found; "
                "put the dictionary's column names in row 1 (see `ectqa template`)"
            )
    _check_merged_header(rows, merged or [], path, sheet)
    body = rows[1:]
    cells = _grid(body, len(rows[0]))  # as wide as the widest row
    width = cells.shape[1]
    header = [_header_text(v) for v in rows[0]]
    header += [None] * (width - len(header))
    match = match_headers(header, table, dictionary, column_map, str(path), sheet)
    dataset.read_findings.extend(match.findings)
    # a row whose first cell is truthy is not blank; the others, by any() (in C), then cell by cell
    filled = cells[:, 0].astype(bool) if width else np.zeros(len(body), dtype=bool)
    rest = np.flatnonzero(~filled).tolist()
    if rest:
        filled[rest] = np.fromiter(map(any, map(body.__getitem__, rest)), dtype=bool, count=len(rest))
        for i in np.flatnonzero(~filled).tolist():
            filled[i] = not _is_blank(body[i])
        cells = cells[filled]
    positions = np.flatnonzero(filled).astype(np.int64) + 2  # header is row 1
    # row by row, the order the cells were made in, so their objects are visited in memory order
    empty = cells == ""  # empty cells are missing
    cells[empty] = None
    with_empty = empty.any(axis=0)
    dataset.read_findings.extend(headerless_columns(cells.T, header, table, path, sheet, positions))
    selected = [(pos, name) for pos, name in enumerate(match.columns) if name is not None]
    # the read columns, one per row of a block laid out as pandas keeps it: the frame is built
    # on it without the copy a dict of columns costs
    block = cells.T[[pos for pos, _ in selected]]
    for i, (pos, _) in enumerate(selected):
        if not with_empty[pos]:
            block[i] = _inferred(block[i])
    raw = pd.DataFrame(
        block.T, columns=[name for _, name in selected] or None,  # none: a RangeIndex, as from no columns
        index=pd.RangeIndex(len(cells)), dtype=object, copy=False,
    )
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


def _check_merged_header(rows: list[list[Any]], merged: list[Any], path: Path, sheet: str) -> None:
    """Merged cells in the header: across rows, a two-row header (refused); across columns, the
    columns after the first have no header, so their values would be lost (refused when they
    hold any)."""
    from ..findings import column_letter

    for rng in merged:
        try:
            (r0, c0), (r1, c1) = rng
        except (TypeError, ValueError):
            continue
        if r0 != 0:
            continue
        where = f"{column_letter(c0)}1:{column_letter(c1)}{r1 + 1}"
        if r1 > 0:
            raise InputError(
                f"{path}: sheet '{sheet}': header cells {where} are merged across rows (a two-row header?); "
                "unmerge them, keep one header row (row 1) with each column's own name, and delete the other header rows"
            )
        covered = range(c0 + 1, c1 + 1)
        if any(len(r) > c and r[c] not in (None, "") for r in rows[1:] for c in covered):
            raise InputError(
                f"{path}: sheet '{sheet}': header cells {where} are merged, so column "
                f"{column_letter(c0 + 1)} has no header of its own and its values would be lost; "
                "unmerge them and give each column its own name in row 1"
            )


def _header_text(v: Any) -> Any:
    if v is None or v == "":
        return None
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _grid(records: list[list[Any]], width: int) -> np.ndarray:
    """The records as one object array, at least `width` wide and as wide as the widest record,
    every value as the cell held it."""
    from pandas._libs.lib import to_object_array  # C: twice as fast as np.array on lists

    if not records:
        return np.empty((0, width), dtype=object)
    return to_object_array(records, min_width=width)  # a short row (calamine pads them all) ends in None


def _inferred(values: np.ndarray) -> np.ndarray:
    """A column without empty cells, as pandas infers it: a column of dates or durations holds
    pandas' Timestamps or Timedeltas, one of whole and decimal numbers floats (what checks saw
    before the reader built columns itself)."""
    import pandas as pd
    from pandas.api.types import infer_dtype

    if infer_dtype(values, skipna=False) in _AS_INFERRED:
        return values
    return pd.Series(values, dtype=object).infer_objects().to_numpy(dtype=object)


def excel_date_to_number(v: Any) -> float | None:
    """An Excel serial number for a date/time cell (to say what the cell showed)."""
    if isinstance(v, _dt.datetime):
        return (v - _dt.datetime(1899, 12, 30)).total_seconds() / 86400
    if isinstance(v, _dt.date):
        return float((v - _dt.date(1899, 12, 30)).days)
    return None
