"""The rule catalogue as data: rules/<domain>.toml -> `Rule` objects (no pandas here)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ..resources import data_dir

IMPACTS = ("high", "some_concerns", "no_information")


@dataclass(frozen=True)
class Rule:
    id: str
    domain: str | None  # None for schema/* rules
    level: str  # study | series | row | table | file
    summary: str
    impact: str | None = None  # default impact; None = no impact
    severity: str | None = None  # explicit severity ("warning, no impact" rules; schema rules)
    graded: str | None = None  # how the impact is graded, in words
    parameters: dict[str, Any] = field(default_factory=dict)
    rationale: dict[str, str] = field(default_factory=dict)  # what, why, example, fix
    source: str = ""

    @property
    def kind(self) -> str:
        return "schema" if self.id.startswith("schema/") else "quality"

    @property
    def default_severity(self) -> str:
        if self.severity:
            return self.severity
        return "warning" if self.impact else "info"


@lru_cache(maxsize=1)
def load() -> dict[str, Rule]:
    """Every rule of rules/*.toml, schema rules first, then quality rules in file order."""
    rules: dict[str, Rule] = {}
    folder = data_dir("rules")
    files = sorted(folder.glob("*.toml"), key=lambda p: (p.stem != "schema", p.stem))
    for path in files:
        with open(path, "rb") as fh:
            raw = tomllib.load(fh)
        domain = raw.get("domain")
        for spec in raw.get("rules", []):
            spec = dict(spec)
            impact = spec.pop("impact", None)
            rules[spec["id"]] = Rule(domain=spec.pop("domain", domain), impact=None if impact in (None, "none") else impact, **spec)
    return rules


def quality_rules() -> list[Rule]:
    return [r for r in load().values() if r.kind == "quality"]
