"""Baselines: record today's findings, so that a gate fails only on findings that are new.

As mypy's and bandit's baselines do. A finding is known by what it says, not by its row (rows
move when records are added above it): rule, file, table, study, outcome, column and message,
with a count for findings that say the same thing twice. The file is the path relative to the
baseline file's folder (`data/studies.csv`), so the baseline matches whichever folder ectqa is run
from and two dataset folders in one baseline do not mix. The baseline file is sorted JSON with
`\\n` line ends and no timestamps: the same findings give the same bytes, so it diffs well in git.

`ectqa baseline PATH FILE` writes it (findings waived in config are left out: they already do not
count); `ectqa check --baseline FILE` marks the findings it knows as waived ("recorded in
baseline FILE"): they stay in every report but no longer count toward the summary or --fail-on.
Rewriting the baseline after a fix drops the fixed finding from it.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

from .errors import InputError
from .outputs import write_bytes

VERSION = 1
KEYS = ("rule", "file", "table", "study_id", "outcome", "column", "message")


def _file_key(file: str | None, root: Path) -> str:
    """The finding's file relative to the baseline's folder, with `/` separators."""
    if not file:
        return ""
    try:
        rel = os.path.relpath(Path(file).resolve(), root)
    except ValueError:  # another drive (Windows)
        return Path(file).name
    return Path(rel).as_posix()


def fingerprint(f, root: Path) -> tuple:
    return (f.rule, _file_key(f.file, root), f.table or "", f.study_id or "", f.outcome or "",
            f.column or "", f.message)


def _root(path: Path) -> Path:
    return Path(path).resolve().parent


def render_baseline(report, path: Path) -> str:
    root = _root(path)
    counts = Counter(fingerprint(f, root) for f in report.findings if not f.waived)
    entries = [dict(zip(KEYS, key), count=n) for key, n in sorted(counts.items())]
    return json.dumps({"ectqa_baseline": VERSION, "findings": entries}, ensure_ascii=False, indent=2) + "\n"


def write_baseline(report, path: Path) -> int:
    """Write the report's findings (not those waived in config) to `path`; returns how many."""
    text = render_baseline(report, path)
    write_bytes(Path(path), text.encode("utf-8"))
    return sum(1 for f in report.findings if not f.waived)


def read_baseline(path: Path) -> Counter:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if data.get("ectqa_baseline") != VERSION:
            raise KeyError("ectqa_baseline")
        entries = data["findings"]
        return Counter({tuple(e[k] if e[k] is not None else "" for k in KEYS): int(e.get("count", 1)) for e in entries})
    except FileNotFoundError:
        raise InputError(f"{path}: baseline file not found; create it with `ectqa baseline PATH {path}`") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, not a baseline file; give the file `ectqa baseline` wrote") from None
    except (json.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError, UnicodeDecodeError):
        raise InputError(f"{path}: not an ectqa baseline file; recreate it with `ectqa baseline`") from None


def apply_baseline(report, path: Path) -> int:
    """Mark findings the baseline knows as waived; they stay in the report but no longer count.
    Returns how many matched."""
    known = read_baseline(path)
    root = _root(path)
    matched = 0
    for f in report.findings:
        if f.waived:
            continue
        key = fingerprint(f, root)
        if known.get(key, 0) > 0:
            known[key] -= 1
            f.waived = True
            f.waiver_reason = f"recorded in baseline {Path(path).name}"
            matched += 1
    report.baseline_known = getattr(report, "baseline_known", 0) + matched
    return matched
