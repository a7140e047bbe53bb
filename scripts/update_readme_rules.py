"""Regenerate the README's rule list from rules/*.toml (tests/test_catalogue.py checks it)."""

import re
from pathlib import Path

from ectqa.explain import rules_markdown
from ectqa.rules import catalogue

readme = Path(__file__).resolve().parents[1] / "README.md"
text = readme.read_text(encoding="utf-8")
block = "<!-- rules:start -->\n" + rules_markdown(list(catalogue.load().values())) + "\n<!-- rules:end -->"
readme.write_text(re.sub(r"<!-- rules:start -->.*<!-- rules:end -->", lambda _: block, text, flags=re.S), encoding="utf-8")
print(f"updated {readme}")
