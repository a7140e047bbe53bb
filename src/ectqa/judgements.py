"""Findings -> per-study, per-domain judgements, robvis-style.

A domain takes the worst impact of its findings (high > some_concerns > no_information > low);
no finding means `low`; a domain that could not be assessed is `no_information`, never `low`.
`overall` is the worst domain. Waived findings still count; reviewer overrides replace a
computed judgement and are reported as overrides with their reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from operator import attrgetter
from typing import Any

from .findings import DOMAINS, JUDGEMENT_RANK, Finding


def judge(
    study_ids: list[str],
    findings: Iterable[Finding],
    assessable: dict[str, set[str]],
    overrides: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """One entry per study, in the order given: domains, overall, overrides applied."""
    rank = JUDGEMENT_RANK
    column = {d: i for i, d in enumerate(DOMAINS)}
    # per study, the worst impact in each domain (None: no finding)
    worst: dict[str, list[str | None]] = {}
    for kind, impact, sid, domain in map(_JUDGED, findings):
        if kind != "quality" or not impact or not sid or domain not in column:
            continue
        row = worst.get(sid)
        if row is None:
            row = worst[sid] = [None] * len(DOMAINS)
        i = column[domain]
        if rank[impact] > rank.get(row[i] or "low", 0):
            row[i] = impact
    by_study: dict[str, list[dict[str, Any]]] = {}
    for o in overrides:
        by_study.setdefault(o["study_id"], []).append(o)
    assessed = [assessable.get(d, set()) for d in DOMAINS]
    quality = []
    for sid in study_ids:
        row = worst.get(sid) or [None] * len(DOMAINS)
        domains = {
            d: computed or ("low" if sid in ok else "no_information")
            for d, computed, ok in zip(DOMAINS, row, assessed, strict=True)
        }
        applied = []
        for o in by_study.get(sid, []):
            if o["domain"] in domains:
                applied.append({"domain": o["domain"], "computed": domains[o["domain"]], "judgement": o["judgement"], "reason": o["reason"]})
                domains[o["domain"]] = o["judgement"]
        overall = max(domains.values(), key=rank.__getitem__)
        for o in by_study.get(sid, []):
            if o["domain"] == "overall":
                applied.append({"domain": "overall", "computed": overall, "judgement": o["judgement"], "reason": o["reason"]})
                overall = o["judgement"]
        quality.append({"study_id": sid, "domains": domains, "overall": overall, "overrides": applied})
    return quality


# what a judgement reads of a finding
_JUDGED = attrgetter("kind", "impact", "study_id", "domain")
