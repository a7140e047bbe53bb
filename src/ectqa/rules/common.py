"""Helpers the domain modules share: number formatting, series, the control group, coverage."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .engine import Context

# a series: the rows of one study, group and outcome
SERIES = ("study_id", "group", "outcome")
LATER = ("acute", "during_course", "end_of_course", "follow_up")


def fmt(x: Any) -> Any:
    """Numbers as a reviewer writes them (13, 0.004, 10.1): str for a scalar, else an array of str."""
    if np.isscalar(x):
        return f"{float(x):g}"
    values = np.asarray(x, dtype="float64")
    # formatted in a list, then one array: np.char.mod takes twice as long
    return np.array(["%g" % v for v in values.ravel().tolist()], dtype=str).reshape(values.shape)


def has_control_group(control_type: Any) -> np.ndarray:
    """The catalogue's "control group": `control_type` (values) is not `none`."""
    control_type = np.asarray(control_type, dtype=object)
    return ~pd.isna(control_type) & (control_type != "none")


# Messages are built from the hits' cells with numpy: a pandas operation costs tens of
# microseconds whatever its length, which on a few hundred rows is most of a rule's time.


def cells(frame: pd.DataFrame, column: str, rows: Any, empty: Any = None) -> np.ndarray:
    """`column` at `rows` (a bool per row) as an object array; missing cells as `empty` (None:
    left missing)."""
    values = frame[column].to_numpy(dtype=object)[rows]
    if empty is not None:
        missing = pd.isna(values)
        if missing.any():
            values[missing] = empty
    return values


def one_of(values: np.ndarray, terms: Any) -> np.ndarray:
    """Per value of an object array: whether it is one of a few `terms`."""
    hit = np.zeros(len(values), dtype=bool)
    for term in terms:
        hit |= values == term
    return hit


def text(*parts: Any) -> np.ndarray:
    """One message per hit, joined from str and arrays of str (one per hit), as an object array.
    A missing piece (None, NaN) leaves that message missing, as pandas' + does."""
    n = next(len(p) for p in parts if not isinstance(p, str))
    out = np.full(n, "", dtype=object)
    missing = np.zeros(n, dtype=bool)
    for part in parts:
        if not isinstance(part, str):
            part = np.asarray(part, dtype=object)
            absent = pd.isna(part)
            if absent.any():
                missing |= absent
                part = np.where(absent, "", part)
        out += part
    out[missing] = np.nan
    return out


def coverage_rows(ctx: Context) -> pd.DataFrame:
    """Every measurement row (rows with schema errors count as present), for the coverage rules."""
    return ctx.every_measurement


@dataclass
class SeriesCodes:
    """The series of every measurement row (rows with schema errors count), as integers: rules
    reduce over them with numpy, where each used to group the three text columns again."""

    code: np.ndarray  # per row: its series, numbered in the order of first rows; -1 if a key is empty
    first_row: np.ndarray  # per series: the label of its first row, where a series-level finding points
    first_position: np.ndarray  # per series: the position of that row, to read the series' keys
    count: int

    def any(self, rows: np.ndarray) -> np.ndarray:
        """Per series: whether any of `rows` (a bool per row) is one of its rows."""
        return np.bincount(self.code[rows & (self.code >= 0)], minlength=self.count) > 0


def series_codes(ctx: Context) -> SeriesCodes:
    """The measurement rows' series, worked out once per check."""
    if "series" not in ctx.cache:
        every = coverage_rows(ctx)
        combined = np.zeros(len(every), dtype=np.int64)
        empty = np.zeros(len(every), dtype=bool)
        for key in SERIES:
            codes, distinct = ctx.codes(key)
            combined = combined * max(len(distinct), 1) + codes
            empty |= codes < 0
        code = np.full(len(every), -1, dtype=np.int64)
        code[~empty] = pd.factorize(combined[~empty])[0]  # numbered in order of appearance
        count = int(code.max()) + 1 if len(code) else 0
        first_position = np.unique(code, return_index=True)[1][-count:] if count else code[:0]
        ctx.cache["series"] = SeriesCodes(code, every.index.to_numpy()[first_position], first_position, count)
    return ctx.cache["series"]


def series_keys(ctx: Context, column: str, series: np.ndarray) -> np.ndarray:
    """`column` (study_id, group or outcome) of each series in `series` (a bool per series)."""
    at = series_codes(ctx).first_position[series]
    return coverage_rows(ctx)[column].to_numpy(dtype=object)[at]


def readable_series(ctx: Context) -> np.ndarray:
    """Per series: False for a series of a study with a row whose group, outcome or timepoint
    could not be read.

    Such a row may be the series' missing baseline or post-course sample with a typo in a term,
    and a typo must never turn into a missing-timepoint flag: its schema error is reported instead.
    """
    if "readable_series" not in ctx.cache:
        vocab = ctx.dictionary.vocabularies
        unreadable = np.zeros(len(coverage_rows(ctx)), dtype=bool)
        for column in ("group", "outcome", "timepoint"):
            codes, distinct = ctx.codes(column)
            terms = set(vocab[column].terms)
            # per distinct value, and an empty cell (code -1, the last entry) is unreadable too
            unreadable |= np.array([v not in terms for v in distinct] + [True])[codes]
        study, ids = ctx.codes("study_id")
        bad = np.zeros(len(ids), dtype=bool)
        bad[study[unreadable & (study >= 0)]] = True
        # a series' study_id is never empty
        ctx.cache["readable_series"] = ~bad[study[series_codes(ctx).first_position]]
    return ctx.cache["readable_series"]


def study_rows(ctx: Context, m: pd.DataFrame) -> np.ndarray:
    """Each measurement row's study (rows of `m`): the position in ctx.studies of the first row
    with its study_id, -1 for none. Matched once per check, not by text in every rule."""
    if "study_rows" not in ctx.cache:
        ids = ctx.studies["study_id"].to_numpy(dtype=object)
        first = np.flatnonzero(~pd.Series(ids).duplicated().to_numpy())
        known = pd.Index(ids[first])
        # each distinct study_id once, then every row by its code (-1, empty: the last entry)
        study, distinct = ctx.codes("study_id")
        found = np.append(known.get_indexer(distinct), known.get_indexer([np.nan]))[study]
        rows = np.full(len(found), -1, dtype=np.int64)
        rows[found >= 0] = first[found[found >= 0]]
        ctx.cache["study_rows"] = rows
        ctx.cache["study_first_rows"] = first[known.get_indexer(ids)]
    return ctx.cache["study_rows"][ctx.positions(m)]


def count_per_study(ctx: Context, m: pd.DataFrame, rows: np.ndarray, distinct: np.ndarray | None = None) -> np.ndarray:
    """Per row of ctx.studies: how many of `rows` (a bool per row of `m`) are of its study; with
    `distinct` (a code >= 0 per row of `m`), how many distinct codes they hold."""
    study = study_rows(ctx, m)
    rows = rows & (study >= 0)
    at = study[rows]
    if distinct is not None and len(at):
        width = int(distinct[rows].max()) + 1
        at = np.unique(at * width + distinct[rows]) // width
    return np.bincount(at, minlength=len(ctx.studies))[ctx.cache["study_first_rows"]]


def one_column(columns: Any) -> Any:
    """The column each hit points at (mean or median, lod or n_below_lod, ...): one str when they
    agree, else an array of str, one per hit."""
    columns = np.asarray(columns, dtype=object)
    if not len(columns):
        return ""
    if (columns == columns[0]).all():
        return str(columns[0])
    return columns
