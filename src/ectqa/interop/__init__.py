"""The data dictionary exported for other validators: great-expectations suites (`gx.py`) and a
Frictionless data package (`frictionless.py`).

Both exporters write plain JSON from `dictionary.Dictionary`; neither imports the tool it writes
for, so `ectqa schema --format gx` starts as fast as the rest of ectqa. What a tool cannot express
is listed in the export itself (and printed by the command), so nobody believes it is covered.

Both describe *canonical* data: terms spelled as the dictionary spells them, missing values left
empty. Run `ectqa check` for the spellings, synonyms and missing-value tokens people write.
"""

from __future__ import annotations

import json
from typing import Any

from ..dictionary import load as _load_dictionary

# Orderings inside a measurement row (`a <= b`), from the dictionary (schemas/measurements.toml).
ORDERINGS: tuple[tuple[str, str], ...] = _load_dictionary().tables["measurements"].orderings

# Checks of the dictionary that no per-table validator can express, in either export.
ACROSS_TABLES = [
    "measurements.study_id must exist in studies.study_id (a reference across tables)",
    "measurements.n must not be above the study's enrolled n (n_ect, or n_control for the control group)",
    "rows of ect_responders and ect_nonresponders together must not exceed the study's n_ect",
]
SPELLINGS = (
    "spellings people write are not read: terms in another case, synonyms (IL6, pg/ml, DSM-IV), "
    "'NR' / 'not reported' for not_reported, the missing-value tokens NA, N/A, n/a, NR, -, ., "
    "decimal commas and typographic minus signs; the export checks canonical data only "
    "(run `ectqa check`, which reads and normalises them)"
)
QUALITY = "the quality rules (rules/*.toml: small samples, timing, confounding, forensics, ...) are ectqa's alone"


def dumps(document: Any) -> str:
    """Deterministic JSON: insertion order as built, two-space indent, UTF-8 text, final newline."""
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def full_match(pattern: str) -> str:
    """A dictionary pattern anchored at both ends (they are written anchored already)."""
    if not pattern.startswith("^"):
        pattern = "^" + pattern
    if not pattern.endswith("$"):
        pattern = pattern + "$"
    return pattern


def list_pattern(terms: tuple[str, ...]) -> str:
    """A `;`-separated list of terms, canonical spelling (ectqa also reads `,` and spaces)."""
    import re

    one = "(?:" + "|".join(re.escape(t) for t in terms) + ")"
    return f"^{one}(?:;{one})*$"
