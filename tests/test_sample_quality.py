"""The sample data's documented quality problems are exactly what ectqa finds on the clean twin."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner

from ectqa.cli import main

ROOT = Path(__file__).resolve().parents[1]
# info rules that fire in most of this literature; the README names them in prose, not per study
WIDESPREAD = {"acute-first-session-only", "anesthesia-not-controlled", "response-not-linked"}


def documented() -> dict[str, set[str]]:
    text = (ROOT / "sample_data" / "README.md").read_text(encoding="utf-8")
    section = text.split("## Studies planted to trip quality rules", 1)[1]
    expected: dict[str, set[str]] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 5 and cells[0].startswith("`"):
            studies = {re.sub(r"\s*\(.*\)$", "", s.strip()) for s in cells[4].split(",") if s.strip()}
            expected.setdefault(cells[0].strip("`"), set()).update(studies)
    return expected


def test_each_planted_rule_fires_in_exactly_the_documented_studies():
    expected = documented()
    assert len(expected) >= 30
    result = CliRunner().invoke(main, ["check", str(ROOT / "sample_data" / "clean"), "--format", "json"])
    assert result.exit_code == 0  # the clean twin has no schema error
    found: dict[str, set[str]] = {}
    for f in json.loads(result.output)["findings"]:
        assert f["kind"] == "quality"
        found.setdefault(f["rule"], set()).add(f["study_id"])
    assert {r: found.get(r, set()) for r in expected} == expected
    assert set(found) - set(expected) <= WIDESPREAD
