"""The data dictionary as great-expectations (1.x) Expectation Suites, one per table.

`ectqa schema --format gx --out suites.json` writes one JSON document holding a suite per table:

    {"studies": <suite>, "measurements": <suite>}

each in GX 1.x's serialised form (`{"name", "expectations": [{"type", "kwargs", "meta"}], "meta"}`),
so `great_expectations.ExpectationSuite(**document["studies"])` loads it. This module never imports
great_expectations (it takes seconds to import); the suites are written as plain JSON.

What the suites check, per table: every dictionary column exists; required columns are not null;
numbers and whole numbers have the form of one (a regex on the value as text); ranges; terms come
from their vocabulary; patterns; the key is unique; the orderings inside a measurement row
(min <= q1 <= median <= q3 <= max, ci_lower <= mean <= ci_upper, n_below_lod <= n); and the
conditional rules as expectations with a row condition (GX 1.9's serialised `Condition` objects,
which GX runs on pandas, Spark and SQL; GX before 1.9 cannot read them): fields required by
timepoint, hours_after_last_session <= 336 at end_of_course, n_control against control_type, a
centre (mean or median) in every row, the unit suiting the outcome's class.

Every expectation's `meta` names the ectqa rule and column it mirrors (`ectqa_rule`,
`ectqa_column`), so a GX failure can be matched with the ectqa finding. What GX cannot express is
listed in each suite's `meta.ectqa.not_covered` (and `uncovered()`), and `ectqa schema` prints it.

Read the CSV as the suites expect it: `pandas.read_csv(path, keep_default_na=False, na_values=[""])`
(an empty cell is missing; every other text is kept as written).
"""

from __future__ import annotations

from typing import Any

from . import ACROSS_TABLES, ORDERINGS, QUALITY, SPELLINGS, dumps, full_match, list_pattern

# a value as pandas writes it as text (`str(12.0)` is "12.0", `str(1e-05)` is "1e-05")
NUMBER = r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$"
WHOLE_NUMBER = r"^[+-]?\d+(?:\.0*)?$"
READ_WITH = 'pandas.read_csv(path, keep_default_na=False, na_values=[""])'


def _expectation(kind: str, rule: str, at: str, **kwargs: Any) -> dict[str, Any]:
    """One expectation; `at` is the column of the ectqa finding it mirrors."""
    return {"type": kind, "kwargs": kwargs, "meta": {"ectqa_rule": rule, "ectqa_column": at}}


