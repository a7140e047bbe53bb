"""`--format json`: the contract's report, deterministic (same input -> byte-identical)."""

from __future__ import annotations

import json
from typing import Any

from .. import __version__

FORMAT_VERSION = 1


def as_dict(report) -> dict[str, Any]:
    out = {
        "ectqa_version": __version__,
        "format_version": FORMAT_VERSION,
        "inputs": report.inputs,
        "summary": report.summary(),
        "findings": [f.to_dict() for f in report.findings],
        "quality": report.quality,
    }
    if report.notes:
        out["notes"] = list(report.notes)
    return out


def render(report) -> str:
    return json.dumps(as_dict(report), ensure_ascii=False, indent=2, allow_nan=False) + "\n"
