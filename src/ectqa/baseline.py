"""Baselines: record today's findings, so that a gate fails only on findings that are new.

A finding is known by what it says, not by its row (rows move when records are added): rule,
file name, table, study, outcome, column and message, with a count. The file is sorted JSON with
no timestamps, so it diffs well in git.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from .errors import InputError
from .outputs import write_text

VERSION = 1


def fingerprint(f) -> tuple:
    return (f.rule, Path(f.file or "").name, f.table or "", f.study_id or "", f.outcome or "", f.column or "", f.message)


KEYS = ("rule", "file", "table", "study_id", "outcome", "column", "message")


def write_baseline(report, path: Path) -> int:
    counts = Counter(fingerprint(f) for f in report.findings if not f.waived)
    entries = [dict(zip(KEYS, key), count=n) for key, n in sorted(counts.items())]
    text = json.dumps({"ectqa_baseline": VERSION, "findings": entries}, ensure_ascii=False, indent=1, sort_keys=False)
    write_text(path, text + "\n")
    return sum(counts.values())


def read_baseline(path: Path) -> Counter:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        entries = data["findings"]
        return Counter({tuple(e[k] for k in KEYS): int(e.get("count", 1)) for e in entries})
    except FileNotFoundError:
        raise InputError(f"{path}: baseline file not found; create it with `ectqa baseline PATH {path}`") from None
    except (json.JSONDecodeError, KeyError, TypeError, UnicodeDecodeError):
        raise InputError(f"{path}: not an ectqa baseline file; recreate it with `ectqa baseline`") from None


def apply_baseline(report, path: Path) -> int:
    """Mark findings the baseline knows; they stay in the report but no longer count."""
    known = read_baseline(path)
    matched = 0
    for f in report.findings:
        if f.waived:
            continue
        key = fingerprint(f)
        if known.get(key, 0) > 0:
            known[key] -= 1
            f.waived = True
            f.waiver_reason = f"recorded in baseline {Path(path).name}"
            matched += 1
    report.baseline_known = matched
    return matched
