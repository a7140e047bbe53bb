"""Raw cells -> typed values, column by column (vectorised over unique values).

Finds what only the raw text shows: values of the wrong type (`schema/type`), unknown terms
(left in place so the vocabulary check flags them, with the closest term suggested) and spellings
fixed to the canonical term (`schema/normalised`).
"""

from __future__ import annotations

import datetime as _dt
import difflib
import re
from dataclasses import dataclass, field
from functools import lru_cache
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


def coerce_table(table: TableData, dictionary: Dictionary) -> tuple[pd.DataFrame, list[CellIssue], set[str]]:
    """The typed frame (every dictionary column present), the issues found on the way, and the
    columns of the file that hold at least one value once typed."""
    spec = dictionary.tables[table.name]
    raw = table.raw
    n = len(raw)
    typed: dict[str, Any] = {}
    issues: list[CellIssue] = []
    filled: set[str] = set()
    missing_tokens = dictionary.missing_tokens
    decimal_comma = getattr(table, "decimal_comma", False)
    distinct: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # term column -> codes, distinct values
    for col in spec.columns:
        if col.name not in raw.columns:
            typed[col.name] = np.full(n, np.nan) if col.numeric else np.full(n, None, dtype=object)
            continue
        series = raw[col.name]
        if col.numeric:
            values, found = _numbers(series, col, missing_tokens, decimal_comma, table.sheet is not None)
        elif col.type == "term":
            distinct[col.name] = pd.factorize(series.to_numpy(dtype=object), use_na_sentinel=True)
            values, found = _terms(series, col, dictionary, *distinct[col.name])
        elif col.type == "list":
            values, found = _term_list(series, col, dictionary)
        else:
            values, found = _text(series, missing_tokens)
        typed[col.name] = values
        issues.extend(found)
        if _filled(values):
            filled.add(col.name)
    # the outcome synonyms hsCRP / hs-CRP also set an empty row assay (dictionary)
    if table.name == "measurements" and "outcome" in distinct and dictionary.assay_from_synonym:
        # judged once per distinct outcome as written (the last entry: an empty cell)
        codes, outcomes = distinct["outcome"]
        synonyms = dictionary.assay_from_synonym
        assay_from = np.array([synonyms.get(u.strip()) if isinstance(u, str) else None for u in outcomes] + [None], dtype=object)[codes]
        fill = pd.notna(assay_from) & pd.isna(typed["assay"])
        if fill.any():
            typed["assay"] = np.where(fill, assay_from, typed["assay"])
            if "assay" in raw.columns:
                filled.add("assay")
    frame = pd.DataFrame(typed, index=pd.RangeIndex(n))
    return frame, issues, filled


def _filled(values: Any) -> bool:
    """Whether a typed column holds a value (empty is NaN for numbers, None for text): in numpy,
    or up to the first value, as a frame's notna() on text costs a call per cell."""
    if not isinstance(values, np.ndarray):  # text from _from_codes: it holds one by construction
        return True
    if values.dtype.kind == "f":
        return not np.isnan(values).all()
    return any(v is not None for v in values)


def _from_codes(by_code: list[str | None], codes: np.ndarray) -> Any:
    """A text column from each distinct value's text (None: empty) and each cell's code (-1:
    empty): the frame's text array built by one take, which the frame would otherwise build by
    checking every cell again. A column with no text stays None throughout, as the frame keeps it."""
    if all(v is None for v in by_code):
        return np.full(len(codes), None, dtype=object)
    if _TEXT is None:  # pandas 2: text stays an object array
        return np.array([*by_code, None], dtype=object)[codes]
    return pd.array(np.array(by_code, dtype=object), dtype=_TEXT).take(codes, allow_fill=True)


# the dtype a frame gives text, looked up once (a look-up by name costs 50 us a column): pandas
# 3's string dtype; pandas 2 names numpy's fixed-width str, which would turn None into "None"
_TEXT = pd.api.types.pandas_dtype("str")
_TEXT = _TEXT if isinstance(_TEXT, pd.StringDtype) else None


def _is_missing(series: pd.Series, tokens: frozenset[str]) -> np.ndarray:
    return (series.isna() | series.isin(tokens)).to_numpy() if len(series) else np.zeros(0, bool)


