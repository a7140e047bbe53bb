"""Findings -> per-study, per-domain judgements, robvis-style.

A domain takes the worst impact of its findings (high > some_concerns > no_information > low);
no finding means `low`; a domain that could not be assessed is `no_information`, never `low`.
`overall` is the worst domain. Waived findings still count; reviewer overrides replace a
computed judgement and are reported as overrides with their reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .findings import DOMAINS, JUDGEMENT_RANK, Finding


def judge(
    study_ids: list[str],
    findings: Iterable[Finding],
    assessable: dict[str, set[str]],
    overrides: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """One entry per study, in the order given: domains, overall, overrides applied."""
    worst: dict[tuple[str, str], str] = {}
    for f in findings:
        if f.kind != "quality" or not f.impact or not f.study_id or not f.domain:
            continue
        key = (f.study_id, f.domain)
        if JUDGEMENT_RANK[f.impact] > JUDGEMENT_RANK.get(worst.get(key, "low"), 0):
            worst[key] = f.impact
    by_study: dict[str, list[dict[str, Any]]] = {}
    for o in overrides:
        by_study.setdefault(o["study_id"], []).append(o)
    quality = []
    for sid in study_ids:
        domains = {}
        for d in DOMAINS:
            computed = worst.get((sid, d))
            if computed is None:
                computed = "low" if sid in assessable.get(d, set()) else "no_information"
            domains[d] = computed
        applied = []
        for o in by_study.get(sid, []):
            if o["domain"] in domains:
                applied.append({"domain": o["domain"], "computed": domains[o["domain"]], "judgement": o["judgement"], "reason": o["reason"]})
                domains[o["domain"]] = o["judgement"]
        overall = max(domains.values(), key=lambda j: JUDGEMENT_RANK[j])
        for o in by_study.get(sid, []):
            if o["domain"] == "overall":
                applied.append({"domain": "overall", "computed": overall, "judgement": o["judgement"], "reason": o["reason"]})
                overall = o["judgement"]
        quality.append({"study_id": sid, "domains": domains, "overall": overall, "overrides": applied})
    return quality
