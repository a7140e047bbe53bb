"""Two extractions of the same studies, or two versions of one dataset, side by side.

`compare(a, b)` checks both (the full `ectqa check` pipeline), matches their records by key
(`match.py`), measures agreement (`agreement.py`) and sets the quality judgements side by side.
With `versions=True` the same comparison is read as a change from OLD (a) to NEW (b): records
added, removed and edited, findings that appear or disappear, judgements that change, and
optionally pooled estimates that move (`ectqa.synthesis.analysis`, when it is installed).

`reconcile.py` applies a filled-in reconciliation workbook to A; `report.py` renders.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# columns that name the extractor: they differ between two extractions by design
EXTRACTOR_COLUMNS = ("extracted_by", "checked_by")


@dataclass
class Comparison:
    a: Any  # check Report of A (OLD)
    b: Any  # check Report of B (NEW)
    tables: dict[str, Any]  # table -> match.TableDiff
    tolerance: float | None  # None: half a unit of the less precise value
    ignored: tuple[str, ...]
    columns: list[Any]  # agreement.ColumnAgreement per compared column
    overall: dict[str, Any]
    judgements: list[dict[str, Any]]  # where the judgements differ
    versions: bool = False
    findings_appeared: list[Any] = field(default_factory=list)
    findings_disappeared: list[Any] = field(default_factory=list)
    synthesis: dict[str, Any] | None = None  # with --synthesis: {"available", "note", "moved", ...}

    @property
    def labels(self) -> tuple[str, str]:
        return ("old", "new") if self.versions else ("A", "B")

    @property
    def n_disagreements(self) -> int:
        return sum(len(d.disagreements) for d in self.tables.values())

    @property
    def n_only(self) -> tuple[int, int]:
        return (sum(len(d.only_a) for d in self.tables.values()), sum(len(d.only_b) for d in self.tables.values()))

    @property
    def identical(self) -> bool:
        return self.n_disagreements == 0 and self.n_only == (0, 0)

    def most_different(self, top: int = 5) -> list[Any]:
        """Columns with the most disagreeing cells (then the lowest agreement)."""
        cols = [c for c in self.columns if c.disagreed > 0]
        cols.sort(key=lambda c: (-c.disagreed, c.percent if c.percent is not None else 100.0))
        return cols[:top]


def compare(a: Path, b: Path, options: Any = None, *, tolerance: float | None = None,
            ignore_columns: tuple[str, ...] | None = None, versions: bool = False,
            synthesis: bool = False, reports: tuple[Any, Any] | None = None) -> Comparison:
    """Compare dataset `a` with dataset `b` (workbooks or CSV folders).

    `tolerance`: an absolute tolerance for numbers (None: half a unit of the less precise value).
    `ignore_columns`: columns left out (default: the extractor's initials when comparing two
    extractions, nothing when comparing versions).
    """
    from ..check import Options, _decimals_lookup, run_check
    from ..errors import InputError
    from .agreement import column_agreement, overall_agreement
    from .match import compare_table

    if tolerance is not None and not tolerance >= 0:
        raise InputError(f"--tolerance {tolerance}: give a number >= 0 (or leave it out for half a unit of the reported precision)")
    options = options or Options()
    if reports is None:
        reports = (run_check(Path(a), options), run_check(Path(b), options))
    ra, rb = reports
    if ignore_columns is None:
        ignore_columns = () if versions else EXTRACTOR_COLUMNS
    dictionary = ra.config.dictionary
    dec_a, dec_b = _decimals_lookup(ra.dataset), _decimals_lookup(rb.dataset)
    tables = {}
    for name in ("studies", "measurements"):
        ta, tb = ra.dataset.tables.get(name), rb.dataset.tables.get(name)
        if ta is None or tb is None:
            continue
        tables[name] = compare_table(name, ta, tb, dictionary, dec_a, dec_b, tolerance, tuple(ignore_columns))
    if not tables:
        raise InputError(f"{a} and {b} have no table in common; compare two datasets with the same tables")
    columns = column_agreement(tables.values())
    result = Comparison(
        a=ra, b=rb, tables=tables, tolerance=tolerance, ignored=tuple(ignore_columns), columns=columns,
        overall=overall_agreement(tables.values(), columns), judgements=judgement_differences(ra.quality, rb.quality),
        versions=versions,
    )
    if versions:
        result.findings_appeared, result.findings_disappeared = finding_changes(ra.findings, rb.findings)
        if synthesis:
            result.synthesis = synthesis_changes(ra, rb)
    return result


def judgement_differences(qa: list[dict[str, Any]], qb: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """(study, domain, A's judgement, B's judgement) wherever they differ; `overall` is a domain
    too. A study judged on one side only shows None on the other."""
    from ..findings import DOMAINS

    by_a = {q["study_id"]: q for q in qa}
    by_b = {q["study_id"]: q for q in qb}
    studies = list(dict.fromkeys([*by_a, *by_b]))
    out = []
    for s in studies:
        ja, jb = by_a.get(s), by_b.get(s)
        domains = list(dict.fromkeys([*DOMAINS, *((ja or {}).get("domains", {})), *((jb or {}).get("domains", {}))]))
        for d in [*domains, "overall"]:
            va = _judgement(ja, d)
            vb = _judgement(jb, d)
            if va != vb:
                out.append({"study_id": s, "domain": d, "a": va, "b": vb})
    return out


def _judgement(q: dict[str, Any] | None, domain: str) -> str | None:
    if q is None:
        return None
    value = q["overall"] if domain == "overall" else q.get("domains", {}).get(domain)
    return None if value is None else str(value)


def fingerprint(f: Any) -> tuple:
    """What identifies a finding across versions: not its row, which moves when rows are added."""
    return (f.rule, f.study_id, f.outcome, f.column, f.message)


def finding_changes(old: list[Any], new: list[Any]) -> tuple[list[Any], list[Any]]:
    """(findings only in new, findings only in old), compared as multisets of fingerprints."""
    count_old = Counter(fingerprint(f) for f in old)
    count_new = Counter(fingerprint(f) for f in new)
    appeared = _take(new, count_new - count_old)
    disappeared = _take(old, count_old - count_new)
    return appeared, disappeared


def _take(findings: list[Any], wanted: Counter) -> list[Any]:
    out = []
    for f in findings:
        fp = fingerprint(f)
        if wanted.get(fp, 0) > 0:
            wanted[fp] -= 1
            out.append(f)
    return out


# ---------------------------------------------------------------- synthesis (optional)

def synthesis_entry():
    """`ectqa.synthesis.analysis.synthesize`, or None while it is not there."""
    try:
        from importlib import import_module

        module = import_module("ectqa.synthesis.analysis")
    except ImportError:
        return None
    fn = getattr(module, "synthesize", None)
    return fn if callable(fn) else None


def synthesis_changes(ra: Any, rb: Any) -> dict[str, Any]:
    """Pooled estimates of both sides and the ones that move."""
    entry = synthesis_entry()
    if entry is None:
        return {
            "available": False,
            "note": "synthesis unavailable: ectqa.synthesis.analysis is not installed in this version, so pooled estimates were not compared",
            "moved": [], "appeared": [], "disappeared": [],
        }
    try:
        old, new = _pooled(entry, ra), _pooled(entry, rb)
    except Exception as exc:  # the analysis is another module's work: report, do not crash the diff
        return {
            "available": False,
            "note": f"synthesis failed ({type(exc).__name__}: {exc}); pooled estimates were not compared",
            "moved": [], "appeared": [], "disappeared": [],
        }
    moved = []
    for label in old.keys() & new.keys():
        o, n = old[label], new[label]
        if any(_differs(o.get(k), n.get(k)) for k in ("estimate", "ci_lower", "ci_upper", "k")):
            moved.append({"analysis": label, "old": o, "new": n})
    moved.sort(key=lambda m: m["analysis"])
    return {
        "available": True,
        "note": None,
        "moved": moved,
        "appeared": [{"analysis": k, "new": new[k]} for k in sorted(new.keys() - old.keys())],
        "disappeared": [{"analysis": k, "old": old[k]} for k in sorted(old.keys() - new.keys())],
    }


def _differs(x: Any, y: Any) -> bool:
    if isinstance(x, (int, float)) and isinstance(y, (int, float)):
        return abs(float(x) - float(y)) > 1e-9 * max(1.0, abs(float(x)), abs(float(y)))
    return x != y


def _pooled(entry, report) -> dict[str, dict[str, Any]]:
    """`synthesize(report)["results"]` as {label: {"estimate", "ci_lower", "ci_upper", "k"}}; the
    label names the analysis (outcome, contrast, measure, method, pre-post r)."""
    out = {}
    for r in entry(report).get("results", []):
        parts = [r.get("outcome"), r.get("contrast"), r.get("measure"), r.get("method")]
        if r.get("r") is not None:
            parts.append(f"r={r['r']:g}")
        label = " · ".join(str(p) for p in parts if p is not None)
        out[label] = {k: _plain(r.get(k)) for k in ("estimate", "ci_lower", "ci_upper", "k")}
    return out


def _plain(v: Any) -> Any:
    item = getattr(v, "item", None)
    return item() if callable(item) else v
