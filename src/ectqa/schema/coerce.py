"""Raw cells -> typed values, column by column (vectorised over unique values).

Finds what only the raw text shows: values of the wrong type (`schema/type`), unknown terms
(left in place so the vocabulary check flags them, with the closest term suggested) and spellings
fixed to the canonical term (`schema/normalised`).
"""

from __future__ import annotations

import datetime as _dt
import difflib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..dataset import TableData
from ..dictionary import Column, Dictionary, fold


@dataclass
class CellIssue:
    """A problem found per cell while coercing: rule, positions, message per position."""

    rule: str
    column: str
    index: np.ndarray
    messages: list[str]
    severity: str = "error"
    values: list[Any] = field(default_factory=list)


def coerce_table(table: TableData, dictionary: Dictionary) -> tuple[pd.DataFrame, list[CellIssue]]:
    """The typed frame (every dictionary column present) and the issues found on the way."""
    spec = dictionary.tables[table.name]
    raw = table.raw
    n = len(raw)
    typed: dict[str, Any] = {}
    issues: list[CellIssue] = []
    missing_tokens = dictionary.missing_tokens
    decimal_comma = getattr(table, "decimal_comma", False)
    for col in spec.columns:
        if col.name not in raw.columns:
            typed[col.name] = np.full(n, np.nan) if col.numeric else np.full(n, None, dtype=object)
            continue
        series = raw[col.name]
        if col.numeric:
            values, found = _numbers(series, col, missing_tokens, decimal_comma)
        elif col.type == "term":
            values, found = _terms(series, col, dictionary)
        elif col.type == "list":
            values, found = _term_list(series, col, dictionary)
        else:
            values, found = _text(series, missing_tokens)
        typed[col.name] = values
        issues.extend(found)
    # the outcome synonyms hsCRP / hs-CRP also set an empty row assay (dictionary)
    if table.name == "measurements" and "outcome" in raw.columns and dictionary.assay_from_synonym:
        assay_from = raw["outcome"].map(
            {u: dictionary.assay_from_synonym[u.strip()] for u in raw["outcome"].dropna().unique()
             if isinstance(u, str) and u.strip() in dictionary.assay_from_synonym}
        )
        fill = assay_from.notna().to_numpy() & pd.isna(typed["assay"])
        if fill.any():
            typed["assay"] = np.where(fill, assay_from.to_numpy(dtype=object), typed["assay"])
    frame = pd.DataFrame(typed, index=pd.RangeIndex(n))
    return frame, issues


def _is_missing(series: pd.Series, tokens: frozenset[str]) -> np.ndarray:
    return (series.isna() | series.isin(tokens)).to_numpy() if len(series) else np.zeros(0, bool)


def _text(series: pd.Series, tokens: frozenset[str]) -> tuple[np.ndarray, list[CellIssue]]:
    missing = _is_missing(series, tokens)
    if pd.api.types.infer_dtype(series, skipna=True) in ("string", "empty"):
        as_text = series.str.strip()
    else:  # numbers typed into a text column (a study_id 2003 read as 2003.0)
        as_text = series.map(_to_text, na_action="ignore")
    values = as_text.to_numpy(dtype=object).copy()
    values[missing] = None
    return values, []


def _to_text(v: Any) -> Any:
    if isinstance(v, str):
        return v.strip()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


# cells of these kinds are numbers or numeric text throughout: pd.to_numeric reads them in C
_PLAIN_KINDS = frozenset(("floating", "integer", "mixed-integer-float", "decimal", "string", "empty"))


