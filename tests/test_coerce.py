"""Raw cells -> typed values: each kind of cell a workbook or CSV holds, read as the dictionary says."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ectqa import dictionary
from ectqa.dataset import TableData
from ectqa.schema.coerce import coerce_table


def coerce(columns: dict[str, list], decimal_comma: bool = False):
    raw = pd.DataFrame({k: np.array(v, dtype=object) for k, v in columns.items()})
    table = TableData("measurements", raw, np.arange(2, len(raw) + 2), {}, "x.xlsx", sheet="Measurements")
    table.decimal_comma = decimal_comma
    return coerce_table(table, dictionary.load())


def test_mixed_cells_in_a_number_column():
    cells = [30.0, 12, "14", "\u22123.5", "1,5", True, dt.datetime(2020, 1, 2), dt.time(1, 2), "NA", None, "high", float("inf")]
    frame, issues, filled = coerce({"mean": cells}, decimal_comma=True)
    values = frame["mean"].to_numpy()
    expected = [30.0, 12.0, 14.0, -3.5, 1.5] + [np.nan] * 7
    assert np.array_equal(values, np.array(expected), equal_nan=True)
    (issue,) = issues
    assert issue.rule == "schema/type" and issue.index.tolist() == [5, 6, 7, 10, 11]
    assert issue.messages[0] == "mean must be a number, not TRUE/FALSE"
    assert "holds a date" in issue.messages[1] and "holds a time" in issue.messages[2]
    assert issue.messages[3] == "mean must be a number, not 'high'"
    assert "mean" in filled


def test_true_among_ones_is_still_no_number():
    # TRUE equals 1 to Python: a look-up by value would take it for the number
    frame, issues, _ = coerce({"n": [1.0, True, 1, False, 0.0]})
    assert np.array_equal(frame["n"].to_numpy(), [1.0, np.nan, 1.0, np.nan, 0.0], equal_nan=True)
    assert issues[0].index.tolist() == [1, 3]


def test_text_columns_are_the_frame_text_type():
    frame, issues, filled = coerce({"notes": [" a ", None, "NA", "b"], "group": ["ECT", None, "control", "ect"],
                                    "source_detail": [None, "NA", None, None]})
    as_frame = pd.DataFrame({"notes": np.array(["a", None, None, "b"], dtype=object),
                             "group": np.array(["ect", None, "control", "ect"], dtype=object),
                             "source_detail": np.array([None] * 4, dtype=object)})
    pd.testing.assert_frame_equal(frame[["notes", "group", "source_detail"]], as_frame)
    assert {"notes", "group"} <= filled and "source_detail" not in filled
    assert [i.rule for i in issues] == ["schema/normalised"]
