"""Matching a file's header row to the dictionary's columns (shared by every reader)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..dictionary import Dictionary, fold
from ..findings import Finding, column_letter


@dataclass
class HeaderMatch:
    columns: list[str | None]  # per position in the file: dictionary column, extra name, or None
    letters: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)


def match_headers(
    header: list[object],
    table: str,
    dictionary: Dictionary,
    column_map: dict[str, str],
    file: str,
    sheet: str | None,
) -> HeaderMatch:
    """Headers match case-insensitively after trimming; the config's column map renames first."""
    known = {fold(c): c for c in dictionary.tables[table].names}
    mapped = {fold(k): v for k, v in column_map.items()}
    result = HeaderMatch(columns=[])
    for pos, cell in enumerate(header):
        text = "" if cell is None else str(cell).strip()
        letter = column_letter(pos)
        if not text:
            result.columns.append(None)
            continue
        key = fold(text)
        name = mapped.get(key) or known.get(key)
        where = f"{sheet}!{letter}1" if sheet else None
        if name is None:
            # keep unknown columns (under their own header) so nothing is lost
            name = text
            result.unknown.append(text)
            result.findings.append(
                Finding(
                    rule="schema/unknown-column",
                    severity="info",
                    message=f"column '{text}' is not in the data dictionary for {table}; it is read but not checked"
                    " (map it with [columns." + table + "] in ectqa.toml if it is a dictionary column)",
                    level="table",
                    file=file,
                    table=table,
                    row=1,
                    column=text,
                    cell=where,
                    value=text,
                )
            )
        if name in result.letters:
            result.findings.append(
                Finding(
                    rule="schema/duplicate-column",
                    severity="error",
                    message=f"column '{text}' appears twice (also in column {result.letters[name]}); "
                    "the first is read, rename or delete the other",
                    level="table",
                    file=file,
                    table=table,
                    row=1,
                    column=name,
                    cell=where,
                    value=text,
                )
            )
            result.columns.append(None)
            continue
        result.columns.append(name)
        result.letters[name] = letter
        result.headers[name] = text
    return result


def looks_like_header(cells: list[object], table: str, dictionary: Dictionary, column_map: dict[str, str]) -> int:
    """How many cells of a row are known column names (to find a header that is not on row 1)."""
    known = {fold(c) for c in dictionary.tables[table].names} | {fold(k) for k in column_map}
    return sum(1 for c in cells if c is not None and fold(str(c)) in known)


def headerless_columns(columns, header: list[object], table: str, path: object, sheet: str | None,
                       positions) -> list[Finding]:
    """A column with values but no header: its values cannot be read; say so rather than drop them.
    `columns[pos]`: the values of the column at that position, as an array."""
    import pandas as pd

    out = []
    for pos in range(len(columns)):
        if pos < len(header) and header[pos] is not None and str(header[pos]).strip():
            continue
        values = pd.Series(columns[pos], dtype=object)
        filled = values.notna().to_numpy() & values.astype(str).str.strip().ne("").to_numpy()
        if not filled.any():
            continue
        first = int(np.flatnonzero(filled)[0])
        letter = column_letter(pos)
        where = f"column {letter}" if sheet else f"column {pos + 1}"
        out.append(
            Finding(
                rule="schema/unknown-column",
                severity="warning",
                message=f"{where} has no header but holds {int(filled.sum())} value(s); "
                "they are not read -- give the column its dictionary name in the header, or delete it",
                level="table",
                file=str(path),
                table=table,
                row=int(positions[first]) if len(positions) else 1,
                column=None,
                cell=f"{sheet}!{letter}1" if sheet else None,
                value=None,
            )
        )
    return out
