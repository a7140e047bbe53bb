"""The catalogue as data agrees with the code and with the README."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from ectqa.cli import main
from ectqa.explain import rules_markdown
from ectqa.rules import catalogue, registry
from ectqa.rules.engine import load_rule_modules

ROOT = Path(__file__).resolve().parents[1]


def test_readme_rule_list_is_generated_from_rules():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- rules:start -->\n(.*)\n<!-- rules:end -->", text, re.S)
    assert block, "README lacks the generated rule list"
    assert block.group(1) == rules_markdown(list(catalogue.load().values())), (
        "README's rule list is stale: regenerate it with `ectqa rules --format markdown`"
    )


def test_every_rule_the_code_emits_is_in_the_catalogue():
    load_rule_modules()
    rules = catalogue.load()
    assert set(registry.REGISTRY) <= set(rules)
    emitted = set()
    for path in (ROOT / "src" / "ectqa").rglob("*.py"):
        emitted |= set(re.findall(r'"(schema/[a-z-]+)"', path.read_text(encoding="utf-8")))
    assert emitted <= set(rules), emitted - set(rules)


def test_every_quality_rule_has_logic_and_documentation():
    load_rule_modules()
    for r in catalogue.quality_rules():
        assert r.id in registry.REGISTRY, r.id
        assert r.domain and r.level in ("study", "series", "row")
        assert r.summary and r.source
        assert set(r.rationale) == {"what", "why", "example", "fix"}, r.id


def test_rules_and_explain_commands():
    runner = CliRunner()
    listing = runner.invoke(main, ["rules"])
    assert listing.exit_code == 0 and "small-sample" in listing.output and "sample_size" in listing.output
    explained = runner.invoke(main, ["explain", "small-sample"])
    assert explained.exit_code == 0
    for part in ("What it flags", "Why it matters", "Example", "How to fix it", "min_n = 34", "critical_n = 15", "Source"):
        assert part in explained.output, part
    schema = runner.invoke(main, ["explain", "range"])
    assert schema.exit_code == 0 and "schema/range" in schema.output
    unknown = runner.invoke(main, ["explain", "small-sampel"])
    assert unknown.exit_code == 2 and "small-sample" in unknown.output


def test_explain_shows_current_config(tmp_path, monkeypatch):
    (tmp_path / "ectqa.toml").write_text("[rules.small-sample]\nmin_n = 25\n")
    monkeypatch.chdir(tmp_path)
    out = CliRunner().invoke(main, ["explain", "small-sample"]).output
    assert "min_n = 25   (default 34)" in out
