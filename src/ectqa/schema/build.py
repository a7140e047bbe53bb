"""The data dictionary -> pandera schemas, one per table, every check named.

Each check carries an id (`check.error`) that maps back to a `CheckSpec`: the rule id
(`schema/<reason>`), the column a person should look at and how to word the message. Checks
are vectorised (a boolean Series per check, True = passes); nothing is evaluated from text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .engine import pandera

pa = pandera()

from ..codes import among
from ..dictionary import Column, Dictionary

Message = Callable[[pd.DataFrame, np.ndarray], list[str]]


@dataclass(frozen=True)
class CheckSpec:
    id: str
    rule: str  # schema/<reason>
    column: str  # where the finding points
    message: Message


def _fmt(v: Any) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return "empty"
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def _rows(frame: pd.DataFrame, idx: np.ndarray, *columns: str) -> Iterator[tuple[Any, ...]]:
    """The typed values of `columns` at the positions `idx`, row by row: one gather per column
    (a frame's .at costs some microseconds a cell, and a check can fail at thousands)."""
    return zip(*(frame[c].to_numpy()[idx].tolist() for c in columns))


def _const(text: str) -> Message:
    return lambda frame, idx: [text] * len(idx)


class SchemaBuilder:
    def __init__(self, dictionary: Dictionary, table: str, other: pd.DataFrame | None = None,
                 other_valid: pd.DataFrame | None = None, present: set[str] | None = None):
        self.dictionary = dictionary
        self.table = dictionary.tables[table]
        self.other = other  # every studies row: does a study_id exist?
        # studies rows without schema errors: enrolled n is trusted only from those
        self.other_valid = other_valid if other_valid is not None else other
        self.present = present  # columns in the file; an absent one is reported once, not per row
        self.specs: dict[str, CheckSpec] = {}
        self._kept: dict[str, tuple[pd.DataFrame, Any]] = {}  # see _per_frame

    def _check(self, spec: CheckSpec, fn: Callable[[Any], Any]) -> pa.Check:
        self.specs[spec.id] = spec
        return pa.Check(fn, error=spec.id, name=spec.id, ignore_na=False)

    def _across(self, spec: CheckSpec, fn: Callable[[pd.DataFrame], pd.Series]) -> pa.Check:
        """A check of a row across columns. Where rows fail, it hands pandera their failure cases
        at the cell its spec names (pandera takes a SchemaError from a check as its finding):
        left to itself pandera lists every cell of each failing row, 33 in measurements, and
        turns each to text, to have all but that cell dropped again (`_failure_findings`)."""
        self.specs[spec.id] = spec

        def check(frame: pd.DataFrame) -> pd.Series:
            passes = fn(frame)
            if passes.all():
                return passes
            failing = np.flatnonzero(~passes.to_numpy(dtype=bool))
            cases = pd.DataFrame({
                "index": frame.index[failing],
                "failure_case": frame[spec.column].to_numpy()[failing],
                "column": spec.column,
            })
            raise pa.errors.SchemaError(None, None, f"{spec.id} failed", failure_cases=cases)

        return pa.Check(check, error=spec.id, name=spec.id, ignore_na=False)

    def _per_frame(self, df: pd.DataFrame, key: str, compute: Callable[[pd.DataFrame], Any]) -> Any:
        """`compute(df)`, once per frame under validation for all the checks that need it."""
        kept = self._kept.get(key)
        if kept is None or kept[0] is not df:
            kept = self._kept[key] = (df, compute(df))
        return kept[1]

    def _distinct(self, df: pd.DataFrame, column: str) -> tuple[np.ndarray, np.ndarray]:
        """A text column factorised: codes (-1 for an empty cell), distinct values."""
        return self._per_frame(df, column, lambda df: pd.factorize(df[column].to_numpy(dtype=object)))

    def _groups(self, df: pd.DataFrame, columns: list[str], rows: np.ndarray) -> np.ndarray:
        """A group number for each of the `rows`: rows alike in `columns` share one (an empty
        cell is a value of its own), as a groupby would find them without its per-call cost."""
        group = np.zeros(int(rows.sum()), dtype=np.int64)
        for c in columns:
            if df[c].dtype.kind == "f":
                codes = pd.factorize(df[c].to_numpy()[rows])[0]
            else:
                codes = self._distinct(df, c)[0][rows]
            group = pd.factorize(group * (codes.max(initial=-1) + 2) + codes + 1)[0]
        return group

    def _among(self, df: pd.DataFrame, column: str, values: Collection[str]) -> np.ndarray:
        """Whether each cell of a text column is one of `values` (an empty cell is not), judged
        once per distinct value."""
        return among(*self._distinct(df, column), values)

    def build(self) -> pa.DataFrameSchema:
        # a column with nothing to check (absent, empty, or free and optional) is left out: pandera
        # would spend a call per column on it and find nothing
        columns = {}
        for c in self.table.columns:
            if self.present is None or c.name in self.present:
                column = self._column(c)
                if column.checks or not column.nullable or column.unique:
                    columns[c.name] = column
        frame_checks = self._frame_checks()
        unique = list(self.table.key) if len(self.table.key) > 1 else None
        if unique:
            self.specs["multiple_fields_uniqueness"] = CheckSpec(
                "unique", "schema/unique", self.table.key[0], self._unique_message
            )
        return pa.DataFrameSchema(
            columns, checks=frame_checks, unique=unique, report_duplicates="all", strict=False, coerce=False
        )

    def _unique_message(self, frame: pd.DataFrame, idx: np.ndarray) -> list[str]:
        key = [c for c in self.table.key if c in frame]
        return ["the same key (" + ", ".join(f"{c} {_fmt(v)}" for c, v in zip(key, row) if _fmt(v) != "empty") + ") appears more than once; each row must be unique"
                for row in _rows(frame, idx, *key)]

    def _column(self, col: Column) -> pa.Column:
        checks = []
        name = col.name
        lo = col.min if col.min is not None else None
        hi = col.max
        if col.numeric and (lo is not None or hi is not None or col.exclusive_min is not None):
            rng = col.range_text()
            exclusive = col.exclusive_min

            def within_range(s: pd.Series, lo=lo, hi=hi, exclusive=exclusive) -> pd.Series:
                # in numpy: at a few hundred rows each pandas operation costs more than its comparison
                v = s.to_numpy(dtype=np.float64)
                cond = np.ones(len(v), dtype=bool)
                if lo is not None:
                    cond &= v >= lo
                if hi is not None:
                    cond &= v <= hi
                if exclusive is not None:
                    cond &= v > exclusive
                return pd.Series(np.isnan(v) | cond, index=s.index)

            checks.append(
                self._check(
                    CheckSpec(f"range:{name}", "schema/range", name,
                              lambda f, idx, name=name, rng=rng: [f"{name} must be {rng}; it is {_fmt(v)}" for v, in _rows(f, idx, name)]),
                    within_range,
                )
            )
        if col.pattern:
            pattern = re.compile(col.pattern)

            def matches(s: pd.Series, pattern=pattern) -> pd.Series:
                # each distinct text once; an empty cell passes
                codes, texts = pd.factorize(s.to_numpy(dtype=object))
                return pd.Series(np.array([pattern.fullmatch(t) is not None for t in texts] + [True])[codes], index=s.index)

            example = f" (e.g. {col.example})" if col.example else ""
            checks.append(
                self._check(
                    CheckSpec(f"pattern:{name}", "schema/pattern", name,
                              lambda f, idx, name=name, example=example: [f"{name} '{_fmt(v)}' does not have the expected form{example}" for v, in _rows(f, idx, name)]),
                    matches,
                )
            )
        if col.type == "term":
            # an empty cell passes: one look-up with the empty values among the terms
            terms = [*self.dictionary.vocabularies[col.vocabulary].terms, None, np.nan]

            def known(s: pd.Series, terms=terms) -> pd.Series:
                return s.isin(terms)

            checks.append(
                self._check(
                    CheckSpec(f"vocabulary:{name}", "schema/vocabulary", name,
                              lambda f, idx, name=name: [f"{name} '{_fmt(v)}' is not a known term" for v, in _rows(f, idx, name)]),
                    known,
                )
            )
        if col.required:
            self.specs[f"not_nullable:{name}"] = CheckSpec(
                f"not_nullable:{name}", "schema/required", name, _const(f"{name} is required")
            )
        if col.unique:
            self.specs[f"field_uniqueness:{name}"] = CheckSpec(
                f"field_uniqueness:{name}", "schema/unique", name,
                lambda f, idx, name=name: [f"{name} '{_fmt(v)}' appears more than once; each must be unique" for v, in _rows(f, idx, name)],
            )
        return pa.Column(
            None, checks=checks, nullable=not col.required, unique=col.unique, required=True,
            report_duplicates="all",
        )

    # ---- checks across columns (and across tables) -------------------------------------------
    def _frame_checks(self) -> list[pa.Check]:
        checks: list[pa.Check] = []
        t = self.table.name
        for col in self.table.columns:
            if col.required_when:
                (cond_col, values), = col.required_when.items()
                values = tuple(values)

                def required_when(df: pd.DataFrame, name=col.name, cond_col=cond_col, values=values) -> pd.Series:
                    return pd.Series(~(self._among(df, cond_col, values) & df[name].isna().to_numpy()), index=df.index)

                checks.append(
                    self._across(
                        CheckSpec(f"required_when:{col.name}", "schema/required", col.name,
                                  lambda f, idx, name=col.name, cond_col=cond_col: [f"{name} is required when {cond_col} is {v}" for v, in _rows(f, idx, cond_col)]),
                        required_when,
                    )
                )
            if col.max_when:
                cond = {k: v for k, v in col.max_when.items() if k != "max"}
                (cond_col, value), = cond.items()
                limit = col.max_when["max"]

                def max_when(df: pd.DataFrame, name=col.name, cond_col=cond_col, value=value, limit=limit) -> pd.Series:
                    return pd.Series(~(self._among(df, cond_col, (value,)) & (df[name] > limit).to_numpy()), index=df.index)

                checks.append(
                    self._across(
                        CheckSpec(f"max_when:{col.name}", "schema/range", col.name,
                                  lambda f, idx, name=col.name, cond_col=cond_col, value=value, limit=limit: [
                                      f"{name} must be 0 to {limit:g} for {value} ({_fmt(v)}); later samples are follow_up" for v, in _rows(f, idx, name)]),
                        max_when,
                    )
                )
        if t == "studies":
            checks.extend(self._studies_checks())
        else:
            checks.extend(self._measurement_checks())
        return checks

    def _studies_checks(self) -> list[pa.Check]:
        def control_needs_n(df: pd.DataFrame) -> pd.Series:
            has_control = df["control_type"].notna() & df["control_type"].ne("none")
            return ~(has_control & ~(df["n_control"] >= 1))

        def none_has_no_n(df: pd.DataFrame) -> pd.Series:
            return ~(df["control_type"].eq("none") & (df["n_control"] > 0))

        return [
            self._across(
                CheckSpec("xf:control_n", "schema/cross-field", "n_control",
                          lambda f, idx: [f"n_control must be >= 1 when control_type is {kind} (it is {_fmt(n)})" for kind, n in _rows(f, idx, "control_type", "n_control")]),
                control_needs_n,
            ),
            self._across(
                CheckSpec("xf:none_n", "schema/cross-field", "n_control",
                          lambda f, idx: [f"n_control is {_fmt(n)} but control_type is none; leave it empty or set the control type" for n, in _rows(f, idx, "n_control")]),
                none_has_no_n,
            ),
        ]

    def _measurement_checks(self) -> list[pa.Check]:
        checks = []
        for a, b in self.table.orderings:
            def ordered(df: pd.DataFrame, a=a, b=b) -> pd.Series:
                return ~(df[a] > df[b])

            checks.append(
                self._across(
                    CheckSpec(f"xf:{a}<={b}", "schema/cross-field", a,
                              lambda f, idx, a=a, b=b: [f"{a} ({_fmt(x)}) is above {b} ({_fmt(y)}); they must be in order" for x, y in _rows(f, idx, a, b)]),
                    ordered,
                )
            )

        def has_centre(df: pd.DataFrame) -> pd.Series:
            return df["mean"].notna() | df["median"].notna()

        checks.append(
            self._across(
                CheckSpec("xf:centre", "schema/cross-field", "mean", _const("each row needs a centre: mean or median")),
                has_centre,
            )
        )

        def below_lod_within_n(df: pd.DataFrame) -> pd.Series:
            return ~(df["n_below_lod"] > df["n"])

        checks.append(
            self._across(
                CheckSpec("xf:n_below_lod", "schema/cross-field", "n_below_lod",
                          lambda f, idx: [f"n_below_lod ({_fmt(below)}) is above n ({_fmt(n)})" for below, n in _rows(f, idx, "n_below_lod", "n")]),
                below_lod_within_n,
            )
        )
        dictionary = self.dictionary

        valid_pairs = {f"{cls}|{u}" for cls, units in dictionary.class_units.items() for u in units}
        unit_terms = dictionary.vocabularies["unit"].terms

        def suits(outcome: str | None, unit: str | None) -> bool:
            cls = dictionary.outcome_class.get(outcome) if outcome is not None else None
            # an outcome without a class or a unit that is no term (the vocabulary check's) passes
            return cls is None or unit not in unit_terms or f"{cls}|{unit}" in valid_pairs

        def unit_suits_outcome(df: pd.DataFrame) -> pd.Series:
            # each (outcome, unit) pair judged once, then looked up by the codes of both (-1: empty)
            outcome_codes, outcomes = self._distinct(df, "outcome")
            unit_codes, units = self._distinct(df, "unit")
            verdicts = np.array([[suits(o, u) for u in [*units, None]] for o in [*outcomes, None]], dtype=bool)
            return pd.Series(verdicts[outcome_codes, unit_codes], index=df.index)

        checks.append(
            self._across(
                CheckSpec("xf:unit", "schema/unit", "unit",
                          lambda f, idx: [
                              f"unit {unit} does not suit {outcome} ({dictionary.outcome_class.get(outcome)}); "
                              f"use {', '.join(dictionary.units_for(outcome))}" for unit, outcome in _rows(f, idx, "unit", "outcome")]),
                unit_suits_outcome,
            )
        )
        studies = self.other
        if studies is not None:
            known_ids = set(studies["study_id"].dropna())
            trusted = self.other_valid.drop_duplicates("study_id").set_index("study_id")
            n_ect = trusted["n_ect"]
            n_control = trusted["n_control"]

            def in_studies(df: pd.DataFrame) -> pd.Series:
                codes, ids = self._distinct(df, "study_id")
                known = np.array([i in known_ids for i in ids] + [True], dtype=bool)  # an empty one passes
                return pd.Series(known[codes], index=df.index)

            def study_of(df: pd.DataFrame) -> np.ndarray:
                """Each row's study among the trusted ones (-1: none), looked up once per id."""
                def look_up(df: pd.DataFrame) -> np.ndarray:
                    codes, ids = self._distinct(df, "study_id")
                    return trusted.index.get_indexer(np.append(ids, np.nan))[codes]  # -1 -> the empty id

                return self._per_frame(df, "trusted study", look_up)

            checks.append(
                self._across(
                    CheckSpec("xf:reference", "schema/reference", "study_id",
                              lambda f, idx: [f"study_id '{_fmt(study)}' is not in studies; add the study or fix the id" for study, in _rows(f, idx, "study_id")]),
                    in_studies,
                )
            )

            def enrolled(df: pd.DataFrame) -> pd.Series:
                # what Series.map does, without its cast of the result back to text per cell
                study = study_of(df)  # -1 (no trusted study) -> NaN
                patients = self._among(df, "group", ("ect", "ect_responders", "ect_nonresponders"))
                control = self._among(df, "group", ("control",))
                limit = np.where(patients, np.append(n_ect.to_numpy(dtype=np.float64), np.nan)[study],
                                 np.where(control, np.append(n_control.to_numpy(dtype=np.float64), np.nan)[study], np.nan))
                return pd.Series(~(df["n"].to_numpy(dtype=np.float64) > limit), index=df.index)

            def enrolled_message(f: pd.DataFrame, idx: np.ndarray) -> list[str]:
                out = []
                for group, study, n in _rows(f, idx, "group", "study_id", "n"):
                    control = group == "control"
                    limit = n_control.get(study) if control else n_ect.get(study)
                    out.append(f"n ({_fmt(n)}) is above the study's {'n_control' if control else 'n_ect'} ({_fmt(limit)})")
                return out

            checks.append(self._across(CheckSpec("xf:enrolled", "schema/cross-field", "n", enrolled_message), enrolled))

            key = [c for c in self.table.key if c != "group"]

            def responders_within(df: pd.DataFrame) -> pd.Series:
                split = self._among(df, "group", ("ect_responders", "ect_nonresponders"))
                if not split.any():
                    return pd.Series(True, index=df.index)
                group = self._groups(df, key, split)
                n = df["n"].to_numpy(dtype=np.float64)[split]
                total = np.bincount(group, weights=np.where(np.isnan(n), 0.0, n))[group]  # a sum skips NaN
                limit = np.append(n_ect.to_numpy(dtype=np.float64), np.nan)[study_of(df)[split]]
                over = np.zeros(len(df), dtype=bool)
                over[split] = total > limit
                return pd.Series(~over, index=df.index)

            checks.append(
                self._across(
                    CheckSpec("xf:responders", "schema/cross-field", "n",
                              lambda f, idx: [f"responders and non-responders together exceed the study's n_ect ({_fmt(n_ect.get(study))})" for study, in _rows(f, idx, "study_id")]),
                    responders_within,
                )
            )
        return checks
