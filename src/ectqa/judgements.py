"""Findings -> per-study, per-domain judgements, robvis-style.

A domain takes the worst impact of its findings (high > some_concerns > no_information > low);
no finding means `low`; a domain that could not be assessed is `no_information`, never `low`.
`overall` is the worst domain. Waived findings still count; reviewer overrides replace a
computed judgement and are reported as overrides with their reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import compress
from operator import attrgetter, itemgetter
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
    findings = list(findings)
    # most findings have no impact: passed over in C, not looked at one by one
    with_impact = compress(findings, map(attrgetter("impact"), findings))
    for kind, impact, sid, domain in map(_JUDGED, with_impact):
        if kind != "quality" or not sid or domain not in column:
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
    # a domain at a time over every study (thousands at 100k rows): its worst impact, else
    # whether the domain could be assessed for the study
    none = [None] * len(DOMAINS)
    rows = [worst.get(sid) or none for sid in study_ids]
    columns = []
    for i, domain in enumerate(DOMAINS):
        ok, computed = assessable.get(domain, set()), map(itemgetter(i), rows)
        columns.append([c or ("low" if sid in ok else "no_information") for sid, c in zip(study_ids, computed)])
    # the overall judgement: the worst domain, a max of ranks
    by_rank = sorted(rank, key=rank.__getitem__)
    worst_of_all = map(by_rank.__getitem__, map(max, *(map(rank.__getitem__, c) for c in columns)))
    quality = []
    for sid, judged, overall in zip(study_ids, zip(*columns), worst_of_all):
        domains = dict(zip(DOMAINS, judged))
        applied: list[dict[str, Any]] = []
        if sid in by_study:
            overall = _override(domains, by_study[sid], applied)
        quality.append({"study_id": sid, "domains": domains, "overall": overall, "overrides": applied})
    return quality


def _override(domains: dict[str, str], overrides: list[dict[str, Any]], applied: list[dict[str, Any]]) -> str:
    """A study's reviewer overrides, domains first, then overall (worked out of the domains as
    overridden): `domains` and `applied` updated, the overall judgement returned."""
    for o in overrides:
        if o["domain"] in domains:
            applied.append({"domain": o["domain"], "computed": domains[o["domain"]], "judgement": o["judgement"], "reason": o["reason"]})
            domains[o["domain"]] = o["judgement"]
    overall = max(domains.values(), key=JUDGEMENT_RANK.__getitem__)
    for o in overrides:
        if o["domain"] == "overall":
            applied.append({"domain": "overall", "computed": overall, "judgement": o["judgement"], "reason": o["reason"]})
            overall = o["judgement"]
    return overall


# what a judgement reads of a finding
_JUDGED = attrgetter("kind", "impact", "study_id", "domain")
