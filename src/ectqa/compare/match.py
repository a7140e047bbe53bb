"""Match the records of two datasets by key and compare their cells, column by column.

Records are matched on the dictionary's key (`studies`: study_id; `measurements`: study_id,
group, outcome, timepoint, session, hours_after_session, hours_after_last_session,
weeks_after_course) read from the typed frames, so spellings that normalise to the same term
(`IL6` and `IL-6`) are the same key, and blank key cells compare equal. A key written twice in
one file (a `schema/unique` error) is matched occurrence by occurrence: the first with the first.

A cell agrees when
- both are blank (empty or a missing-value token);
- numbers: both numbers within the tolerance. The default tolerance is half a unit of the last
  reported decimal of the less precise of the two (2.58 and 2.6 agree: 2.6 says 2.55 to 2.65);
  `tolerance=x` makes it an absolute |a - b| <= x instead. A cell that is not a number at all
  (`twelve`) agrees only with the same text;
- terms, lists and text: equal after normalisation (terms canonical, text trimmed).

Everything is done on whole columns (numpy arrays): no Python loop runs over the records.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

OCCURRENCE = "__occurrence"
# relative slack so that 2.55 vs 2.6 (half a unit apart exactly) survives float rounding
_EPS = 1e-9


@dataclass
class TableDiff:
    """How one table of A compares with the same table of B (positions are row positions)."""

    table: str
    key: tuple[str, ...]
    columns: list[str]  # columns compared
    column_types: dict[str, str]
    a_pos: np.ndarray  # matched records: position in A ...
    b_pos: np.ndarray  # ... and in B, pairwise
    only_a: np.ndarray  # positions of records present only in A
    only_b: np.ndarray
    # one row per cell that disagrees: a_pos, b_pos, column (ordered by A's row, then column order)
    disagreements: pd.DataFrame
    # per column over the matched records: cells filled on at least one side, and how many agree
    compared: dict[str, int] = field(default_factory=dict)
    agreed: dict[str, int] = field(default_factory=dict)
    # per term column: the two sides' categories over the compared cells (for kappa)
    categories: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)


def key_frame(frame: pd.DataFrame, key: tuple[str, ...]) -> pd.DataFrame:
    """The key columns as text ('' for blank; numbers as their float repr) plus the occurrence."""
    out = {}
    for col in key:
        values = frame[col] if col in frame.columns else pd.Series([None] * len(frame))
        if pd.api.types.is_float_dtype(values.dtype):
            arr = values.to_numpy(dtype="float64")
            text = pd.Series(arr).map(repr).to_numpy(dtype=object)
            text[np.isnan(arr)] = ""
        else:
            text = values.astype(object).where(values.notna(), "").map(str).to_numpy(dtype=object)
        out[col] = text
    keys = pd.DataFrame(out, index=pd.RangeIndex(len(frame)))
    keys[OCCURRENCE] = keys.groupby(list(key), sort=False).cumcount()
    return keys


def match_records(frame_a: pd.DataFrame, frame_b: pd.DataFrame, key: tuple[str, ...]):
    """(a_pos, b_pos, only_a, only_b) as int64 arrays; matched pairs in A's order."""
    ka = key_frame(frame_a, key)
    kb = key_frame(frame_b, key)
    ka["_a"] = np.arange(len(ka), dtype=np.int64)
    kb["_b"] = np.arange(len(kb), dtype=np.int64)
    merged = ka.merge(kb, on=[*key, OCCURRENCE], how="outer", sort=False)
    both = merged["_a"].notna() & merged["_b"].notna()
    pairs = merged[both].sort_values("_a")
    only_a = np.sort(merged.loc[merged["_b"].isna(), "_a"].to_numpy(dtype=np.int64))
    only_b = np.sort(merged.loc[merged["_a"].isna(), "_b"].to_numpy(dtype=np.int64))
    return pairs["_a"].to_numpy(dtype=np.int64), pairs["_b"].to_numpy(dtype=np.int64), only_a, only_b


def present(raw: pd.Series | None, n: int, missing_tokens: frozenset[str]) -> np.ndarray:
    """Whether each raw cell holds something (not empty, not a missing-value token)."""
    if raw is None:
        return np.zeros(n, dtype=bool)
    # readers trim text already, so no strip here
    return (raw.notna() & ~raw.isin(missing_tokens)).to_numpy()


def _raw_text(raw: pd.Series | None, n: int) -> np.ndarray:
    if raw is None:
        return np.full(n, "", dtype=object)
    return raw.map(lambda v: str(v).strip(), na_action="ignore").fillna("").to_numpy(dtype=object)


