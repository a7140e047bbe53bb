"""The data dictionary as a Frictionless data package (Data Package v2 descriptor).

`ectqa schema --format frictionless --out datapackage.json` writes a descriptor whose two
resources point at `studies.csv` and `measurements.csv` beside it, each with a Table Schema:
field types (string, integer, number), constraints (required, minimum, maximum,
exclusiveMinimum, pattern, enum, unique), `missingValues: [""]` (canonical data: an empty cell is
missing, and `NR` is not read as not_reported), the primary key and the foreign key from
measurements.study_id to studies.study_id. Validate with `frictionless validate datapackage.json`.

Table Schema has no rules across the fields of a row; what it cannot express is listed under the
descriptor's `ectqa.not_covered`. This module never imports frictionless.
"""

from __future__ import annotations

from typing import Any

from . import ACROSS_TABLES, ORDERINGS, QUALITY, SPELLINGS, dumps, list_pattern

PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"
TYPES = {"text": "string", "term": "string", "list": "string", "integer": "integer", "number": "number"}


def _pattern(pattern: str) -> str:
    """Table Schema patterns match the whole value: the dictionary's anchors are dropped."""
    return pattern.removeprefix("^").removesuffix("$")


def _field(dictionary, table, c) -> dict[str, Any]:
    field: dict[str, Any] = {"name": c.name, "type": TYPES[c.type], "description": c.description}
    if c.unit:
        field["unit"] = c.unit  # a custom property; Frictionless keeps it
    constraints: dict[str, Any] = {}
    if c.required:
        constraints["required"] = True
    if c.unique and table.key != (c.name,):  # a primary key is unique already
        constraints["unique"] = True
    if c.min is not None:
        constraints["minimum"] = _number(c.min)
    if c.max is not None:
        constraints["maximum"] = _number(c.max)
    if c.exclusive_min is not None:
        constraints["exclusiveMinimum"] = _number(c.exclusive_min)
    if c.pattern:
        constraints["pattern"] = _pattern(c.pattern)
    if c.type == "term":
        constraints["enum"] = list(dictionary.vocabularies[c.vocabulary].terms)
    elif c.type == "list":
        constraints["pattern"] = _pattern(list_pattern(dictionary.vocabularies[c.vocabulary].terms))
    if constraints:
        field["constraints"] = constraints
    return field


def _number(x: float) -> int | float:
    return int(x) if float(x).is_integer() else x


def uncovered(dictionary) -> list[str]:
    """What the package does not check."""
    orderings = ", ".join(f"{a} <= {b}" for a, b in ORDERINGS)
    year = dictionary.tables["studies"].column("year").max
    return [
        *ACROSS_TABLES[1:],
        "rules across the fields of a row: " + orderings + "; n_below_lod <= n; a centre (mean or median) "
        "in every row; the unit suiting the outcome's class; n_control >= 1 when control_type is not "
        "none and empty or 0 when it is none",
        ("fields required by timepoint (session for acute and during_course, hours_after_session for "
         "acute, weeks_after_course for follow_up) and hours_after_last_session <= 336 at end_of_course"),
        "a duplicate key is reported on the later row only (ectqa flags every row of the duplicate)",
        "a key whose cells are all empty is an error for Frictionless",
        ("a whole number written with a decimal point (12.0) is accepted by ectqa and is a type error "
         "for Frictionless; INF and NaN are numbers for Frictionless and type errors for ectqa"),
        ("Frictionless matches columns by position (the template's order) and reports extra columns; "
         "`frictionless validate --schema-sync datapackage.json` matches them by name, as ectqa does"),
        SPELLINGS,
        f"studies.year's maximum is the year of the export ({year:g}); export again next year",
        QUALITY,
    ]


def package(dictionary) -> dict[str, Any]:
    """The data package descriptor, as a dict."""
    resources = []
    for name, table in dictionary.tables.items():
        schema: dict[str, Any] = {
            "fields": [_field(dictionary, table, c) for c in table.columns],
            "missingValues": [""],
            "primaryKey": list(table.key),
        }
        if name == "measurements":
            schema["foreignKeys"] = [
                {"fields": ["study_id"], "reference": {"resource": "studies", "fields": ["study_id"]}}
            ]
        resources.append({
            "name": name,
            "type": "table",
            "path": f"{name}.csv",
            "scheme": "file",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "schema": schema,
        })
    return {
        "$schema": PROFILE,
        "name": "ectqa-extraction",
        "title": f"ectqa extraction dataset (dictionary {dictionary.version})",
        "description": "Studies of ECT and the immune system: one row per study, one row per summary "
        "statistic. Canonical data: terms as the dictionary spells them, missing values empty.",
        "resources": resources,
        "ectqa": {"dictionary_version": dictionary.version, "not_covered": uncovered(dictionary)},
    }


def package_json(dictionary) -> str:
    return dumps(package(dictionary))
