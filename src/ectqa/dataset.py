"""The two tables of an extraction dataset, and where each value came from.

Readers fill `raw` (values as read: text for CSV, cell values for workbooks) with dictionary
column names; validation fills `frame` (typed: numbers float64, terms canonical, missing = NaN/None).
Both keep a RangeIndex of row positions; `rows[pos]` is the row a person sees.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .findings import Finding

if TYPE_CHECKING:
    import pandas as pd  # readers import it when they need it (a workbook's, while calamine parses)


@dataclass
class TableData:
    name: str  # dictionary table name
    raw: pd.DataFrame  # as read, columns renamed to the dictionary's names (unknown ones kept)
    rows: np.ndarray  # int64, the row a person sees for each position
    letters: dict[str, str]  # column -> letter of its position in the file
    file: str  # the path as the user gave it
    sheet: str | None = None  # sheet name for workbooks (cells are `sheet!A1`); None for CSV
    headers: dict[str, str] = field(default_factory=dict)  # column -> header as written
    frame: pd.DataFrame | None = None  # typed, after validation
    number_formats: dict[str, np.ndarray] = field(default_factory=dict)  # workbook decimals per column
    source_path: Path | None = None  # the file this table was read from
    # cells a reader already flagged (excel errors, formulas without value): validation skips them
    flagged_cells: set[tuple[int, str]] = field(default_factory=set)

    def __len__(self) -> int:
        return len(self.raw)

    def raw_values(self, column: str, index: Any) -> list[Any]:
        if column not in self.raw.columns:
            return [None] * len(index)
        values = self.raw[column].to_numpy()[np.asarray(index, dtype=np.int64)]
        return [_plain(v) for v in values]

    def cells(self, index: Any, column: str | None) -> list[str | None]:
        """`sheet!A1` names of the cells (None for CSV or when the column is not in the file)."""
        n = len(index)
        if self.sheet is None or column is None or column not in self.letters:
            return [None] * n
        prefix = f"{self.sheet}!{self.letters[column]}"
        return [f"{prefix}{r}" for r in self.rows[np.asarray(index, dtype=np.int64)].tolist()]

    def cell(self, pos: int, column: str | None) -> str | None:
        return self.cells([pos], column)[0]


@dataclass
class Dataset:
    path: Path  # what the user named
    kind: str  # "workbook" | "csv"
    tables: dict[str, TableData]
    read_findings: list[Finding] = field(default_factory=list)  # found while reading
    notes: list[str] = field(default_factory=list)  # what the reader wants the user to know
    sheets: list[str] = field(default_factory=list)  # every sheet of a workbook
    only_table: str | None = None  # --table

    @property
    def files(self) -> list[str]:
        seen: list[str] = []
        for t in self.tables.values():
            if t.file not in seen:
                seen.append(t.file)
        return seen or [str(self.path)]


def _plain(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, float) and v != v:
        return None
    if isinstance(v, np.generic):
        return v.item()
    return v