def _numbers(series: pd.Series, col: Column, tokens: frozenset[str], decimal_comma: bool) -> tuple[np.ndarray, list[CellIssue]]:
    missing = _is_missing(series, tokens)
    kind = pd.api.types.infer_dtype(series, skipna=True)
    if kind in _PLAIN_KINDS:
        numbers = pd.to_numeric(series.where(~missing), errors="coerce")
        values = numbers.to_numpy(dtype="float64", na_value=np.nan).copy()
        failed = (~missing) & np.isnan(values)
        if failed.any() and kind == "string":
            # second chance, for the few cells that failed: a decimal comma, a typographic minus
            idx = np.flatnonzero(failed)
            text = series.iloc[idx].str.replace("\u2212", "-", regex=False)
            if decimal_comma:
                text = text.str.replace(",", ".", regex=False)
            values[idx] = pd.to_numeric(text, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
            failed = (~missing) & np.isnan(values)
    else:
        # mixed cells (a workbook column with text, dates or TRUE/FALSE among numbers)
        kinds = series.map(type, na_action="ignore")
        is_str = kinds.eq(str).to_numpy()
        prepared = series
        if is_str.any():
            text = series.where(is_str)
            if decimal_comma:
                text = text.str.replace(",", ".", regex=False)
            text = text.str.replace("\u2212", "-", regex=False)  # a typographic minus
            prepared = series.where(~is_str, text)
        numbers = pd.to_numeric(prepared.where(~missing), errors="coerce")
        bad_kind = kinds.isin((bool, _dt.datetime, _dt.date, _dt.time, _dt.timedelta)).to_numpy()
        values = numbers.to_numpy(dtype="float64", na_value=np.nan).copy()
        values[bad_kind] = np.nan
        failed = (~missing) & (np.isnan(values) | bad_kind)
    # a finite number is required: inf is a type error too
    failed |= (~missing) & np.isinf(values)
    issues: list[CellIssue] = []
    if col.type == "integer":
        fractional = (~failed) & (~missing) & ~np.isnan(values) & (values != np.floor(values))
        if fractional.any():
            idx = np.flatnonzero(fractional)
            issues.append(
                CellIssue("schema/type", col.name, idx, [f"{col.name} must be a whole number, not {_show(v)}" for v in values[idx]])
            )
            values[fractional] = np.nan
    if failed.any():
        idx = np.flatnonzero(failed)
        raw_values = series.to_numpy(dtype=object)[idx]
        issues.append(CellIssue("schema/type", col.name, idx, [_type_message(col, v) for v in raw_values]))
        values[failed] = np.nan
    values[np.isinf(values)] = np.nan
    return values, issues


def _type_message(col: Column, v: Any) -> str:
    kind = "a whole number" if col.type == "integer" else "a number"
    if isinstance(v, (_dt.datetime, _dt.date)):
        return f"{col.name} must be {kind}, but the cell holds a date ({v}); format the cell as a number and retype it"
    if isinstance(v, (_dt.time, _dt.timedelta)):
        return f"{col.name} must be {kind}, but the cell holds a time ({v}); format the cell as a number and retype it"
    if isinstance(v, bool):
        return f"{col.name} must be {kind}, not TRUE/FALSE"
    text = str(v).strip()
    if col.name == "p_value" and text[:1] in "<>":
        return f"p_value must be a number; write {text[1:].strip()} in p_value and '{text[0]}' in p_relation"
    return f"{col.name} must be {kind}, not '{text}'"


def _show(v: float) -> str:
    return f"{v:g}"


def _closest(word: str, terms: list[str]) -> str | None:
    folded = {fold(t): t for t in terms}
    match = difflib.get_close_matches(fold(word), list(folded), n=1, cutoff=0.5)
    return folded[match[0]] if match else None


def _terms(series: pd.Series, col: Column, dictionary: Dictionary) -> tuple[np.ndarray, list[CellIssue]]:
    vocab = dictionary.vocabularies[col.vocabulary]
    lookup = vocab.lookup
    nr = vocab.has_not_reported
    nr_tokens = {fold(t) for t in dictionary.not_reported_tokens}
    missing_tokens = dictionary.missing_tokens
    uniques = series.dropna().unique()
    mapping: dict[Any, Any] = {}
    normalised: dict[Any, str] = {}
    unknown: set[Any] = set()
    for u in uniques:
        text = _to_text(u)
        key = fold(text)
        if nr and key in nr_tokens:
            mapping[u] = "not_reported"
            if text != "not_reported":
                normalised[u] = "not_reported"
            continue
        if text in missing_tokens:
            mapping[u] = None
            continue
        canonical = lookup.get(key)
        if canonical is None:
            canonical = lookup.get(fold(text.replace(" ", "_")))
        if canonical is None:
            mapping[u] = text  # left as written: the vocabulary check flags it
            unknown.add(u)
        else:
            mapping[u] = canonical
            if canonical != text:
                normalised[u] = canonical
    values = series.map(mapping).to_numpy(dtype=object) if len(series) else np.zeros(0, dtype=object)
    values = np.where(pd.isna(values), None, values)
    issues = []
    if normalised:
        hit = series.isin(list(normalised)).to_numpy()
        idx = np.flatnonzero(hit)
        written = series.to_numpy(dtype=object)[idx]
        issues.append(
            CellIssue(
                "schema/normalised",
                col.name,
                idx,
                [f"{col.name} '{_to_text(w)}' read as '{normalised[w]}'" for w in written],
                severity="info",
                values=[_to_text(w) for w in written],
            )
        )
    if unknown:
        suggestions = {u: _closest(_to_text(u), list(vocab.terms)) for u in unknown}
        hit = series.isin(list(unknown)).to_numpy()
        idx = np.flatnonzero(hit)
        written = series.to_numpy(dtype=object)[idx]
        issues.append(
            CellIssue(
                "schema/vocabulary",
                col.name,
                idx,
                [_vocab_message(col, _to_text(w), suggestions[w], vocab.terms) for w in written],
            )
        )
    return values, issues


def _vocab_message(col: Column, written: str, suggestion: str | None, terms: tuple[str, ...]) -> str:
    hint = f"did you mean '{suggestion}'?" if suggestion else f"use one of {', '.join(terms[:12])}" + (" ..." if len(terms) > 12 else "")
    extra = " (or add it under [outcomes] in ectqa.toml)" if col.name == "outcome" else ""
    return f"{col.name} '{written}' is not a known term; {hint}{extra}"


def _term_list(series: pd.Series, col: Column, dictionary: Dictionary) -> tuple[np.ndarray, list[CellIssue]]:
    vocab = dictionary.vocabularies[col.vocabulary]
    lookup = vocab.lookup
    mapping: dict[Any, Any] = {}
    bad: dict[Any, str] = {}
    for u in series.dropna().unique():
        text = _to_text(u)
        if text in dictionary.missing_tokens:
            mapping[u] = None
            continue
        parts = [p.strip() for p in text.replace(",", ";").split(";") if p.strip()]
        canon = [lookup.get(fold(p)) for p in parts]
        wrong = [p for p, c in zip(parts, canon) if c is None]
        if wrong:
            bad[u] = wrong[0]
            mapping[u] = text
        else:
            ordered = [t for t in vocab.terms if t in canon]
            mapping[u] = ";".join(ordered)
    values = series.map(mapping).to_numpy(dtype=object) if len(series) else np.zeros(0, dtype=object)
    values = np.where(pd.isna(values), None, values)
    issues = []
    if bad:
        idx = np.flatnonzero(series.isin(list(bad)).to_numpy())
        written = series.to_numpy(dtype=object)[idx]
        issues.append(
            CellIssue(
                "schema/vocabulary",
                col.name,
                idx,
                [f"{col.name}: '{bad[w]}' is not one of {', '.join(vocab.terms)} (separate them with ';')" for w in written],
            )
        )
    return values, issues
