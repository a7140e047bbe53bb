"""`--format json`: the contract's report, deterministic (same input -> byte-identical).

Laid out one finding and one study per line: it greps and diffs well, and each line goes
through the C encoder (json's indent mode falls back to the slow pure-Python one).
"""

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


# one encoder for every line (json.dumps with options builds a new one per call)
_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(", ", ": "))
_line = _ENCODER.encode


def render(report) -> str:
    doc = as_dict(report)
    parts = []
    for key, value in doc.items():
        if isinstance(value, list) and value and key in ("findings", "quality", "notes"):
            items = ",\n    ".join(_line(v) for v in value)
            parts.append(f'  "{key}": [\n    {items}\n  ]')
        else:
            parts.append(f'  "{key}": {_line(value)}')
    return "{\n" + ",\n".join(parts) + "\n}\n"
