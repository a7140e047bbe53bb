"""Checks on a workbook's container before any spreadsheet parser sees it.

Everything here is cheap and imports nothing heavy at module level, so that a hostile file (a zip bomb, an
encrypted or legacy workbook, a truncated zip, a crafted sheet) is refused in well under a second
and with bounded memory:

- the container: empty, OLE2 (encrypted .xlsx or legacy .xls), not a zip, a broken zip, an
  encrypted zip entry, and the inflated size the zip *declares*, summed over its entries, against
  `[limits] max_inflated_mb` -- checked before anything is inflated;
- each sheet that will be read is then inflated once, into a buffer of its declared size (so
  within the limit above; in a thread, counted a window at a time as it comes), to count its
  rows and bound its used range (extent.py), because calamine builds a dense grid of every row
  and column up to the furthest cell: one stray cell at XFD1048576 would ask for 17 billion
  cells, and a sheet's `<dimension>` is optional and can lie.
  Python's zipfile stops inflating at an entry's declared size and checks its CRC, so an entry
  that lies about its size ends as a broken zip;
- XML that declares entities (a DOCTYPE: the billion-laughs attack) is refused outright; no part
  of a workbook written by a spreadsheet program has one. (calamine expands no entities either,
  and the side-scan parses with defusedxml.)
"""

from __future__ import annotations

import queue
import re
import threading
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"
CHUNK = 1 << 20
# a sparse sheet is refused when its dense grid (rows x columns up to the furthest cell) is
# beyond this many cells *and* far larger than the cells it really holds
DENSE_CELLS = 5_000_000
DENSE_FACTOR = 20

_DOCTYPE = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)

BROKEN = "the workbook is truncated or corrupt (a broken zip); save it again or restore a copy"


