"""`ectqa rules` and `ectqa explain RULE`: the catalogue, from the same text the code uses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

SECTIONS = (("what", "What it flags"), ("why", "Why it matters"), ("example", "Example"), ("fix", "How to fix it"))


def _current(config_path: Path | None):
    from .config import load_config

    return load_config(config_path, Path.cwd())


def _settings(rule, config) -> dict[str, Any]:
    from .check import parameters_for

    s = config.rules.get(rule.id, {})
    params = parameters_for([rule], config)[rule.id] if rule.kind == "quality" else {}
    return {
        "enabled": s.get("enabled", True),
        "severity": s.get("severity", rule.default_severity),
        "impact": s.get("impact", rule.impact or "none"),
        "parameters": params,
    }


def list_rules(config_path: Path | None, fmt: str) -> None:
    from .rules import catalogue

    config = _current(config_path)
    rules = list(catalogue.load().values())
    if fmt == "json":
        out = [
            {"id": r.id, "domain": r.domain, "level": r.level, "summary": r.summary, "default_impact": r.impact,
             "graded": r.graded, **_settings(r, config)}
            for r in rules
        ]
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    if fmt == "markdown":
        click.echo(rules_markdown(rules))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"ectqa rules (config: {config.source})", title_justify="left")
    for col in ("id", "domain", "impact", "severity", "summary"):
        table.add_column(col, overflow="fold")
    for r in rules:
        s = _settings(r, config)
        impact = s["impact"] + (f" ({r.graded})" if r.graded else "")
        rid = r.id if s["enabled"] else f"{r.id} (off)"
        table.add_row(rid, r.domain or "schema", impact, s["severity"], r.summary)
    Console(highlight=False).print(table)


def rules_markdown(rules) -> str:
    """The README's rule list (generated; a test keeps them in step)."""
    lines = ["| id | domain | level | impact | severity | summary |", "|---|---|---|---|---|---|"]
    for r in rules:
        impact = (r.impact or "none") + (f"; {r.graded}" if r.graded else "")
        lines.append(f"| `{r.id}` | {r.domain or 'schema'} | {r.level} | {impact} | {r.default_severity} | {r.summary} |")
    return "\n".join(lines)


def explain_rule(rule_id: str, config_path: Path | None) -> None:
    from .errors import InputError
    from .rules import catalogue

    rules = catalogue.load()
    if rule_id not in rules and f"schema/{rule_id}" in rules:
        rule_id = f"schema/{rule_id}"
    if rule_id not in rules:
        import difflib

        close = difflib.get_close_matches(rule_id, list(rules), n=1)
        hint = f"; did you mean {close[0]}?" if close else "; see `ectqa rules`"
        raise InputError(f"unknown rule '{rule_id}'{hint}")
    r = rules[rule_id]
    config = _current(config_path)
    s = _settings(r, config)
    out = [f"{r.id}  ({r.domain or 'schema'}, {r.level} level)", "", r.summary, ""]
    for key, title in SECTIONS:
        if r.rationale.get(key):
            out += [f"## {title}", r.rationale[key], ""]
    impact = (r.impact or "none") + (f" ({r.graded})" if r.graded else "")
    out += ["## Settings", f"impact: {impact}; severity: {r.default_severity}"]
    if s["parameters"]:
        for k, v in s["parameters"].items():
            default = r.parameters.get(k)
            changed = "" if v == default else f"   (default {default!r})"
            out.append(f"  {k} = {v!r}{changed}")
    out.append(f"current: enabled={s['enabled']}, severity={s['severity']}, impact={s['impact']} (config: {config.source})")
    if r.source:
        out += ["", "## Source", r.source]
    click.echo("\n".join(out))
