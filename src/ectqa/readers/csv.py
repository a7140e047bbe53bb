"""CSV folders (`studies.csv` + `measurements.csv`) and single CSV tables.

Encoding: UTF-8 with or without BOM, else cp1252, else latin-1. Separator: `,`, `;` or tab, from
the header line. With `;`, decimal commas are accepted. Every value is kept as the text the file
holds (trailing zeros count for the number forensics). Rows are the line on which a record starts.
"""

from __future__ import annotations

import csv as _csv
import io
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..dataset import Dataset, TableData
from ..dictionary import TABLES
from ..errors import InputError
from ..findings import Finding
from .headers import headerless_columns, looks_like_header, match_headers

if TYPE_CHECKING:
    from ..config import Config


def read_folder(folder: Path, config: Config, only: str | None = None) -> Dataset:
    dataset = Dataset(path=folder, kind="csv", tables={}, only_table=only)
    wanted = [only] if only else list(TABLES)
    try:
        entries = list(folder.iterdir())
    except PermissionError:
        raise InputError(f"{folder}: permission denied (cannot list the folder); make it readable (chmod u+rx)") from None
    except OSError as exc:
        raise InputError(f"{folder}: cannot list the folder ({exc.strerror}); check the path") from None
    files = {p.name.casefold(): p for p in entries}
    for table in wanted:
        stem = config.sheets.get(table, table)
        path = files.get(f"{stem}.csv".casefold()) or files.get(f"{stem}.tsv".casefold())
        if path is None:
            present = sorted(p.name for p in entries if p.suffix.lower() in (".csv", ".tsv"))
            other = [t for t in TABLES if t != table]
            raise InputError(
                f"{folder}: no {stem}.csv in the folder (found: {', '.join(present) or 'no CSV files'}); "
                f"add it, map the name with [sheets] {table} = \"...\" in ectqa.toml, or check one table "
                f"alone with --table {other[0] if other and not only else table}"
            )
        dataset.tables[table] = read_table(path, table, config, dataset)
    return dataset


def read_single(path: Path, config: Config, only: str | None) -> Dataset:
    table = only
    if table is None:
        stem = path.stem.casefold()
        for t in TABLES:
            if stem == config.sheets.get(t, t).casefold():
                table = t
        if table is None:
            raise InputError(
                f"{path}: a single CSV file is one table; say which with --table studies or --table measurements, "
                "or check the folder holding studies.csv and measurements.csv"
            )
    dataset = Dataset(path=path, kind="csv", tables={}, only_table=table)
    dataset.tables[table] = read_table(path, table, config, dataset)
    return dataset


