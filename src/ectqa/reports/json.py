"""`--format json`: the contract's report, deterministic (same input -> byte-identical).

Laid out one finding and one study per line: it greps and diffs well. Findings are encoded a
field at a time (one call of json's C encoder per field, each distinct value once), not a
dict per finding: at 100k rows there are tens of thousands of them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from itertools import repeat
from operator import attrgetter
from typing import Any

from .. import __version__
from ..findings import FINDING_KEYS, Finding, json_value

FORMAT_VERSION = 1

# one encoder for every line (json.dumps with options builds a new one per call)
_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(", ", ": "))
_line = _ENCODER.encode
# the same encoding, values separated by a newline: json escapes every control character inside
# a string, so in its output a newline only ever separates two values
_VALUES = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=("\n", ": "))
_SHAREABLE = {str, type(None)}  # values that can be looked up by equality (1 == True == 1.0)


def render(report) -> str:
    # one join at the end: at 100k rows the report is tens of MB, and each concatenation copies it
    chunks = [
        '{\n  "ectqa_version": ', _line(__version__),
        ',\n  "format_version": ', _line(FORMAT_VERSION),
        ',\n  "inputs": ', _line(report.inputs),
        ',\n  "summary": ', _line(report.summary()),
        ',\n  "findings": ', *_one_per_line(_finding_lines(report.findings)),
        ',\n  "quality": ', *_one_per_line(map(_line, report.quality)),
    ]
    if report.notes:
        chunks += [',\n  "notes": ', *_one_per_line(map(_line, report.notes))]
    chunks.append("\n}\n")
    return "".join(chunks)


def _one_per_line(items: Iterable[str]) -> list[str]:
    """A JSON list laid out one item per line, as chunks of text."""
    items = list(items)
    if not items:
        return ["[]"]
    chunks = [",\n    "] * (2 * len(items) + 1)
    chunks[0], chunks[1::2], chunks[-1] = "[\n    ", items, "\n  ]"
    return chunks


def _finding_lines(findings: list[Finding]) -> Iterable[str]:
    """Each finding as the contract's JSON object: every key, in the contract's order."""
    if not findings:
        return []
    pieces: list[Iterable[str]] = []
    for i, key in enumerate(FINDING_KEYS):
        pieces.append(repeat(('{"' if i == 0 else ', "') + key + '": '))
        pieces.append(_encoded(findings, key))
    pieces.append(repeat("}"))
    return map("".join, zip(*pieces))


def _encoded(findings: list[Finding], key: str) -> list[str]:
    """Every finding's `key` as JSON text; a text many findings share is encoded once."""
    values: list[Any] = list(map(attrgetter(key), findings))
    if key == "value":
        values = [v if v is None or type(v) is str else json_value(v) for v in values]
    distinct = list(dict.fromkeys(values))
    if len(distinct) == len(values) or not set(map(type, distinct)) <= _SHAREABLE:
        return _encode_each(values)
    text = dict(zip(distinct, _encode_each(distinct)))
    return list(map(text.__getitem__, values))


def _encode_each(values: list[Any]) -> list[str]:
    return _VALUES.encode(values)[1:-1].split("\n")
