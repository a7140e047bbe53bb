"""`--format json`: the contract's report, deterministic (same input -> byte-identical).

Laid out one finding and one study per line: it greps and diffs well. Findings are encoded a
field at a time (one call of json's C encoder per field, each distinct value once), not a
dict per finding: at 100k rows there are tens of thousands of them, and a line is joined from
ten pieces of text, the names of the keys included.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from operator import attrgetter, itemgetter
from typing import Any

from .. import __version__
from ..findings import DOMAINS, FINDING_KEYS, Finding, json_value

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
        ',\n  "quality": ', *_one_per_line(_quality_lines(report.quality)),
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


def _quality_lines(quality: list[dict[str, Any]]) -> list[str]:
    """Each study's judgements as its JSON line. A call of the encoder per study cost more than
    the encoding: a study without overrides has one of a few combinations of domain judgements,
    each encoded once, and the study ids and overall judgements are encoded all at once."""
    lines: list[str | None] = [None] * len(quality)
    plain: list[int] = []  # studies without overrides
    domains: list[str] = []  # and the text of their domains
    known: dict[tuple, str] = {}
    for i, q in enumerate(quality):
        text = None
        if tuple(q) == _QUALITY_KEYS and q["overrides"] == [] and tuple(q["domains"]) == DOMAINS:
            judged = tuple(q["domains"].values())
            text = known.get(judged)
            # shared only when every judgement is a str (a str equals only its like)
            if text is None and all(type(j) is str for j in judged):
                text = known[judged] = _line(q["domains"])
        if text is None:
            lines[i] = _line(q)
        else:
            plain.append(i)
            domains.append(text)
    study_ids = _encode_each([quality[i]["study_id"] for i in plain], '{"study_id": ', ', "domains": ')
    overall = _encode_each([quality[i]["overall"] for i in plain], ', "overall": ', ', "overrides": []}')
    for i, *parts in zip(plain, study_ids, domains, overall, strict=True):
        lines[i] = "".join(parts)
    return lines  # type: ignore[return-value]


def _finding_lines(findings: list[Finding]) -> Iterable[str]:
    """Each finding as the contract's JSON object: every key, in the contract's order.

    Ten pieces a line, not 35: runs of keys whose values findings share (a rule's severity,
    domain, file ...) are looked up as one text per distinct run, key names included."""
    if not findings:
        return []
    return map("".join, zip(*(_run_texts(findings, keys) for keys in _RUNS)))


def _run_texts(findings: list[Finding], keys: tuple[str, ...]) -> list[str]:
    """Per finding, `keys` as JSON text, each preceded by its name (`{"rule": ...` or
    `, "row": ...`), and the closing brace after the last key of all."""
    names = [('{"' if key == FINDING_KEYS[0] else ', "') + key + '": ' for key in keys]
    end = "}" if keys[-1] == FINDING_KEYS[-1] else ""
    values: list[Any] = list(map(attrgetter(*keys), findings))
    distinct = list(dict.fromkeys(values))
    if 2 * len(distinct) <= len(values) and _shareable(distinct, keys, values):
        text = dict(zip(distinct, _texts(names, keys, distinct, end)))
        return list(map(text.__getitem__, values))
    return _texts(names, keys, values, end)


def _shareable(distinct: list[Any], keys: tuple[str, ...], values: list[Any]) -> bool:
    """Whether findings with equal values (of one key, or runs of `keys`) show the same text.
    True of str and None: each equals only its like. Bools, and the floats of `value` as
    json_value shows them, equal other numbers (1 == 1.0 == True): they are shared only when
    every value is of their type (or str, None)."""
    if len(keys) == 1:
        return _alike(distinct, keys[0], values)
    return all(
        _alike(column, key, map(itemgetter(i), values))
        for i, (key, column) in enumerate(zip(keys, zip(*distinct), strict=True))
    )


def _alike(distinct: Iterable[Any], key: str, values: Iterable[Any]) -> bool:
    types = set(map(type, distinct))
    if types <= _SHAREABLE:
        return True
    alike = _SHOWN_ALIKE if key == "value" else _BOOLS
    return types <= alike and set(map(type, values)) <= alike


def _texts(names: list[str], keys: tuple[str, ...], values: list[Any], end: str) -> list[str]:
    """Per value (a run of `keys`), each key's name and JSON text, then `end`."""
    if len(keys) == 1:
        return _encode_each(_shown(values, keys[0]), names[0], end)
    columns = [list(column) for column in zip(*values)]
    ends = [""] * (len(keys) - 1) + [end]
    parts = [_encode_each(_shown(c, k), n, e) for n, k, c, e in zip(names, keys, columns, ends, strict=True)]
    return list(map("".join, zip(*parts)))


def _shown(values: list[Any], key: str) -> list[Any]:
    if key != "value":
        return values
    return [v if v is None or type(v) is str else json_value(v) for v in values]


def _encode_each(values: list[Any], before: str = "", after: str = "") -> list[str]:
    """Each value as JSON text, between `before` and `after`: one encoding of them all, split."""
    if not values:
        return []
    body = _VALUES.encode(values)[1:-1].replace("\n", f"{after}\n{before}")
    return f"{before}{body}{after}".split("\n")


# the contract's keys as the runs a line is built of: a run of several keys is looked up as one
# text per distinct run (its keys' values are few: a rule's, or a message's), the others one by one
_RUNS = (
    ("rule", "severity", "kind", "level", "domain", "impact", "file", "table"),
    ("row",), ("column",), ("cell",), ("study_id",), ("outcome",), ("value",), ("message",),
    ("waived",), ("waiver_reason",),
)
assert sum(_RUNS, ()) == FINDING_KEYS
_SHOWN_ALIKE = {str, type(None), float}  # equal floats show alike (0.0 and -0.0 both as 0)
_BOOLS = {str, type(None), bool}
_QUALITY_KEYS = ("study_id", "domains", "overall", "overrides")