def decode(data: bytes, path: Path) -> tuple[str, str]:
    """Text and the encoding it was read in."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            pass
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise InputError(f"{path}: broken UTF-16 text; save it as UTF-8 CSV") from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    lines = data.split(b"\n")
    utf8_lines = 0
    for line in lines:
        if any(b > 0x7F for b in line):
            try:
                line.decode("utf-8")
                utf8_lines += 1
            except UnicodeDecodeError:
                pass
    if utf8_lines:
        # mixed: most lines UTF-8, some not -- decode each line on its own
        return "\n".join(_decode_line(line) for line in lines), "mixed"
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def _decode_line(line: bytes) -> str:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return line.decode("cp1252")
    except UnicodeDecodeError:
        return line.decode("latin-1")


def non_utf8_lines(data: bytes) -> list[int]:
    out = []
    for i, line in enumerate(data.split(b"\n"), start=1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            out.append(i)
    return out


def looks_binary(data: bytes) -> bool:
    sample = data[:4096]
    if b"\x00" in sample:
        return True
    controls = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return controls > max(8, len(sample) // 50)


def sniff_separator(header_line: str) -> str:
    counts = {sep: _count_outside_quotes(header_line, sep) for sep in (",", ";", "\t")}
    best = max(counts, key=lambda s: (counts[s], s == ","))
    return best if counts[best] else ","


def _count_outside_quotes(line: str, sep: str) -> int:
    n, quoted = 0, False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif ch == sep and not quoted:
            n += 1
    return n


def read_table(path: Path, table: str, config: Config, dataset: Dataset) -> TableData:
    from .. import dictionary as dictionary_module

    dictionary = config.dictionary or dictionary_module.load()
    if path.is_dir():
        raise InputError(f"{path}: is a folder, expected a CSV file")
    limit_mb = config.limits.get("max_inflated_mb", 200)
    max_rows = int(config.limits.get("max_rows", 1_000_000))
    try:
        size = path.stat().st_size
        if size > limit_mb * 1024 * 1024:
            raise InputError(
                f"{path}: the file is {size / 2**20:,.0f} MB, over the limit of {limit_mb:g} MB; "
                "raise [limits] max_inflated_mb in ectqa.toml if it is genuine"
            )
        data = path.read_bytes()
    except PermissionError:
        raise InputError(f"{path}: permission denied; make the file readable (chmod u+r) or copy it somewhere readable") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror}); check the file") from None
    if not data or data.isspace():  # (strip() would copy the file)
        raise InputError(f"{path}: the file is empty; it needs a header row (line 1) with the dictionary's columns (see `ectqa template`)")
    if not data.startswith((b"\xff\xfe", b"\xfe\xff")) and looks_binary(data):
        raise InputError(
            f"{path}: this is not a text CSV file (binary content; a workbook renamed .csv?); export the table as CSV (UTF-8)"
        )
    text, encoding = decode(data, path)
    if "\x00" in text:
        raise InputError(f"{path}: this is not a text CSV file (NUL characters); export the table as CSV (UTF-8)")
    if encoding in ("cp1252", "latin-1"):
        dataset.notes.append(f"{path.name}: not UTF-8; read as {encoding} (save it as UTF-8 to be sure of µ, β, α)")
    elif encoding == "mixed":
        bad = non_utf8_lines(data)
        shown = ", ".join(map(str, bad[:10])) + (f" and {len(bad) - 10} more" if len(bad) > 10 else "")
        dataset.notes.append(
            f"{path.name}: mixed encodings: line(s) {shown} are not UTF-8 and were read as cp1252; check their "
            "special characters (µ, β, α) and save the file as UTF-8"
        )
    if "\r" in text and "\n" not in text:
        text = text.replace("\r", "\n")  # old Mac line ends
        encoding = "changed"
    # the text as UTF-8 bytes, which pandas' parser reads without a copy through Python text
    utf8 = data if encoding == "utf-8" else data[3:] if encoding == "utf-8-sig" else text.encode("utf-8", "surrogatepass")
    n_lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    if n_lines > max_rows + 1:
        raise InputError(
            f"{path}: more than {max_rows:,} rows, the limit; raise [limits] max_rows in ectqa.toml if it is genuine"
        )
    lines = [line.rstrip("\r") for line in _head(text, 40)]
    first = next((i for i, line in enumerate(lines) if line.strip()), 0)
    sep = sniff_separator(lines[first] if lines else "")
    column_map = config.columns.get(table, {})
    header_cells = _cells(lines[first], sep) if lines else []
    if first > 0 or looks_like_header(header_cells, table, dictionary, column_map) == 0:
        for i, line in enumerate(lines[:30]):
            cells = _cells(line, sep)
            if looks_like_header(cells, table, dictionary, column_map) >= 2 and i > 0:
                raise InputError(
                    f"{path}: the header seems to be on line {i + 1}, not line 1; delete the lines above it"
                )
        if first > 0:
            raise InputError(
                f"{path}: line 1 is empty and no header line was found; put the dictionary's column names on line 1"
            )
    fast = _parse_fast(utf8, sep, n_lines)
    if fast is not None:
        read = [fast[j].to_numpy(dtype=object) for j in range(fast.shape[1])]
        header = [str(c[0]) for c in read]
        columns = [c[1:] for c in read]
        empty = [c == "" for c in columns]  # reused below: which cells are empty
        keep = ~np.logical_and.reduce(empty) if empty else np.ones(0, dtype=bool)
        body_starts = np.arange(2, len(fast) + 1, dtype=np.int64)
        if not keep.all():  # blank lines
            columns, empty = [c[keep] for c in columns], [e[keep] for e in empty]
            body_starts = body_starts[keep]
        width = len(header)
    else:
        records, starts = _parse_records(text, sep, path)
        if not records:  # nothing but a byte-order mark, or blank lines
            raise InputError(f"{path}: the file is empty; it needs a header row with the dictionary's columns (see `ectqa template --csv`)")
        header = records[0]
        width = len(header)
        body, body_starts_list = [], []
        for rec, start in zip(records[1:], starts[1:]):
            if not any(c.strip() for c in rec):
                continue
            if len(rec) != width:
                dataset.read_findings.append(_ragged(path, table, start, len(rec), width))
                rec = (rec + [""] * width)[:width]
            body.append(rec)
            body_starts_list.append(start)
        columns = [np.array(c, dtype=object) for c in zip(*body)] if body else [np.empty(0, dtype=object)] * width
        empty = [c == "" for c in columns]
        body_starts = np.asarray(body_starts_list, dtype=np.int64)
    if not any(str(h).strip() for h in header):
        raise InputError(f"{path}: the header (line 1) is empty; put the dictionary's column names on line 1")
    match = match_headers(header, table, dictionary, column_map, str(path), None)
    dataset.read_findings.extend(match.findings)
    header_cells = [h if str(h).strip() else None for h in header]
    dataset.read_findings.extend(headerless_columns(columns, header_cells, table, path, None, body_starts))
    selected = [(pos, name) for pos, name in enumerate(match.columns) if name is not None]
    padded, edged = _padding(utf8, sep) if len(body_starts) else (False, None)
    if fast is None:
        edged = None  # a record may span lines: no columns ruled out
    raw = pd.DataFrame(
        {name: _trimmed(columns[pos], padded and (edged is None or pos in edged), empty[pos]) for pos, name in selected},
        dtype=object,
    )
    td = TableData(
        name=table,
        raw=raw,
        rows=np.asarray(body_starts, dtype=np.int64),
        letters=match.letters,
        file=str(path),
        sheet=None,
        headers=match.headers,
        source_path=path,
    )
    td.decimal_comma = sep == ";"  # type: ignore[attr-defined]
    return td


def _head(text: str, n: int) -> list[str]:
    """The first n lines (splitting the whole text would copy the rest of it)."""
    end = -1
    for _ in range(n):
        end = text.find("\n", end + 1)
        if end < 0:
            return text.split("\n")[:n]
    return text[:end].split("\n")


def _cells(line: str, sep: str) -> list[str]:
    """One line's cells, for finding the header (a stray CR or quote must not stop the reader)."""
    try:
        return next(_csv.reader([line], delimiter=sep), [])
    except _csv.Error:
        return line.split(sep)


