"""A sheet's cells as a table (readers/xlsx.py `_to_table`): blank rows, short and long rows."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ectqa.config import load_config
from ectqa.dataset import Dataset
from ectqa.readers.xlsx import _to_table

HEADER = ["study_id", "first_author", "year", "n_ect"]


def table(tmp_path: Path, rows: list[list[object]]):
    dataset = Dataset(path=tmp_path / "w.xlsx", kind="workbook", tables={}, sheets=[], only_table=None)
    td = _to_table(rows, "studies", tmp_path / "w.xlsx", "studies", load_config(None, tmp_path), dataset, [])
    return td, dataset.read_findings


def test_blank_rows_are_dropped_and_the_others_keep_their_row_numbers(tmp_path):
    rows = [
        HEADER,
        ["", "Ames", 2001.0, ""],  # first cell empty: still a row
        ["", "", "", ""],  # blank
        [0.0, "", "", ""],  # a falsy value is a value
        [],  # blank, and short
        ["", "", dt.date(2020, 1, 2)],  # short
        ["x", "", "", "", "", "y"],  # longer than the header
    ]
    td, findings = table(tmp_path, rows)
    assert td.rows.tolist() == [2, 4, 6, 7]
    assert td.raw["first_author"].tolist() == ["Ames", None, None, None]
    assert td.raw["study_id"].tolist() == [None, 0.0, None, "x"]
    assert td.raw["year"].tolist() == [2001.0, None, dt.date(2020, 1, 2), None]
    assert [(f.rule, f.row, f.cell) for f in findings] == [("schema/unknown-column", 7, "studies!F1")]


def test_a_column_without_empty_cells_is_read_as_pandas_infers_it(tmp_path):
    td, _ = table(tmp_path, [HEADER, ["a", "b", 2001, 10.0], ["c", "d", 2002.5, 12.0]])
    assert td.raw["year"].tolist() == [2001.0, 2002.5]
    assert list(td.raw.columns) == HEADER and td.raw.dtypes.eq(object).all()
