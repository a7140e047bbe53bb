"""Tests for ectqa.reports.json: each finding's line is the contract's object, however the
renderer shares the text of values findings have in common."""

from __future__ import annotations

import json
from itertools import cycle, islice

import numpy as np
import pytest

from ectqa.findings import DOMAINS, FINDING_KEYS, Finding, json_value
from ectqa.reports.json import _finding_lines, _quality_lines


def one_by_one(f: Finding) -> str:
    """The contract's object of one finding, encoded on its own."""
    obj = {k: json_value(f.value) if k == "value" else getattr(f, k) for k in FINDING_KEYS}
    return json.dumps(obj, ensure_ascii=False, allow_nan=False, separators=(", ", ": "))


def findings(n: int, **columns) -> list[Finding]:
    """`n` findings, each field cycling through the values given for it."""
    fields = {"rule": ["r"], "severity": ["warning"], "message": ["m"], **columns}
    fields = {k: list(islice(cycle(v), n)) for k, v in fields.items()}
    return [Finding(**{k: v[i] for k, v in fields.items()}) for i in range(n)]


# values that are equal but are shown differently (1 == 1.0 == True; 2**60 == 2.0**60), and
# text that needs escaping
VALUES = [1.0, 1, True, 2.0**60, 2**60, -0.0, 0.0, float("nan"), np.float64(2.5), 2.5, "1", None, 'a "b"\n', "µ"]


@pytest.mark.parametrize(
    "columns",
    [
        {"value": VALUES},
        {"value": [1.0, 1.0, 2.5, "x", None]},  # floats, text and empty: shared
        {"value": [True, 1, 1.0]},
        {"waived": [False, 0, True, 1], "waiver_reason": [None, "because"]},
        {"waived": [False, True], "row": [3, 3, True, 3.0, None], "column": ["mean", None]},
        {"message": ['say "no"', "tab\there", "α β γ", "\u2028"], "cell": [None, "Sheet!A1"]},
        {"study_id": ["S1", "S2", "S1"], "outcome": [None, "crp"], "impact": [None, "high"], "domain": ["timing"]},
    ],
)
def test_every_line_is_the_finding_encoded_on_its_own(columns):
    for n in (1, 2, 7, 40):  # few findings (each encoded) and many (shared texts)
        fs = findings(n, **columns)
        assert list(_finding_lines(fs)) == [one_by_one(f) for f in fs]


def test_no_findings():
    assert list(_finding_lines([])) == []


def test_every_study_line_is_the_study_encoded_on_its_own():
    low = dict.fromkeys(DOMAINS, "low")
    quality = [
        {"study_id": f"S{i}", "domains": dict(low, timing="high" if i % 3 else "low"), "overall": "high", "overrides": []}
        for i in range(6)
    ]
    quality += [
        {"study_id": 'say "α"', "domains": dict(low), "overall": "low", "overrides": []},
        {"study_id": "O", "domains": dict(low), "overall": "low",
         "overrides": [{"domain": "overall", "computed": "low", "judgement": "high", "reason": "why"}]},
        {"study_id": "N", "domains": dict(low, timing=None), "overall": "low", "overrides": []},
        {"study_id": "K", "overall": "low", "domains": dict(low), "overrides": []},  # other key order
        {"study_id": 7, "domains": dict(reversed(low.items())), "overall": "low", "overrides": []},
    ]
    expected = [json.dumps(q, ensure_ascii=False, separators=(", ", ": ")) for q in quality]
    assert _quality_lines(quality) == expected
    assert _quality_lines([]) == []