def _trimmed(values: np.ndarray, padded: bool, empty: np.ndarray) -> np.ndarray:
    """Cells trimmed (only when the file has padded cells: trimming costs a call per cell), and
    empty ones missing. `empty`: which cells are "" as read, before trimming."""
    if padded:
        from ..schema.coerce import needs_strip

        if needs_strip(values):
            values = pd.Series(values, dtype=object).str.strip().to_numpy(dtype=object)
            empty = values == ""  # trimming may have emptied cells
    values = values.copy()
    values[empty] = None
    return values


def _table(chars: bytes) -> np.ndarray:
    out = np.zeros(256, dtype=bool)
    out[list(chars)] = True
    return out


_BEFORE_PAD = _table(b',;\t\n"')  # a blank after one of these (or at a line start) pads a cell
_AFTER_PAD = _table(b',;\t\r\n"')  # ... or before one of these (or at a line end)
# the non-ASCII characters str.strip() removes (U+0085, U+00A0, U+1680, U+2000-200A, U+2028,
# U+2029, U+202F, U+205F, U+3000): their first two bytes in UTF-8, and their last byte
_SPACE_LEAD = np.zeros((256, 256), dtype=bool)
_SPACE_LAST = np.zeros(256, dtype=bool)
for _ch in "\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000":
    _code = _ch.encode()
    _SPACE_LEAD[_code[0], _code[1]] = True
    _SPACE_LAST[_code[-1]] = True


def _padding(utf8: bytes, sep: str) -> tuple[bool, set[int] | None]:
    """Whether some cell is padded (a blank or tab next to a separator, a quote or a line end,
    whichever the separator), and the columns whose cells may start or end with whitespace (None:
    any). On the bytes, in numpy: a regex took 0.5 s over a 10 MB file with no padding."""
    a = np.frombuffer(utf8, dtype=np.uint8)
    n = len(a)
    blanks = np.flatnonzero((a == 32) | (a == 9))
    before = np.where(blanks > 0, a[blanks - 1], 10)  # a line start is as after a newline
    after = np.where(blanks < n - 1, a[np.minimum(blanks + 1, n - 1)], 10)
    if not (_BEFORE_PAD[before].any() or _AFTER_PAD[after].any()):
        return False, None
    return True, _edged_columns(a, ord(sep))


