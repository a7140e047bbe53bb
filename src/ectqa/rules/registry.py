"""The plain registry of rule logic: id -> function(context, parameters) -> Hits | None."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .engine import Context, Hits

RuleFunction = Callable[["Context", dict[str, Any]], "Hits | None"]

REGISTRY: dict[str, RuleFunction] = {}
# tables a rule reads; it is skipped, with a note, when one of them is not checked
NEEDS: dict[str, tuple[str, ...]] = {}


# further parts of a rule that reads two tables separately (grim-inconsistent: female_pct in
# studies, clinical-scale means in measurements): id -> [(function, needs)]
PARTS: dict[str, list[tuple[RuleFunction, tuple[str, ...]]]] = {}


def rule(rule_id: str, needs: tuple[str, ...] = ("studies",), variant: str | None = None) -> Callable[[RuleFunction], RuleFunction]:
    """Register the logic of the catalogue rule `rule_id` (a `variant` adds a further part)."""

    def register(fn: RuleFunction) -> RuleFunction:
        if variant is not None:
            PARTS.setdefault(rule_id, []).append((fn, needs))
            return fn
        if rule_id in REGISTRY:
            raise RuntimeError(f"rule {rule_id} registered twice")
        REGISTRY[rule_id] = fn
        NEEDS[rule_id] = needs
        return fn

    return register