def _conditional(kind: str, rule: str, at: str, condition: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """An expectation on the rows where `condition` holds (a serialised GX 1.9+ row condition)."""
    return _expectation(kind, rule, at, **kwargs, row_condition=condition)


# GX 1.9+ row conditions, serialised (`Column("timepoint").is_in([...])` and so on)
def _compare(column: str, operator: str, value: Any) -> dict[str, Any]:
    return {"type": "comparison", "column": {"name": column}, "operator": operator, "parameter": value}


def _in(column: str, values: Any) -> dict[str, Any]:
    return _compare(column, "IN", list(values))


def _missing(column: str, missing: bool = True) -> dict[str, Any]:
    return {"type": "nullity", "column": {"name": column}, "is_null": missing}


def _and(*conditions: dict[str, Any]) -> dict[str, Any]:
    return {"type": "and", "conditions": list(conditions)}


def _column_expectations(dictionary, table) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for c in table.columns:
        out.append(_expectation("expect_column_to_exist", "schema/missing-column", c.name, column=c.name))
    for c in table.columns:
        name = c.name
        if c.required:
            out.append(_expectation("expect_column_values_to_not_be_null", "schema/required", name, column=name))
        if c.type == "integer":
            out.append(_expectation("expect_column_values_to_match_regex", "schema/type", name, column=name, regex=WHOLE_NUMBER))
        elif c.type == "number":
            out.append(_expectation("expect_column_values_to_match_regex", "schema/type", name, column=name, regex=NUMBER))
        if c.numeric and (c.min is not None or c.max is not None or c.exclusive_min is not None):
            kwargs: dict[str, Any] = {"column": name}
            if c.exclusive_min is not None and c.min is None:
                kwargs["min_value"] = c.exclusive_min
                kwargs["strict_min"] = True
            elif c.min is not None:
                kwargs["min_value"] = c.min
            if c.max is not None:
                kwargs["max_value"] = c.max
            out.append(_expectation("expect_column_values_to_be_between", "schema/range", name, **kwargs))
        if c.pattern:
            out.append(_expectation("expect_column_values_to_match_regex", "schema/pattern", name,
                                    column=name, regex=full_match(c.pattern)))
        if c.type == "term":
            terms = list(dictionary.vocabularies[c.vocabulary].terms)
            out.append(_expectation("expect_column_values_to_be_in_set", "schema/vocabulary", name,
                                    column=name, value_set=terms))
        elif c.type == "list":
            terms = dictionary.vocabularies[c.vocabulary].terms
            out.append(_expectation("expect_column_values_to_match_regex", "schema/vocabulary", name,
                                    column=name, regex=list_pattern(terms)))
        if c.unique:
            out.append(_expectation("expect_column_values_to_be_unique", "schema/unique", name, column=name))
    if len(table.key) > 1:
        out.append(_expectation("expect_compound_columns_to_be_unique", "schema/unique", table.key[0],
                                column_list=list(table.key), ignore_row_if="never"))
    return out


def _conditional_expectations(dictionary, table) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for c in table.columns:
        if c.required_when:
            (cond_col, values), = c.required_when.items()
            out.append(_conditional("expect_column_values_to_not_be_null", "schema/required", c.name,
                                    _in(cond_col, values), column=c.name))
        if c.max_when:
            (cond_col, value), = ((k, v) for k, v in c.max_when.items() if k != "max")
            out.append(_conditional("expect_column_values_to_be_between", "schema/range", c.name,
                                    _compare(cond_col, "==", value), column=c.name, max_value=c.max_when["max"]))
    return out


def _studies_expectations(dictionary) -> list[dict[str, Any]]:
    has_control = _and(_compare("control_type", "!=", "none"), _missing("control_type", False))
    return [
        _conditional("expect_column_values_to_not_be_null", "schema/cross-field", "n_control", has_control,
                     column="n_control"),
        _conditional("expect_column_values_to_be_between", "schema/cross-field", "n_control", has_control,
                     column="n_control", min_value=1),
        _conditional("expect_column_values_to_be_between", "schema/cross-field", "n_control",
                     _compare("control_type", "==", "none"), column="n_control", max_value=0),
    ]


def _measurements_expectations(dictionary) -> list[dict[str, Any]]:
    out = [
        _expectation("expect_column_pair_values_a_to_be_greater_than_b", "schema/cross-field", a,
                     column_A=b, column_B=a, or_equal=True, ignore_row_if="either_value_is_missing")
        for a, b in ORDERINGS
    ]
    # each row needs a centre: mean where the median is missing
    out.append(_conditional("expect_column_values_to_not_be_null", "schema/cross-field", "mean",
                            _missing("median"), column="mean"))
    out.append(_expectation("expect_column_pair_values_a_to_be_greater_than_b", "schema/cross-field", "n_below_lod",
                            column_A="n", column_B="n_below_lod", or_equal=True, ignore_row_if="either_value_is_missing"))
    # the unit suits the outcome's class; an unknown unit is left to the vocabulary expectation
    all_units = dictionary.vocabularies["unit"].terms
    classes: dict[str, list[str]] = {}
    for outcome, cls in dictionary.outcome_class.items():
        classes.setdefault(cls, []).append(outcome)
    for cls, outcomes in classes.items():
        condition = _and(_in("outcome", outcomes), _in("unit", all_units))
        out.append(_conditional("expect_column_values_to_be_in_set", "schema/unit", "unit", condition,
                                column="unit", value_set=list(dictionary.class_units[cls])))
    return out


def uncovered(dictionary) -> list[str]:
    """What the suites do not check, in words a reviewer reads."""
    year = dictionary.tables["studies"].column("year").max
    return [
        *ACROSS_TABLES,
        SPELLINGS,
        ("optional columns may be left out of a file for ectqa; the suites expect every dictionary "
         "column (expectations on an absent column fail as a whole)"),
        ("a column holding any text that is not a number is read by pandas as text: its range and "
         "ordering expectations then fail as a whole (exception) instead of by row; its type "
         "expectation still flags the rows"),
        f"studies.year's maximum is the year of the export ({year:g}); export again next year",
        QUALITY,
    ]


def suites(dictionary) -> dict[str, dict[str, Any]]:
    """One GX 1.x suite (serialised, as a dict) per table."""
    not_covered = uncovered(dictionary)
    out: dict[str, dict[str, Any]] = {}
    for name, table in dictionary.tables.items():
        expectations = _column_expectations(dictionary, table) + _conditional_expectations(dictionary, table)
        expectations += _studies_expectations(dictionary) if name == "studies" else _measurements_expectations(dictionary)
        out[name] = {
            "name": f"ectqa.{name}",
            "expectations": expectations,
            "meta": {
                "ectqa": {
                    "dictionary_version": dictionary.version,
                    "table": name,
                    "file": f"{name}.csv",
                    "key": list(table.key),
                    "read_with": READ_WITH,
                    "requires": "great-expectations>=1.9 (row conditions)",
                    "not_covered": not_covered,
                }
            },
        }
    return out


def suite_json(dictionary) -> str:
    return dumps(suites(dictionary))
