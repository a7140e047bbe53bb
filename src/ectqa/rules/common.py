"""Helpers the domain modules share: number formatting, series, the control group, coverage."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .engine import Context

# a series: the rows of one study, group and outcome
SERIES = ("study_id", "group", "outcome")
LATER = ("acute", "during_course", "end_of_course", "follow_up")


def fmt(x: Any) -> Any:
    """Numbers as a reviewer writes them (13, 0.004, 10.1): str for a scalar, else str Series."""
    if np.isscalar(x):
        return f"{float(x):g}"
    text = np.char.mod("%g", np.asarray(x, dtype="float64"))
    return pd.Series(text, index=x.index) if isinstance(x, pd.Series) else text


def has_control_group(s: pd.DataFrame) -> pd.Series:
    """The catalogue's "control group": `control_type` is not `none`."""
    return s["control_type"].notna() & s["control_type"].ne("none")


def coverage_rows(ctx: Context) -> pd.DataFrame:
    """Every measurement row (rows with schema errors count as present), for the coverage rules."""
    return ctx.all_measurements if ctx.all_measurements is not None else ctx.measurements


def readable_series(ctx: Context, series: pd.MultiIndex) -> np.ndarray:
    """False for series of a study with a row whose group, outcome or timepoint could not be read.

    Such a row may be the series' missing baseline or post-course sample with a typo in a term,
    and a typo must never turn into a missing-timepoint flag: its schema error is reported instead.
    """
    rows = coverage_rows(ctx)
    vocab = ctx.dictionary.vocabularies
    unreadable = (
        ~rows["group"].isin(vocab["group"].terms)
        | ~rows["outcome"].isin(vocab["outcome"].terms)
        | ~rows["timepoint"].isin(vocab["timepoint"].terms)
    )
    bad = rows.loc[unreadable, "study_id"].dropna().unique()
    return ~series.get_level_values("study_id").isin(bad)


def one_column(columns: Any) -> Any:
    """The column each hit points at (mean or median, lod or n_below_lod, ...): one str when they
    agree, else an array of str, one per hit."""
    columns = pd.Series(np.asarray(columns, dtype=object))
    if columns.empty or columns.eq(columns.iloc[0]).all():
        return str(columns.iloc[0]) if len(columns) else ""
    return columns.to_numpy()


def series_first_rows(ctx: Context) -> pd.Series:
    """Per series, the label of its first row among every measurement row: where a series-level
    finding points, the same row for every rule."""
    if ctx._series_first_rows is None:
        every = coverage_rows(ctx)
        ctx._series_first_rows = every.assign(_row=every.index).groupby(list(SERIES))["_row"].min()
    return ctx._series_first_rows


def series_table(ctx: Context, m: pd.DataFrame, **aggregates: Any) -> pd.DataFrame:
    """One row per series of `m`: the named aggregates, and `_row` (the series' first row)."""
    return (
        m.groupby(list(SERIES), sort=False)
        .agg(**aggregates)
        .join(series_first_rows(ctx), how="left")
    )
