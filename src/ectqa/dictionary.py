"""The data dictionary (schemas/*.toml) as Python objects: tables, columns, vocabularies, units.

Loaded once per process; config can add outcomes (with class and synonyms). Nothing here imports
pandas, so `ectqa schema` and `ectqa template` start fast.
"""

from __future__ import annotations

import datetime as _dt
import tomllib
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

from .resources import data_dir

TABLES = ("studies", "measurements")
MICRO = "\u00b5"  # MICRO SIGN, the dictionary's µ
MU = "\u03bc"  # GREEK SMALL LETTER MU, accepted as the same


@dataclass(frozen=True)
class Column:
    name: str
    table: str
    type: str  # text | integer | number | term | list
    position: int
    required: bool = False
    unique: bool = False
    pattern: str | None = None
    min: float | None = None
    max: float | None = None
    exclusive_min: float | None = None
    max_when: dict[str, Any] | None = None
    required_when: dict[str, list[str]] | None = None
    vocabulary: str | None = None
    references: str | None = None
    unit: str | None = None
    description: str = ""
    example: str | None = None

    @property
    def numeric(self) -> bool:
        return self.type in ("integer", "number")

    def range_text(self) -> str | None:
        """The column's range as people write it (`>= 0`, `1 to 60`)."""
        lo = self.min
        hi = self.max
        if self.exclusive_min is not None and hi is None:
            return f"> {_num(self.exclusive_min)}"
        if lo is not None and hi is not None:
            return f"{_num(lo)} to {_num(hi)}"
        if lo is not None:
            return f">= {_num(lo)}"
        if hi is not None:
            return f"<= {_num(hi)}"
        return None


@dataclass(frozen=True)
class Table:
    name: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    orderings: tuple[tuple[str, str], ...] = ()  # a <= b within a row

    @cached_property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        return self._by_name[name]

    @cached_property
    def _by_name(self) -> dict[str, Column]:
        return {c.name: c for c in self.columns}


@dataclass
class Vocabulary:
    name: str
    terms: tuple[str, ...]
    synonyms: dict[str, str] = field(default_factory=dict)  # spelling -> canonical
    addressed: tuple[str, ...] = ()

    @property
    def has_not_reported(self) -> bool:
        return "not_reported" in self.terms

    @cached_property
    def lookup(self) -> dict[str, str]:
        """Folded spelling -> canonical term, for every term and synonym."""
        table = {fold(t): t for t in self.terms}
        for spelling, canonical in self.synonyms.items():
            table.setdefault(fold(spelling), canonical)
        return table


@dataclass
class Dictionary:
    tables: dict[str, Table]
    vocabularies: dict[str, Vocabulary]
    outcome_class: dict[str, str]  # canonical outcome -> class
    class_units: dict[str, tuple[str, ...]]
    immune_classes: frozenset[str]
    to_common: dict[str, dict[str, Any]]
    assay_from_synonym: dict[str, str]
    missing_tokens: frozenset[str]
    not_reported_tokens: frozenset[str]
    version: str

    def units_for(self, outcome: str) -> tuple[str, ...]:
        return self.class_units.get(self.outcome_class.get(outcome, ""), ())

    def with_outcomes(self, extra: dict[str, dict[str, Any]]) -> Dictionary:
        """A copy that knows the config's extra outcomes (class and synonyms)."""
        if not extra:
            return self
        vocab = self.vocabularies["outcome"]
        terms = list(vocab.terms)
        synonyms = dict(vocab.synonyms)
        outcome_class = dict(self.outcome_class)
        for name, spec in extra.items():
            if name not in terms:
                terms.append(name)
            outcome_class[name] = spec["class"]
            for s in spec.get("synonyms", []):
                synonyms[s] = name
        vocabularies = dict(self.vocabularies)
        vocabularies["outcome"] = Vocabulary("outcome", tuple(terms), synonyms)
        return Dictionary(
            tables=self.tables,
            vocabularies=vocabularies,
            outcome_class=outcome_class,
            class_units=self.class_units,
            immune_classes=self.immune_classes,
            to_common=self.to_common,
            assay_from_synonym=self.assay_from_synonym,
            missing_tokens=self.missing_tokens,
            not_reported_tokens=self.not_reported_tokens,
            version=self.version,
        )


def fold(text: str) -> str:
    """How terms are compared: NFC, trimmed, case-folded, Greek mu read as the micro sign."""
    return unicodedata.normalize("NFC", text).strip().replace(MU, MICRO).casefold()


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _read(name: str) -> dict[str, Any]:
    with open(data_dir("schemas") / name, "rb") as fh:
        return tomllib.load(fh)


@lru_cache(maxsize=1)
def load() -> Dictionary:
    """The shipped dictionary (cached)."""
    this_year = _dt.date.today().year
    tables: dict[str, Table] = {}
    for table in TABLES:
        raw = _read(f"{table}.toml")
        columns = []
        for pos, spec in enumerate(raw["columns"]):
            spec = dict(spec)
            if spec.get("max") == "current_year":
                spec["max"] = this_year
            columns.append(Column(table=table, position=pos, **spec))
        orderings = tuple((a, b) for a, b in raw.get("orderings", ()))
        tables[table] = Table(table, tuple(raw["key"]), tuple(columns), orderings)

    vocab_raw = _read("vocabularies.toml")
    missing = vocab_raw.pop("missing")
    vocabularies: dict[str, Vocabulary] = {}
    for name, spec in vocab_raw.items():
        synonyms = {s: canon for canon, spellings in spec.get("synonyms", {}).items() for s in spellings}
        vocabularies[name] = Vocabulary(name, tuple(spec["terms"]), synonyms, tuple(spec.get("addressed", ())))

    outcomes_raw = _read("outcomes.toml")
    outcome_class: dict[str, str] = {}
    class_units: dict[str, tuple[str, ...]] = {}
    immune: set[str] = set()
    for cls, spec in outcomes_raw["classes"].items():
        class_units[cls] = tuple(spec["units"])
        if spec.get("immune"):
            immune.add(cls)
        for outcome in spec["outcomes"]:
            outcome_class[outcome] = cls
    outcome_synonyms = {s: canon for canon, spellings in outcomes_raw["synonyms"].items() for s in spellings}
    vocabularies["outcome"] = Vocabulary("outcome", tuple(outcome_class), outcome_synonyms)

    units_raw = _read("units.toml")
    all_units: list[str] = []
    for units in class_units.values():
        all_units.extend(u for u in units if u not in all_units)
    unit_synonyms = {s: canon for canon, spellings in units_raw["synonyms"].items() for s in spellings}
    vocabularies["unit"] = Vocabulary("unit", tuple(all_units), unit_synonyms)

    return Dictionary(
        tables=tables,
        vocabularies=vocabularies,
        outcome_class=outcome_class,
        class_units=class_units,
        immune_classes=frozenset(immune),
        to_common=units_raw["to_common"],
        assay_from_synonym=outcomes_raw.get("assay_from_synonym", {}),
        missing_tokens=frozenset(missing["tokens"]),
        not_reported_tokens=frozenset(missing["not_reported_tokens"]),
        version=_dictionary_version(),
    )


def _dictionary_version() -> str:
    from . import __version__

    return __version__
