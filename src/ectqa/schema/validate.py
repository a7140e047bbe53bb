"""validate(dataset) -> schema findings, and which rows passed (for the quality rules)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..dataset import Dataset, TableData
from ..dictionary import TABLES, Dictionary
from ..findings import Finding

if TYPE_CHECKING:  # pandas loads with the first table validated, not before reading
    import pandas as pd

    from .coerce import CellIssue


@dataclass
class Validation:
    findings: list[Finding]
    valid: dict[str, np.ndarray]  # table -> bool per row position: no schema error


def validate(dataset: Dataset, dictionary: Dictionary) -> Validation:
    return Validator(dictionary).finish(dataset)


class Validator:
    """Validates a dataset a table at a time. A table is validated once it is read and complete
    (its read findings all made): a workbook's studies sheet while calamine still parses the
    measurements sheet. `finish` validates the tables not yet done."""

    def __init__(self, dictionary: Dictionary) -> None:
        self.dictionary = dictionary
        self.findings: dict[str, list[Finding]] = {}
        self.valid: dict[str, np.ndarray] = {}  # table -> bool per row position: no schema error

    def table(self, dataset: Dataset, name: str) -> None:
        if name in self.findings or name not in dataset.tables:
            return
        for earlier in TABLES[: TABLES.index(name)]:  # measurements are checked against studies
            self.table(dataset, earlier)
        from .build import SchemaBuilder, pa
        from .coerce import coerce_table

        dictionary = self.dictionary
        table = dataset.tables[name]
        frame, issues, filled = coerce_table(table, dictionary)
        table.frame = frame
        flagged: set[tuple[int, str]] = set(table.flagged_cells)
        table_findings: list[Finding] = []
        table_findings.extend(_missing_columns(table, dictionary))
        for issue in issues:
            table_findings.extend(_issue_findings(table, issue))
            if issue.severity == "error":
                flagged.update((int(i), issue.column) for i in issue.index)
        other = other_valid = None
        if name == "measurements" and "studies" in dataset.tables:
            other = dataset.tables["studies"].frame
            other_valid = other[self.valid["studies"]]
        # a column absent from the file is reported once (missing-column); one with no value at
        # all has nothing for its column checks to find but `required`
        present = filled | {c.name for c in dictionary.tables[name].columns if c.required and c.name in table.raw.columns}
        builder = SchemaBuilder(dictionary, name, other, other_valid, present=present)
        schema = builder.build()
        failures = None
        if len(frame):
            try:
                schema.validate(frame, lazy=True, inplace=True)
            except pa.errors.SchemaErrors as exc:
                failures = exc.failure_cases
        if failures is not None:
            table_findings.extend(_failure_findings(table, frame, failures, builder.specs, flagged))
        # read findings at this table's rows (ragged rows, excel errors) exclude rows too
        read_here = [f for f in dataset.read_findings if f.table == name]
        wrong_rows = [f.row for f in (*table_findings, *read_here)
                      if f.severity == "error" and f.level == "row" and f.row is not None]
        self.valid[name] = ~np.isin(table.rows, wrong_rows)  # a reader gives each position its own row
        self.findings[name] = table_findings

    def finish(self, dataset: Dataset) -> Validation:
        order = [t for t in TABLES if t in dataset.tables]
        for name in order:
            self.table(dataset, name)
        findings = list(dataset.read_findings)
        for name in order:
            findings.extend(self.findings[name])
        return Validation(findings, {name: self.valid[name] for name in order})


def _missing_columns(table: TableData, dictionary: Dictionary) -> list[Finding]:
    out = []
    for col in dictionary.tables[table.name].columns:
        if col.required and col.name not in table.raw.columns:
            where = f"sheet '{table.sheet}'" if table.sheet else table.file
            out.append(
                Finding(
                    rule="schema/missing-column",
                    severity="error",
                    message=f"required column '{col.name}' is missing from {where}; add it (or map your header to it with [columns.{table.name}] in ectqa.toml)",
                    level="table",
                    file=table.file,
                    table=table.name,
                    row=1,
                    column=col.name,
                )
            )
    return out


def _locate(table: TableData, index: np.ndarray, column: str) -> tuple[list[int], list[str | None], list, list]:
    rows = table.rows[index].tolist()
    cells = table.cells(index, column)
    frame = table.frame
    study = frame["study_id"].to_numpy(dtype=object)[index].tolist() if "study_id" in frame else [None] * len(index)
    outcome = (
        frame["outcome"].to_numpy(dtype=object)[index].tolist() if table.name == "measurements" else [None] * len(index)
    )
    return rows, cells, study, outcome


def _issue_findings(table: TableData, issue: CellIssue) -> list[Finding]:
    index = np.asarray(issue.index, dtype=np.int64)
    rows, cells, study, outcome = _locate(table, index, issue.column)
    values = issue.values or table.raw_values(issue.column, index)
    return [
        Finding(
            rule=issue.rule,
            severity=issue.severity,
            message=issue.messages[i],
            level="row",
            file=table.file,
            table=table.name,
            row=rows[i],
            column=issue.column,
            cell=cells[i],
            study_id=_clean(study[i]),
            outcome=_clean(outcome[i]) if issue.column != "outcome" or issue.severity != "error" else None,
            value=values[i],
        )
        for i in range(len(index))
    ]


def _failure_findings(table: TableData, frame: pd.DataFrame, failures: pd.DataFrame, specs: dict, flagged: set) -> list[Finding]:
    out: list[Finding] = []
    unplaced = failures[failures["index"].isna()]
    broken = unplaced[unplaced["check"].astype(str).isin(list(specs))]
    if len(broken):
        # a check that raised instead of answering: a bug, never a silent pass
        row = broken.iloc[0]
        raise RuntimeError(f"schema check {row['check']} could not run: {row['failure_case']}")
    failures = failures[failures["index"].notna()]
    checks = failures["check"].to_numpy(dtype=object)
    columns = failures["column"].to_numpy(dtype=object)
    # the key's uniqueness reports every key column of a failing row: only the column its spec
    # names is kept (a check across columns reports that column alone, see build._across)
    across = {k: s.column for k, s in specs.items() if k.startswith(("xf:", "required_when", "max_when")) or k == "multiple_fields_uniqueness"}
    import pandas as pd

    named = pd.Series(checks, dtype=object).map(across).to_numpy(dtype=object)
    kept = np.flatnonzero(pd.isna(named) | (named == columns))
    # column checks first: a cell already wrong for its column is not reported again across columns
    frame_level = failures["schema_context"].ne("Column").to_numpy()
    order = kept[np.argsort(frame_level[kept], kind="stable")]
    keys = zip(frame_level[order].tolist(), checks[order].tolist(), columns[order].tolist())
    positions = failures["index"].to_numpy()[order].astype(np.int64).tolist()
    groups: dict[tuple, list[int]] = {}  # (frame-level, check, column) -> positions, in order of appearance
    for key, pos in zip(keys, positions):
        groups.setdefault(key, []).append(pos)
    for (_, check, column), group in groups.items():
        check = str(check)
        spec = specs.get(check) or specs.get(f"{check}:{column}")
        if spec is None:
            continue
        index = np.unique(np.asarray(group, dtype=np.int64))
        keep = np.array([(int(i), spec.column) not in flagged for i in index], dtype=bool)
        index = index[keep]
        if not len(index):
            continue
        flagged.update((int(i), spec.column) for i in index)
        messages = spec.message(frame, index)
        rows, cells, study, outcome = _locate(table, index, spec.column)
        values = table.raw_values(spec.column, index)
        for i in range(len(index)):
            out.append(
                Finding(
                    rule=spec.rule,
                    severity="error",
                    message=messages[i],
                    level="row",
                    file=table.file,
                    table=table.name,
                    row=rows[i],
                    column=spec.column,
                    cell=cells[i],
                    study_id=_clean(study[i]),
                    outcome=_clean(outcome[i]) if spec.column != "outcome" else None,
                    value=values[i],
                )
            )
    return out


def _clean(v):
    if v is None or (isinstance(v, float) and v != v):
        return None
    return v
