"""Comparison: what the immune change after ECT is compared with.

The catalogue entries (parameters, rationale) are in rules/comparison.toml.
"""

from __future__ import annotations

from typing import Any

from .common import cells, count_per_study, text
from .engine import Context, Hits
from .registry import rule


@rule("no-control-group")
def no_control_group(ctx: Context, p: dict[str, Any]) -> Hits | None:
    """control_type is none."""
    s = ctx.studies
    hit = s["control_type"].to_numpy(dtype=object) == "none"
    if not hit.any():
        return None
    message = (
        "no control group: the change after ECT is compared only with the patients' own baseline"
    )
    return Hits("studies", s.index[hit], "control_type", message)


@rule("anesthesia-not-controlled", needs=("studies", "measurements"))
def anesthesia_not_controlled(ctx: Context, p: dict[str, Any]) -> Hits | None:
    """The study has acute rows and control_type is not anesthesia_only."""
    s, m = ctx.studies, ctx.measurements
    acute = count_per_study(ctx, m, ctx.among("timepoint", ("acute",), m)) > 0
    hit = acute & (s["control_type"].to_numpy(dtype=object) != "anesthesia_only")
    if not hit.any():
        return None
    message = text(
        "acute samples without an anaesthesia-only control (control_type ",
        cells(s, "control_type", hit, empty="empty"),
        "): the anaesthetic's effect on cytokines cannot be separated from the seizure's",
    )
    return Hits("studies", s.index[hit], "control_type", message)


@rule("anesthetic-not-reported")
def anesthetic_not_reported(ctx: Context, p: dict[str, Any]) -> Hits | None:
    """anesthetic is not_reported."""
    s = ctx.studies
    hit = s["anesthetic"].to_numpy(dtype=object) == "not_reported"
    if not hit.any():
        return None
    message = "anaesthetic not reported: ketamine lowers IL-6, propofol raises IL-10"
    return Hits("studies", s.index[hit], "anesthetic", message)


@rule("controls-baseline-only", needs=("studies", "measurements"))
def controls_baseline_only(ctx: Context, p: dict[str, Any]) -> Hits | None:
    """Control rows all baseline while the ECT group has later ones."""
    s, m = ctx.studies, ctx.measurements
    control = ctx.among("group", ("control",), m)
    later = ~ctx.among("timepoint", ("baseline",), m)
    ect = ctx.ect_rows(m)
    hit = (
        (count_per_study(ctx, m, control) > 0)
        & (count_per_study(ctx, m, control & later) == 0)
        & (count_per_study(ctx, m, ect & later) > 0)
    )
    if not hit.any():
        return None
    message = (
        "controls measured at baseline only while the ECT group was measured later: "
        "the change over the course is uncontrolled"
    )
    return Hits("studies", s.index[hit], "control_type", message)