def _text(series: pd.Series, tokens: frozenset[str]) -> tuple[Any, list[CellIssue]]:
    # each distinct value once (a column repeats its values), its kind judged on those alone
    codes, words = pd.factorize(series.to_numpy(dtype=object))
    if pd.api.types.infer_dtype(words, skipna=True) in ("string", "empty"):
        # trimmed, or None for a token
        return _from_codes([None if w in tokens else w.strip() for w in words], codes), []
    # numbers typed into a text column (a study_id 2003 read as 2003.0)
    missing = _is_missing(series, tokens)
    values = series.map(_to_text, na_action="ignore").to_numpy(dtype=object).copy()
    values[missing] = None
    return values, []


# a cell separator followed by, or following, whitespace (`\x00` is not whitespace to str.strip)
_EDGE_SPACE = re.compile(r"\x00(?:\s|(?<=\s\x00))")


def needs_strip(cells: np.ndarray) -> bool:
    """Whether str.strip() would change any of these str cells, tested on them joined (in C),
    which costs far less than the call per cell that trimming makes."""
    if not len(cells):
        return False
    try:
        joined = "\x00".join(cells)
    except TypeError:  # not all text
        return True
    if joined.count("\x00") != len(cells) - 1:  # a cell holds the separator itself
        return True
    return joined[:1].isspace() or joined[-1:].isspace() or _EDGE_SPACE.search(joined) is not None


def _to_text(v: Any) -> Any:
    if isinstance(v, str):
        return v.strip()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


# cells of these kinds hold no text, so no missing-value token (all text) can be among them
_NUMBER_KINDS = frozenset(("floating", "integer", "mixed-integer-float", "decimal", "empty"))


@lru_cache(maxsize=8)
def _tokens_read_as_nan(tokens: frozenset[str]) -> bool:
    """Whether pd.to_numeric reads every missing-value token as NaN (else the tokens are blanked
    before reading)."""
    if not tokens:
        return True
    return bool(np.isnan(pd.to_numeric(pd.Series(sorted(tokens), dtype=object), errors="coerce").to_numpy(dtype="float64")).all())