def _edged_columns(a: np.ndarray, sep: int) -> set[int] | None:
    """Columns with whitespace at a cell's edge in some line after the first (None: quoting too
    irregular to tell where a cell is). Each record is one line here, and a cell's column is the
    count of separators before it on its line, less those inside quotes (a pair of quotes opens
    and closes a cell)."""
    n = len(a)
    quotes = np.flatnonzero(a == 34)
    if len(quotes):
        before = np.where(quotes > 0, a[quotes - 1], 10)
        after = np.where(quotes < n - 1, a[np.minimum(quotes + 1, n - 1)], 10)
        opens = (before == sep) | (before == 10) | (before == 34)
        closes = (after == sep) | (after == 10) | (after == 13) | (after == 34)
        if len(quotes) % 2 or not np.where(np.arange(len(quotes)) % 2 == 0, opens, closes).all():
            return None
    # bytes that may begin or end whitespace str.strip() removes: controls and blanks, and the
    # bytes of non-ASCII characters (both at most 32 read as signed)
    space = np.flatnonzero((a.view(np.int8) <= 32) & (a != 10))
    byte = a[space]
    before = np.where(space > 0, a[space - 1], 10)
    after = np.where(space < n - 1, a[np.minimum(space + 1, n - 1)], 10)
    if sep == 9:  # a tab separates cells, unless quoted (then it is next to a quote, if at an edge)
        quoted = (byte != 9) | (before == 34) | (after == 34)
        space, byte, before, after = space[quoted], byte[quoted], before[quoted], after[quoted]
    starts = (before == sep) | (before == 10) | (before == 34)
    ends = ((after == sep) | (after == 10) | (after == 13) | (after == 34)) & ~((byte == 13) & (after == 10))
    wide = byte >= 128  # only a UTF-8 space's first bytes can start a cell, its last end one
    starts &= ~wide | _SPACE_LEAD[byte, after]
    ends &= ~wide | _SPACE_LAST[byte]
    space = space[starts | ends]
    newlines = np.flatnonzero(a == 10)
    line = np.searchsorted(newlines, space)
    space, line = space[line > 0], line[line > 0]  # the header is not trimmed here
    if not len(space):
        return set()
    seps = np.flatnonzero(a == sep)
    # separators inside each pair of quotes, summed over the pairs before
    quoted = np.searchsorted(seps, quotes[1::2]) - np.searchsorted(seps, quotes[0::2])
    quoted_before = np.concatenate([[0], np.cumsum(quoted)])

    def cells_before(at: np.ndarray) -> np.ndarray:
        count = np.searchsorted(seps, at)
        if not len(quotes):
            return count
        k = np.searchsorted(quotes, at)  # quotes before: odd when inside a pair
        inside = np.where(k % 2 == 1, count - np.searchsorted(seps, quotes[np.maximum(k - 1, 0)]), 0)
        return count - quoted_before[k // 2] - inside

    line_start = newlines[line - 1] + 1
    return set((cells_before(space) - cells_before(line_start)).tolist())


def _ragged(path: Path, table: str, line: int, cells: int, width: int) -> Finding:
    return Finding(
        rule="schema/ragged-row",
        severity="error",
        message=f"line {line} has {cells} cells, the header has {width}; "
        + ("extra cells are ignored" if cells > width else "missing cells are read as empty")
        + " (a stray or missing separator?)",
        level="row",
        file=str(path),
        table=table,
        row=line,
        value=cells,
    )


def _parse_fast(utf8: bytes, sep: str, n_lines: int) -> pd.DataFrame | None:
    """pandas' C parser, when every record is one line with the header's width; else None."""
    try:
        frame = pd.read_csv(
            io.BytesIO(utf8), encoding="utf-8", sep=sep, header=None, dtype=object, keep_default_na=False,
            na_filter=False, skip_blank_lines=False, quoting=_csv.QUOTE_MINIMAL, engine="c",
        )
    except Exception:  # noqa: BLE001 -- ragged rows (too many cells) or broken quoting: the careful path decides
        return None
    # a short row leaves its last cells NaN, the last column's among them
    if len(frame) != n_lines or frame.iloc[:, -1].isna().any():
        return None  # quoted newlines, or short rows: line numbers need the careful path
    return frame


def _parse_records(text: str, sep: str, path: Path) -> tuple[list[list[str]], list[int]]:
    """Records and the line each starts on, with the csv module (slower, knows line numbers)."""
    reader = _csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    try:
        records: list[list[str]] = []
        starts: list[int] = []
        line = 1
        for rec in reader:
            starts.append(line)
            records.append(rec)
            line = reader.line_num + 1
    except _csv.Error as exc:
        raise InputError(f"{path}: cannot parse the CSV ({exc}); check quoting around line {reader.line_num}") from None
    return records, starts
