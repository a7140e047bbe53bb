"""Run the quality rules over a validated dataset and turn their hits into findings.

Each rule function receives a `Context` (the typed tables, valid rows only, plus helpers) and its
parameters (catalogue defaults updated by config) and returns `Hits`: arrays saying which rows of
which table it flags, the column a person should look at, the impact and the message. The engine
does the rest (location, severity, waivers), so rules stay small and vectorised.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import repeat
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..codes import among
from ..findings import Finding
from . import registry
from .catalogue import Rule

if TYPE_CHECKING:
    from ..dataset import Dataset, TableData
    from ..dictionary import Dictionary

# Importing the domain modules registers their rules.
_RULE_MODULES = ("sample_size", "confounding", "comparison", "timing", "measurement", "reporting", "forensic")


@dataclass
class Hits:
    """What one rule flags: positions in `table`'s frame, all arrays of one length (or scalars)."""

    table: str  # "studies" | "measurements"
    index: Any  # frame index labels of the flagged rows
    column: Any  # the column a person should look at: str, or array of str (one per hit)
    message: Any  # str or array of str
    impact: Any = "default"  # "default" (the catalogue's), None, a str, or an array of str/None
    value: Any = "column"  # "column" = the flagged column's value; else scalar or array
    extra: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.index)


@dataclass
class Context:
    """What rules read. Frames are typed (numbers float64, terms canonical), index = row position."""

    dictionary: Dictionary
    studies: pd.DataFrame | None  # valid rows only
    measurements: pd.DataFrame | None  # valid rows only
    all_measurements: pd.DataFrame | None = None  # every row, for coverage rules
    raw: dict[str, pd.DataFrame] = field(default_factory=dict)  # text as read (precision)
    decimals: Any = None  # callable(table, column) -> int array of reported decimals (-1 unknown)
    _unit_factors: dict[str, float] | None = field(default=None, repr=False)
    cache: dict[str, Any] = field(default_factory=dict, repr=False)  # work rules share, once per check

    @property
    def every_measurement(self) -> pd.DataFrame | None:
        """Every measurement row (rows with schema errors count as present); rules' measurement
        frames are subsets of it."""
        return self.all_measurements if self.all_measurements is not None else self.measurements

    def positions(self, m: pd.DataFrame) -> np.ndarray:
        """Positions of `m`'s rows (labels) among every measurement row."""
        index = self.every_measurement.index
        if isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1:
            return m.index.to_numpy()
        return index.get_indexer(m.index)

    def codes(self, column: str, m: pd.DataFrame | None = None) -> tuple[np.ndarray, np.ndarray]:
        """A measurement `column` as integer codes (-1: empty), one per row of `m` (default: every
        measurement row), and the distinct values they number. Factorized once per check, so rules
        group and compare integers rather than hash text again."""
        key = ("codes", column)
        if key not in self.cache:
            codes, distinct = pd.factorize(self.every_measurement[column])
            self.cache[key] = (codes, np.asarray(distinct, dtype=object))
        codes, distinct = self.cache[key]
        return (codes if m is None else codes[self.positions(m)]), distinct

    def among(self, column: str, terms: Any, m: pd.DataFrame | None = None) -> np.ndarray:
        """Per row of `m` (default: every measurement row): whether its `column` is one of
        `terms`. Each distinct value is compared once, not each of 100,000 rows."""
        return among(*self.codes(column, m), terms)

    def ect_rows(self, m: pd.DataFrame) -> np.ndarray:
        """The ECT group (a bool per row): rows of group `ect`; where a study has none, its
        responder rows. Worked out once per frame (several rules ask for the same one)."""
        known = self.cache.setdefault("ect_rows", [])
        for frame, rows in known:
            if frame is m:
                return rows
        rows = self._ect_rows(m)
        known.append((m, rows))
        return rows

    def _ect_rows(self, m: pd.DataFrame) -> np.ndarray:
        is_ect = self.among("group", ("ect",), m)
        responders = self.among("group", ("ect_responders", "ect_nonresponders"), m)
        if not responders.any():
            return is_ect
        study, ids = self.codes("study_id", m)
        # studies with an `ect` row; an empty study_id (-1, the last entry) counts as one study
        with_ect = np.zeros(len(ids) + 1, dtype=bool)
        with_ect[study[is_ect]] = True
        return is_ect | (responders & ~with_ect[study])

    def to_common(self, m: pd.DataFrame, values: Any) -> Any:
        """Values (a Series or an array, one per row of `m`) converted to the outcome class's
        common unit (NaN where not convertible)."""
        converted = np.asarray(values, dtype="float64") * self._common_factors(m)
        return pd.Series(converted, index=values.index) if isinstance(values, pd.Series) else converted

    def common_factor(self, outcome: Any, unit: Any) -> float:
        """The factor from `unit` to the common unit of the outcome's class (NaN: none known)."""
        if self._unit_factors is None:
            self._unit_factors = {
                f"{cls}|{unit}": float(factor)
                for cls, spec in self.dictionary.to_common.items()
                for unit, factor in spec["factors"].items()
            }
        # cortisol has its own conversions; every other outcome its class's
        cls = "cortisol" if outcome == "cortisol" else self.dictionary.outcome_class.get(outcome)
        unit = "" if unit is None else str(unit)
        return self._unit_factors.get(f"{cls or ''}|{unit}", np.nan)

    def _common_factors(self, m: pd.DataFrame) -> np.ndarray:
        """common_factor of each row, worked out once per distinct (outcome, unit) and per frame."""
        known = self.cache.setdefault("common_factors", [])
        for frame, factors in known:
            if frame is m:
                return factors
        outcome_codes, outcomes = self.codes("outcome", m)
        unit_codes, units = self.codes("unit", m)
        width = len(units) + 1
        pair_codes, pairs = pd.factorize((outcome_codes + 1) * width + unit_codes + 1)
        outcomes, units = [None, *outcomes], [None, *units]  # code -1, an empty cell: None
        per_pair = [self.common_factor(outcomes[p // width], units[p % width]) for p in pairs]
        factors = np.array(per_pair, dtype="float64")[pair_codes]
        known.append((m, factors))
        return factors

    def centre(self, m: pd.DataFrame) -> np.ndarray:
        """`mean`, else `median`, per row."""
        mean = m["mean"].to_numpy(dtype="float64")
        return np.where(np.isnan(mean), m["median"].to_numpy(dtype="float64"), mean)


def load_rule_modules() -> None:
    import importlib

    for name in _RULE_MODULES:
        importlib.import_module(f"{__package__}.{name}")


@dataclass
class Assessment:
    findings: list[Finding]
    skipped: list[str]  # notes: rules skipped and why
    assessed_domains: dict[str, set[str]]  # domain -> studies it could be assessed for


def run_rules(
    ctx: Context,
    rules: list[Rule],
    params: dict[str, dict[str, Any]],
    dataset: Dataset,
    available: set[str],
) -> tuple[list[Finding], list[str]]:
    """Run each rule's logic; returns findings (not yet waived) and notes of rules skipped."""
    load_rule_modules()
    findings: list[Finding] = []
    skipped: list[str] = []
    for r in rules:
        fn = registry.REGISTRY.get(r.id)
        if fn is None:
            continue
        parts = [(fn, registry.NEEDS[r.id]), *registry.PARTS.get(r.id, [])]
        ran = False
        for part, needs in parts:
            missing = [t for t in needs if t not in available]
            if missing:
                continue
            ran = True
            hits = part(ctx, params.get(r.id, dict(r.parameters)))
            if hits is not None and len(hits):
                findings.extend(_to_findings(r, hits, ctx, dataset))
        if not ran:
            need = sorted({t for _, needs in parts for t in needs if t not in available})
            skipped.append(f"{r.id}: skipped, needs the {' and '.join(need)} table")
    return findings, skipped


def _broadcast(value: Any, n: int) -> list[Any]:
    if isinstance(value, (str, type(None))) or np.isscalar(value):
        return [value] * n
    out = list(value)
    if len(out) != n:
        raise ValueError("rule returned arrays of different lengths")
    return out


def _to_findings(r: Rule, hits: Hits, ctx: Context, dataset: Dataset) -> list[Finding]:
    """A finding per hit, built a field at a time (arrays in, one call per field), not a hit at
    a time: at 100k rows there are tens of thousands."""
    table = dataset.tables[hits.table]
    index = np.asarray(hits.index, dtype=np.int64)  # frame labels are row positions
    n = len(index)
    columns = _broadcast(hits.column, n)
    distinct = list(dict.fromkeys(columns))
    if len(distinct) == 1:  # the usual case: one column for every hit
        raw: list[Any] = table.raw_values(distinct[0], index)
        cells: list[str | None] = table.cells(index, distinct[0])
    else:
        raw = [None] * n
        cells = [None] * n
        column_array = np.asarray(columns, dtype=object)
        for column in distinct:  # each distinct column once, vectorised within it
            at = np.flatnonzero(column_array == column)
            for i, v, c in zip(at, table.raw_values(column, index[at]), table.cells(index[at], column), strict=True):
                raw[i], cells[i] = v, c
    values = raw if isinstance(hits.value, str) and hits.value == "column" else _broadcast(hits.value, n)
    impact = r.impact if isinstance(hits.impact, str) and hits.impact == "default" else hits.impact
    if isinstance(impact, (str, type(None))) or np.isscalar(impact):
        impact = _IMPACTS.get(impact)
        impacts: Any = repeat(impact, n)
        severities: Any = repeat(r.severity or ("warning" if impact else "info"), n)
    else:
        impacts = list(map(_IMPACTS.get, _broadcast(impact, n)))
        severities = [r.severity or ("warning" if i else "info") for i in impacts]
    messages = repeat(str(hits.message), n) if isinstance(hits.message, str) else map(str, _broadcast(hits.message, n))
    study_ids = _column_at(ctx, table, "study_id", index) if "study_id" in table.frame else repeat(None, n)
    outcomes = _column_at(ctx, table, "outcome", index) if hits.table == "measurements" else repeat(None, n)
    rows = table.rows[index].tolist()
    fields = [
        repeat(r.id, n), severities, messages, repeat("quality", n), repeat(r.level, n), repeat(r.domain, n),
        impacts, repeat(table.file, n), repeat(hits.table, n), rows, columns, cells, study_ids, outcomes, values,
    ]
    if hits.extra:
        extra = [
            {k: v[i] if isinstance(v, (list, np.ndarray)) else v for k, v in hits.extra.items()} for i in range(n)
        ]
        fields += [repeat(False, n), repeat(None, n), extra]
    # positional, in the field order of Finding
    return list(map(Finding, *fields))


def _column_at(ctx: Context, table: TableData, column: str, index: np.ndarray) -> list[Any]:
    """`column` of every row of the table (not only the valid ones) at `index`, missing as None."""
    key = ("column", table.name, column)
    if key not in ctx.cache:
        ctx.cache[key] = table.frame[column].to_numpy(dtype=object)
    values = ctx.cache[key][index]
    values[pd.isna(values)] = None
    return values.tolist()


# what a rule may give as impact, as the finding's impact (anything else: no impact)
_IMPACTS = {i: i for i in ("high", "some_concerns", "no_information")}