def _cast(series: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cells that are numbers (or empty) throughout: one C cast, a third of pd.to_numeric's time.
    Values, missing cells, cells that are no number."""
    try:
        values = np.array(series.to_numpy(), dtype=np.float64)  # None -> NaN
    except (TypeError, ValueError, OverflowError):  # pd.NA, NaT or an integer beyond float
        values = pd.to_numeric(series, errors="coerce").to_numpy(dtype="float64", na_value=np.nan).copy()
        missing = series.isna().to_numpy()
        return values, missing, (~missing) & np.isnan(values)
    return values, np.isnan(values), np.zeros(len(values), dtype=bool)


def _read_text(codes: np.ndarray, words: np.ndarray, tokens: frozenset[str], decimal_comma: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Text cells read as numbers, each distinct text once (a column repeats its values; `codes`
    and `words`: the column factorised). Values, missing cells (empty or a missing-value token),
    cells that are no number."""
    token = pd.Series(words, dtype=object).isin(tokens).to_numpy()
    if _tokens_read_as_nan(tokens):
        read = words
    else:  # a token that looks like a number is still missing
        read = np.where(token, np.nan, words)
    if len(codes) and codes.min() < 0:
        # an empty cell among them, as in the column: pd.to_numeric picks its dtype from all it saw
        read = np.append(read, None)
    values = pd.to_numeric(pd.Series(read, dtype=object), errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    values = values[: len(words)].copy()
    failed = (~token) & np.isnan(values)
    if failed.any():
        # a second chance for the few that failed: a decimal comma, a typographic minus
        text = pd.Series(words[failed], dtype=object).str.replace("\u2212", "-", regex=False)
        if decimal_comma:
            text = text.str.replace(",", ".", regex=False)
        values[failed] = pd.to_numeric(text, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        failed = (~token) & np.isnan(values)
    # code -1 (an empty cell) takes the last entry
    return (np.append(values, np.nan)[codes], np.append(token, True)[codes], np.append(failed, False)[codes])


# cells of these kinds are no number, though pd.to_numeric reads some (TRUE as 1)
_NOT_NUMBERS = (bool, _dt.datetime, _dt.date, _dt.time, _dt.timedelta)


def _read_mixed(cells: np.ndarray, tokens: frozenset[str], decimal_comma: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cells of mixed kinds (a workbook column with text, dates or TRUE/FALSE among numbers) read
    as numbers. Each cell's kind is found by one call per cell; what a kind means is decided once
    per kind, and the text fixes touch only the text cells. Values, missing cells, cells that are
    no number."""
    kind_codes, kinds = pd.factorize(np.fromiter(map(type, cells), dtype=object, count=len(cells)))
    is_str = np.array([k is str for k in kinds] + [False])[kind_codes]
    could_be_token = np.array([issubclass(k, str) for k in kinds] + [False])[kind_codes]
    bad_kind = np.array([k in _NOT_NUMBERS for k in kinds] + [False])[kind_codes]
    missing = pd.isna(cells)
    if could_be_token.any():
        missing[could_be_token] |= [c in tokens for c in cells[could_be_token]]
    prepared = cells.copy()
    if is_str.any():
        text = [c.replace("\u2212", "-") for c in cells[is_str]]  # a typographic minus
        if decimal_comma:
            text = [c.replace(",", ".") for c in text]
        prepared[is_str] = text
    prepared[missing] = np.nan
    values = pd.to_numeric(pd.Series(prepared, dtype=object), errors="coerce").to_numpy(dtype="float64", na_value=np.nan).copy()
    values[bad_kind] = np.nan
    return values, missing, (~missing) & (np.isnan(values) | bad_kind)


def _as_numbers(cells: np.ndarray) -> np.ndarray | None:
    """Workbook cells that are numbers (or empty) throughout, as float64, found and read in one C
    pass (a fifth of the time of judging their kind and then casting them); None for any other
    cells."""
    read = pd.Series(cells, dtype=object, copy=False).infer_objects()
    if read.dtype.kind not in "fiu":  # TRUE/FALSE, dates, text or an object pandas does not read
        return None
    return read.to_numpy(dtype=np.float64, copy=True)


def _read_numbers(series: pd.Series, tokens: frozenset[str], decimal_comma: bool, workbook: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The cells read as numbers, by the cheapest reading their kind allows: values, missing
    cells, cells that are no number; None when every cell is empty."""
    cells = series.to_numpy(dtype=object)
    if any(isinstance(v, str) for v in cells[:16]):
        # text, as all of a CSV: if the distinct values are all text, so are the cells
        codes, words = pd.factorize(cells)
        if pd.api.types.infer_dtype(words, skipna=True) == "string":
            return _read_text(codes, words, tokens, decimal_comma)
    elif workbook:  # numbers, as most of a workbook
        values = _as_numbers(cells)
        if values is not None:
            return values, np.isnan(values), np.zeros(len(values), dtype=bool)
    kind = pd.api.types.infer_dtype(series, skipna=True)
    if kind == "empty":
        return None
    if kind in _NUMBER_KINDS:
        return _cast(series)
    if kind == "string":
        return _read_text(*pd.factorize(cells), tokens, decimal_comma)
    return _read_mixed(cells, tokens, decimal_comma)


def _numbers(series: pd.Series, col: Column, tokens: frozenset[str], decimal_comma: bool, workbook: bool) -> tuple[np.ndarray, list[CellIssue]]:
    read = _read_numbers(series, tokens, decimal_comma, workbook)
    if read is None:  # nothing to read
        return np.full(len(series), np.nan), []
    values, missing, failed = read
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


def _terms(series: pd.Series, col: Column, dictionary: Dictionary, codes: np.ndarray, uniques: np.ndarray) -> tuple[Any, list[CellIssue]]:
    """Terms made canonical, judged once per distinct value (`codes`, `uniques`: the column
    factorised, -1 for an empty cell)."""
    vocab = dictionary.vocabularies[col.vocabulary]
    lookup = vocab.lookup
    nr = vocab.has_not_reported
    nr_tokens = {fold(t) for t in dictionary.not_reported_tokens}
    missing_tokens = dictionary.missing_tokens
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
    values = _from_codes([mapping[u] for u in uniques], codes)  # text or None
    issues = []

    def cells_of(keys: Any) -> np.ndarray:
        wanted = np.zeros(len(uniques) + 1, dtype=bool)
        wanted[:-1] = [u in keys for u in uniques]
        return np.flatnonzero(wanted[codes])

    if normalised:
        idx = cells_of(normalised)
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
        idx = cells_of(unknown)
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