def compare_numbers(a: np.ndarray, b: np.ndarray, dec_a, dec_b, tolerance: float | None) -> np.ndarray:
    """Whether two number arrays agree (NaN agrees with NaN only). `dec_a`/`dec_b`: the reported
    decimals, or callables giving them (asked only when some pair is not exactly equal)."""
    both = ~np.isnan(a) & ~np.isnan(b)
    if not (both & (a != b)).any():
        return (both & (a == b)) | (np.isnan(a) & np.isnan(b))
    if tolerance is None:
        dec_a = dec_a() if callable(dec_a) else dec_a
        dec_b = dec_b() if callable(dec_b) else dec_b
        d = np.minimum(np.where(dec_a >= 0, dec_a, 10), np.where(dec_b >= 0, dec_b, 10))
        tol = 0.5 * 10.0 ** (-d.astype(float))
    else:
        tol = np.full(len(a), float(tolerance))
    diff = np.abs(np.where(both, a, 0.0) - np.where(both, b, 0.0))
    scale = np.maximum(np.abs(np.where(both, a, 0.0)), np.abs(np.where(both, b, 0.0)))
    close = diff <= tol * (1 + _EPS) + _EPS * scale
    return (both & close) | (np.isnan(a) & np.isnan(b))


def compare_table(name: str, a, b, dictionary, decimals_a, decimals_b, tolerance: float | None,
                  ignore: tuple[str, ...] = ()) -> TableDiff:
    """Compare table `name` of two datasets (`TableData` with typed frames)."""
    spec = dictionary.tables[name]
    key = tuple(spec.key)
    frame_a, frame_b = a.frame, b.frame
    a_pos, b_pos, only_a, only_b = match_records(frame_a, frame_b, key)
    missing = dictionary.missing_tokens
    columns = [c.name for c in spec.columns if c.name not in key and c.name not in ignore]
    types = {c.name: c.type for c in spec.columns}
    parts = []
    diff = TableDiff(name, key, columns, types, a_pos, b_pos, only_a, only_b, pd.DataFrame())
    for order, col in enumerate(columns):
        raw_a = a.raw[col] if col in a.raw.columns else None
        raw_b = b.raw[col] if col in b.raw.columns else None
        has_a = present(raw_a, len(frame_a), missing)[a_pos]
        has_b = present(raw_b, len(frame_b), missing)[b_pos]
        va = frame_a[col].to_numpy()[a_pos]
        vb = frame_b[col].to_numpy()[b_pos]
        if types[col] in ("integer", "number"):
            va = va.astype("float64")
            vb = vb.astype("float64")
            agree = compare_numbers(va, vb, lambda c=col: decimals_a(name, c)[a_pos], lambda c=col: decimals_b(name, c)[b_pos], tolerance)
            # a cell that is there but is not a number agrees only with the same text
            bad_a = has_a & np.isnan(va)
            bad_b = has_b & np.isnan(vb)
            if (bad_a | bad_b).any():
                text_a = _raw_text(raw_a, len(frame_a))[a_pos]
                text_b = _raw_text(raw_b, len(frame_b))[b_pos]
                agree = np.where(bad_a | bad_b, bad_a & bad_b & (text_a == text_b), agree)
        else:
            sa = pd.Series(va, dtype=object)
            sb = pd.Series(vb, dtype=object)
            blank_a = sa.isna().to_numpy()
            blank_b = sb.isna().to_numpy()
            equal = (sa.fillna("").astype(str).to_numpy() == sb.fillna("").astype(str).to_numpy())
            agree = (blank_a & blank_b) | (~blank_a & ~blank_b & equal)
            if types[col] in ("term", "list"):
                filled = ~(blank_a & blank_b)
                diff.categories[col] = (
                    sa.fillna("(blank)").astype(str).to_numpy()[filled],
                    sb.fillna("(blank)").astype(str).to_numpy()[filled],
                )
        filled = has_a | has_b
        diff.compared[col] = int(filled.sum())
        diff.agreed[col] = int((filled & agree).sum())
        where = np.flatnonzero(~agree)
        if len(where):
            parts.append(pd.DataFrame({"a_pos": a_pos[where], "b_pos": b_pos[where], "order": order, "column": col}))
    if parts:
        d = pd.concat(parts, ignore_index=True).sort_values(["a_pos", "order"], kind="stable")
        diff.disagreements = d.drop(columns="order").reset_index(drop=True)
    else:
        diff.disagreements = pd.DataFrame({"a_pos": np.zeros(0, np.int64), "b_pos": np.zeros(0, np.int64), "column": []})
    return diff
