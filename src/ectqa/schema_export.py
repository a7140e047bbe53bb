"""`ectqa schema`: the data dictionary printed, or exported (JSON Schema, great-expectations,
Frictionless)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from . import __version__

TYPE_JSON = {"text": "string", "integer": "integer", "number": "number", "term": "string", "list": "string"}


def json_schema(dictionary) -> dict[str, Any]:
    """One JSON Schema (draft 2020-12) per table, describing one record."""
    out: dict[str, Any] = {}
    for name, table in dictionary.tables.items():
        props: dict[str, Any] = {}
        required = []
        for c in table.columns:
            p: dict[str, Any] = {"description": c.description}
            jtype = TYPE_JSON[c.type]
            p["type"] = [jtype, "null"] if not c.required else jtype
            if c.vocabulary and c.type == "term":
                p["enum"] = list(dictionary.vocabularies[c.vocabulary].terms) + ([] if c.required else [None])
            if c.pattern:
                p["pattern"] = c.pattern
            if c.min is not None:
                p["minimum"] = c.min
            if c.max is not None:
                p["maximum"] = c.max
            if c.exclusive_min is not None:
                p["exclusiveMinimum"] = c.exclusive_min
            if c.unit:
                p["x-unit"] = c.unit
            if c.required:
                required.append(c.name)
            props[c.name] = p
        out[name] = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"https://ectqa.invalid/schemas/{name}.json",
            "title": f"ectqa {name} record (dictionary {__version__})",
            "type": "object",
            "properties": props,
            "required": required,
            "x-key": list(table.key),
        }
    return out


def export(fmt: str, out: Path | None) -> None:
    from . import dictionary as dictionary_module
    from .outputs import write_text

    d = dictionary_module.load()
    if fmt == "json":
        text = json.dumps(json_schema(d), ensure_ascii=False, indent=2) + "\n"
    elif fmt == "gx":
        from .interop.gx import suite_json, uncovered

        text = suite_json(d)
        _tell_uncovered("great-expectations suites", uncovered(d))
    elif fmt == "frictionless":
        from .interop.frictionless import package_json, uncovered

        text = package_json(d)
        _tell_uncovered("Frictionless package", uncovered(d))
    else:
        text = None
    if text is not None:
        if out:
            write_text(out, text)
            click.echo(f"wrote {out}", err=True)
        else:
            click.echo(text, nl=False)
        return
    _print_dictionary(d, out)


def _tell_uncovered(what: str, lines: list[str]) -> None:
    """What an export cannot check, on stderr, so nobody believes it is covered."""
    click.echo(f"not checked by the {what} (run `ectqa check` for these):", err=True)
    for line in lines:
        click.echo(f"  - {line}", err=True)


def _print_dictionary(d, out: Path | None) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False)
    for name, table in d.tables.items():
        t = Table(title=f"{name} (key: {', '.join(table.key)})", title_justify="left")
        for col in ("column", "type", "required", "rule", "description"):
            t.add_column(col, overflow="fold")
        for c in table.columns:
            rule = []
            if c.range_text():
                rule.append(c.range_text())
            if c.pattern:
                rule.append(c.pattern)
            if c.vocabulary:
                terms = d.vocabularies[c.vocabulary].terms
                rule.append(", ".join(terms) if len(terms) <= 12 else f"{len(terms)} terms (see outcomes)")
            if c.required_when:
                (k, v), = c.required_when.items()
                rule.append(f"required when {k} is {' or '.join(v)}")
            t.add_row(c.name, c.type, "yes" if c.required else "", "; ".join(rule), c.description)
        console.print(t)
    t = Table(title="outcomes and units by class", title_justify="left")
    t.add_column("class")
    t.add_column("outcomes", overflow="fold")
    t.add_column("units")
    classes: dict[str, list[str]] = {}
    for o, c in d.outcome_class.items():
        classes.setdefault(c, []).append(o)
    for c, outcomes in classes.items():
        t.add_row(c, ", ".join(outcomes), ", ".join(d.class_units[c]))
    console.print(t)
