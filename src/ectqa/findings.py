"""The one `Finding` type that travels from every check to every reporter."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

SEVERITIES = ("error", "warning", "info")
SEVERITY_RANK = {"error": 3, "warning": 2, "info": 1}

DOMAINS = ("sample_size", "confounding", "comparison", "timing", "measurement", "reporting")
JUDGEMENTS = ("low", "some_concerns", "high", "no_information")
# A domain takes the worst impact of its findings: high > some_concerns > no_information > low.
JUDGEMENT_RANK = {"low": 0, "no_information": 1, "some_concerns": 2, "high": 3}

TABLE_ORDER = {"studies": 0, "measurements": 1}


@dataclass(slots=True)
class Finding:
    """What a check found, and where a person sees it.

    `row` is the row a person sees (header = 1; CSV: the line on which the record starts);
    `cell` is `sheet!A1` for workbooks and None for CSV.
    """

    rule: str
    severity: str
    message: str
    kind: str = "schema"  # schema | quality
    level: str | None = None  # file | table | study | series | row
    domain: str | None = None
    impact: str | None = None
    file: str | None = None
    table: str | None = None
    row: int | None = None
    column: str | None = None
    cell: str | None = None
    study_id: str | None = None
    outcome: str | None = None
    value: Any = None
    waived: bool = False
    waiver_reason: str | None = None
    # not part of the contract's JSON: the precision a forensic rule assumed, and so on
    extra: dict[str, Any] = field(default_factory=dict)

    def sort_key(self) -> tuple:
        """Findings are ordered by file, table (studies first), row, rule, column. For a CSV
        folder the "file" that orders is the dataset (its folder), so studies.csv comes first."""
        return (
            dataset_of(self.file),
            TABLE_ORDER.get(self.table or "", 2 if self.table else -1),
            self.row if self.row is not None else -1,
            self.rule,
            self.column or "",
            self.message,
        )

    @property
    def counts(self) -> bool:
        """Whether the finding counts toward the summary and --fail-on (waived ones do not)."""
        return not self.waived


WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".ods")


@lru_cache(maxsize=256)
def dataset_of(file: str | None) -> str:
    """The dataset a file belongs to: a workbook is its own; a table CSV belongs to its folder."""
    if not file:
        return ""
    if file.lower().endswith(WORKBOOK_SUFFIXES):
        return file
    import os

    return os.path.dirname(file)


# the contract's JSON object of a finding: every field but `extra`, in the contract's order
FINDING_KEYS = (
    "rule", "severity", "kind", "level", "domain", "impact", "file", "table", "row", "column", "cell",
    "study_id", "outcome", "value", "message", "waived", "waiver_reason",
)


def python_scalar(value: Any) -> Any:
    """A numpy scalar as the Python value it holds; anything else unchanged."""
    item = getattr(value, "item", None)
    if item is not None and not isinstance(value, (str, bytes)):
        try:
            return item()
        except (TypeError, ValueError):
            pass
    return value


def json_value(value: Any) -> Any:
    """A value as JSON shows it: numbers stay numbers (whole floats become ints), NaN is null."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    value = python_scalar(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return None
        if value.is_integer() and abs(value) < 2**53:
            return int(value)
        return value
    if isinstance(value, (int, str)):
        return value
    return str(value)


def sorted_findings(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=Finding.sort_key)


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