def check_container(path: Path, max_inflated_mb: float) -> None:
    """Refuse, before parsing, what is not a safe workbook."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
    except PermissionError:
        raise InputError(f"{path}: permission denied; make the file readable (chmod u+r) or copy it somewhere readable") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, not a workbook; give the workbook file, or a folder holding studies.csv and measurements.csv") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot open the file ({exc.strerror}); check the path and its permissions") from None
    if not head:
        raise InputError(f"{path}: the file is empty (0 bytes); save the workbook again from Excel or LibreOffice")
    if head == OLE2_MAGIC:
        if path.suffix.lower() == ".xls":
            raise InputError(f"{path}: legacy .xls workbook; open it in Excel or LibreOffice and save as .xlsx")
        raise InputError(
            f"{path}: password-protected (encrypted) or legacy .xls workbook; remove the password "
            "(File > Info > Protect Workbook) or save as .xlsx, then check again"
        )
    if head.startswith(EMPTY_ZIP_MAGIC):
        raise InputError(f"{path}: an empty zip, not a workbook; save the workbook again from Excel or LibreOffice")
    if not head.startswith(ZIP_MAGIC):
        raise InputError(
            f"{path}: not an .xlsx/.ods file (it is not a zip container; was it renamed from .csv or .xls?); "
            "save it as .xlsx from Excel or LibreOffice"
        )
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError):
        raise InputError(f"{path}: {BROKEN}") from None
    if any(info.flag_bits & 0x1 for info in infos):
        raise InputError(f"{path}: the workbook is encrypted; remove the password and save as .xlsx")
    limit = max_inflated_mb * 1024 * 1024
    total = sum(info.file_size for info in infos)
    if total > limit:
        raise InputError(
            f"{path}: the workbook would inflate to {total / 2**20:,.0f} MB, over the limit of "
            f"{max_inflated_mb:g} MB (a zip bomb, or a very large file); raise [limits] max_inflated_mb in ectqa.toml if it is genuine"
        )


# byte strings whose presence the side-scan (xlsx_scan) needs to know: hidden rows or columns,
# formulas, error cells, cell styles (`s="12"`, not the end of `xmlns="`); where none occurs, it
# need not inflate the sheet again
SCAN_MARKERS = (b"hidden=", b"<f", b't="e"', b's="')


@dataclass(frozen=True)
class Marks:
    """What the guard saw that the side-scan (xlsx_scan) needs: which of SCAN_MARKERS occur in
    the sheet, and each styled cell's row, column and style index (None: some cell's style is
    written in a form the guard does not follow; the side-scan then looks for itself)."""

    markers: frozenset[bytes]
    styles: tuple[Any, Any, Any] | None


def measure_sheet(path: Path, zf: zipfile.ZipFile, part: str, sheet: str, max_rows: int) -> Marks | None:
    """Inflate one sheet's XML (up to its declared size): refuse a DOCTYPE, more rows than
    `max_rows`, or a sparse used range that would make the parser build a huge grid.

    Returns what the side-scan needs (None: the part is absent)."""
    from .extent import Extent

    try:
        info = zf.getinfo(part)
    except KeyError:
        return None
    # one buffer of the declared size: zipfile stops there, and checks the CRC at the end
    extent = Extent(info.file_size)
    progress: queue.SimpleQueue[int | BaseException | None] = queue.SimpleQueue()
    stop = threading.Event()
    inflating = threading.Thread(target=_inflate, args=(zf, info, extent, progress, stop), name="ectqa-inflate", daemon=True)
    inflating.start()
    try:
        first = True
        while (filled := progress.get()) is not None:
            if isinstance(filled, BaseException):
                raise filled
            if first and _DOCTYPE.search(extent.buf[: min(filled, 65536)].tobytes()):
                raise _doctype(path, part)
            first = False
            extent.count(filled)
            if extent.row_bound > max_rows:
                raise too_many_rows(path, sheet, max_rows)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError):
        raise InputError(f"{path}: {BROKEN}") from None
    finally:
        stop.set()  # a refusal: no need to inflate the rest
        inflating.join()
    extent.close()
    if extent.unusual:
        raise InputError(
            f"{path}: sheet '{sheet}' is written in a form no spreadsheet program writes (a crafted file?); "
            "it was not read -- save the workbook again from Excel or LibreOffice"
        )
    max_row, max_col = extent.row_bound, extent.column_bound
    if max_row > max_rows:
        raise too_many_rows(path, sheet, max_rows)
    if extent.cells or max_col:
        max_row, max_col = max(max_row, 1), max(max_col, 1)
    dense = max_row * max_col
    if dense > DENSE_CELLS and dense > DENSE_FACTOR * max(extent.cells, 1):
        from ..findings import column_letter

        raise InputError(
            f"{path}: sheet '{sheet}' spans A1:{column_letter(max_col - 1)}{max_row} but holds only "
            f"{extent.cells:,} cells (a stray cell far from the table?); delete the rows and columns outside the table and save"
        )
    return Marks(frozenset(extent.markers), extent.cell_styles())


def _inflate(zf: zipfile.ZipFile, info: zipfile.ZipInfo, extent: Any, progress: queue.SimpleQueue, stop: threading.Event) -> None:
    """Inflate a sheet into `extent`, in a thread of its own: zlib lets go of the GIL, so the
    sheet is counted while the rest is inflated. After each chunk, how far the buffer is filled;
    at the end None, or the error that stopped it (in the order the chunks came in)."""
    try:
        with zf.open(info) as fh:
            while not stop.is_set() and (chunk := fh.read(CHUNK)):
                extent.store(chunk)
                progress.put(extent.filled)
        progress.put(None)
    except BaseException as exc:  # noqa: BLE001 -- raised again in the thread that counts
        progress.put(exc)


def too_many_rows(path: Path, sheet: str, max_rows: int) -> InputError:
    return InputError(
        f"{path}: sheet '{sheet}' has more than {max_rows:,} rows, the limit; "
        "raise [limits] max_rows in ectqa.toml if it is genuine, or delete the rows below the table"
    )


def check_xml_heads(path: Path, zf: zipfile.ZipFile, parts: list[str]) -> None:
    """Refuse XML parts that declare entities (read only their first 64 KB)."""
    for part in parts:
        try:
            with zf.open(part) as fh:
                head = fh.read(65536)
        except KeyError:
            continue
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError):
            raise InputError(f"{path}: {BROKEN}") from None
        if _DOCTYPE.search(head):
            raise _doctype(path, part)


def _doctype(path: Path, part: str) -> InputError:
    return InputError(
        f"{path}: the part {part} declares XML entities (a DOCTYPE), which spreadsheet programs never write "
        "(a crafted file?); it was not read -- save the workbook again from Excel or LibreOffice"
    )
