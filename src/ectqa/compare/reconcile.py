"""Apply a filled-in reconciliation workbook to A and write the consensus dataset.

The `agreed` column of RECONCILE.xlsx (written by `ectqa compare A B --excel`) holds, for a cell
that disagrees, the consensus value as it should be written (`[A]` or `[B]` takes that side's
value, `[blank]` empties the cell); for a record present on one side only, `keep` or `drop`
(`[A]`/`[B]` keep that side's version). The consensus is A with those decisions applied, in A's
form: a workbook edited cell by cell (other sheets, formats and columns kept) or a CSV folder
(same separator, same columns). A itself is never modified, and the workbook must belong to A
as it was when compared (its sha256 is recorded in the workbook's `about` sheet).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError
from .report import (
    ABOUT_SHEET,
    KIND_CELL,
    KIND_ONLY_A,
    KIND_ONLY_B,
    ONLY_IN_B_PREFIX,
    RECONCILE_SHEET,
    TAKE_A,
    TAKE_B,
    TAKE_BLANK,
    file_digest,
    text_cell,
)

KEEP, DROP = "keep", "drop"


@dataclass
class Decisions:
    """What the reviewers agreed, per table of A."""

    cells: dict[str, dict[tuple[int, str], str | None]] = field(default_factory=dict)  # (row seen, column) -> text
    drop: dict[str, set[int]] = field(default_factory=dict)  # rows (as seen) of A to delete
    add: dict[str, list[dict[str, str]]] = field(default_factory=dict)  # B's records to append


def _text_of(cell) -> str | None:
    """An agreed cell as text; numbers keep the decimals their format shows."""
    from ..forensics.precision import decimals_of_number_format

    v = cell.value
    if v is None:
        return None
    if isinstance(v, str):
        return v.strip() or None
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, (int, float)):
        d = decimals_of_number_format(getattr(cell, "number_format", None))
        if d is not None:
            return f"{float(v):.{d}f}"
        return str(int(v)) if float(v).is_integer() else repr(float(v))
    return str(v)


def read_decisions(path: Path, base_report) -> Decisions:
    """Read RECONCILE.xlsx; refuse while any disagreement has no agreed value."""
    from openpyxl import load_workbook

    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file; give the workbook `ectqa compare A B --excel` wrote")
    try:
        wb = load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:
        raise InputError(f"{path}: cannot open the reconciliation workbook ({type(exc).__name__}); give the .xlsx `ectqa compare --excel` wrote") from None
    try:
        if RECONCILE_SHEET not in wb.sheetnames or ABOUT_SHEET not in wb.sheetnames:
            raise InputError(f"{path}: not a reconciliation workbook (no '{RECONCILE_SHEET}' and '{ABOUT_SHEET}' sheets); write one with `ectqa compare A B --excel {path.name}`")
        about = {r[0]: r[1] for r in wb[ABOUT_SHEET].iter_rows(values_only=True) if r and r[0]}
        if about.get("a_sha256") and about["a_sha256"] != file_digest(base_report):
            raise InputError(
                f"{path}: --base {base_report.path} is not the A this workbook was made from (or it changed since: "
                f"the workbook names {about.get('a')}); compare again with `ectqa compare A B --excel`"
            )
        sheet = wb[RECONCILE_SHEET]
        it = sheet.iter_rows()
        header = [c.value for c in next(it, [])]
        col = {name: i for i, name in enumerate(header) if name}
        for needed in ("id", "table", "kind", "column", "agreed", "a_row", "b_value", "record"):
            if needed not in col:
                raise InputError(f"{path}: the '{RECONCILE_SHEET}' sheet has no '{needed}' column; write the workbook again with `ectqa compare --excel`")
        entries = []
        for excel_row, cells in enumerate(it, start=2):
            values = [c.value for c in cells]
            if not any(v is not None and v != "" for v in values):
                continue
            agreed_cell = cells[col["agreed"]] if col["agreed"] < len(cells) else None
            if agreed_cell is not None and getattr(agreed_cell, "data_type", None) == "f":
                raise InputError(f"{path}: row {excel_row}: the agreed cell holds a formula; type the value itself")
            get = lambda name, _v=values: _v[col[name]] if col[name] < len(_v) else None
            entries.append((excel_row, get, _text_of(agreed_cell) if agreed_cell is not None else None))
        only_b = {}
        for name in wb.sheetnames:
            if name.startswith(ONLY_IN_B_PREFIX):
                table = name[len(ONLY_IN_B_PREFIX):]
                data = list(wb[name].iter_rows(values_only=True))
                if data:
                    head = list(data[0])
                    for r in data[1:]:
                        rec = {h: ("" if v is None else str(v)) for h, v in zip(head, r) if h}
                        only_b[(table, str(rec.pop("id", "")))] = rec
    finally:
        wb.close()

    pending = [(r, get) for r, get, agreed in entries if agreed is None]
    if pending:
        listed = "; ".join(f"row {r} ({get('table')} {get('record')} {get('column') or '(record)'})" for r, get in pending[:10])
        more = f"; and {len(pending) - 10} more" if len(pending) > 10 else ""
        raise InputError(
            f"{path}: {len(pending)} disagreement(s) have no agreed value: {listed}{more}; fill the agreed column "
            f"(the value, {TAKE_A}, {TAKE_B} or {TAKE_BLANK}; keep or drop for a record) and run reconcile again"
        )

    dictionary = base_report.config.dictionary
    decisions = Decisions()
    problems = []
    for excel_row, get, agreed in entries:
        table, kind = get("table"), get("kind")
        if table not in base_report.dataset.tables:
            problems.append(f"row {excel_row}: table '{table}' is not in the base")
            continue
        word = agreed.casefold()
        if kind == KIND_CELL:
            column = get("column")
            if agreed == TAKE_A:
                continue
            if agreed == TAKE_B:
                value = get("b_value")
                value = None if value in (None, "") else str(value)
            elif word == TAKE_BLANK:
                value = None
            else:
                value = agreed
            spec = dictionary.tables[table]
            if value is not None and column in spec.names and spec.column(column).numeric and value not in dictionary.missing_tokens:
                try:
                    float(value.replace(",", ".") if getattr(base_report.dataset.tables[table], "decimal_comma", False) else value)
                except ValueError:
                    problems.append(f"row {excel_row}: agreed '{agreed}' for {column} is not a number")
                    continue
            decisions.cells.setdefault(table, {})[(int(get("a_row")), column)] = value
        elif kind == KIND_ONLY_A:
            if word in (KEEP, TAKE_A.casefold()):
                continue
            if word in (DROP, TAKE_B.casefold()):
                decisions.drop.setdefault(table, set()).add(int(get("a_row")))
            else:
                problems.append(f"row {excel_row}: agreed '{agreed}' for a record only in A; write keep or drop")
        elif kind == KIND_ONLY_B:
            if word in (DROP, TAKE_A.casefold()):
                continue
            if word in (KEEP, TAKE_B.casefold()):
                rec = only_b.get((table, str(get("id"))))
                if rec is None:
                    problems.append(f"row {excel_row}: B's record is missing from sheet {ONLY_IN_B_PREFIX}{table}")
                else:
                    decisions.add.setdefault(table, []).append(rec)
            else:
                problems.append(f"row {excel_row}: agreed '{agreed}' for a record only in B; write keep or drop")
        else:
            problems.append(f"row {excel_row}: unknown kind '{kind}'")
    if problems:
        more = f"; and {len(problems) - 10} more" if len(problems) > 10 else ""
        raise InputError(f"{path}: {'; '.join(problems[:10])}{more}; correct the agreed column and run reconcile again")
    return decisions


def reconcile(reconcile_path: Path, base: Path, out: Path, options: Any = None):
    """Write the consensus (A with the agreed values) to `out`, then check it: returns its Report."""
    from ..check import Options, run_check

    options = options or Options()
    base, out = Path(base), Path(out)
    if out.exists() and out.resolve() == base.resolve():
        raise InputError(f"{out}: the consensus would overwrite the base {base}; choose another --out")
    report = run_check(base, options)
    decisions = read_decisions(Path(reconcile_path), report)
    if report.dataset.kind == "workbook":
        _write_workbook(report, decisions, out)
    else:
        _write_folder(report, decisions, out)
    return run_check(out, options)


# ------------------------------------------------------------------ writing


def _numeric(report, table: str, column: str) -> bool:
    spec = report.config.dictionary.tables.get(table)
    return bool(spec and column in spec.names and spec.column(column).numeric)


def _write_workbook(report, decisions: Decisions, out: Path) -> None:
    from openpyxl import load_workbook
    from openpyxl.utils import column_index_from_string, get_column_letter

    from ..forensics.precision import decimals_of_text
    from ..outputs import atomic_write

    base = Path(report.path)
    if base.suffix.lower() not in (".xlsx", ".xlsm"):
        raise InputError(f"{base}: reconcile edits .xlsx/.xlsm workbooks; save the base as .xlsx and compare again")
    if out.is_dir():
        raise InputError(f"{out}: is a folder; the base is a workbook, so give a file name such as CONSENSUS.xlsx")
    wb = load_workbook(base, keep_vba=base.suffix.lower() == ".xlsm")

    def put(ws, ref: str, table: str, column: str, value: str | None) -> None:
        cell = ws[ref]
        if value is None:
            cell.value = None
            return
        if _numeric(report, table, column) and value not in report.config.dictionary.missing_tokens:
            number = float(value.replace(",", "."))
            d = int(decimals_of_text([value])[0])
            cell.value = int(number) if number.is_integer() and d <= 0 else number
            cell.number_format = "0" if d <= 0 else "0." + "0" * d
        else:
            text_cell(ws, cell.row, cell.column, value)

    for table, td in report.dataset.tables.items():
        ws = wb[td.sheet]
        letters = dict(td.letters)
        next_col = max((column_index_from_string(x) for x in letters.values()), default=0) + 1

        def letter_of(column: str, _ws=ws, _letters=letters) -> str:
            nonlocal next_col
            if column not in _letters:  # a column A lacks: add it to the header
                _letters[column] = get_column_letter(next_col)
                text_cell(_ws, 1, next_col, column)
                next_col += 1
            return _letters[column]

        for (row, column), value in decisions.cells.get(table, {}).items():
            put(ws, f"{letter_of(column)}{row}", table, column, value)
        row = int(td.rows.max()) + 1 if len(td.rows) else 2
        for rec in decisions.add.get(table, []):
            for column, value in rec.items():
                if value != "":
                    put(ws, f"{letter_of(column)}{row}", table, column, value)
            row += 1
        for r in sorted(decisions.drop.get(table, ()), reverse=True):
            ws.delete_rows(r)
    atomic_write(out, lambda tmp: wb.save(tmp))


def _write_folder(report, decisions: Decisions, out: Path) -> None:
    from openpyxl.utils import column_index_from_string

    from ..outputs import write_text
    from ..readers.csv import decode, sniff_separator

    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: is a file; the base is a CSV folder, so give a folder for --out")
    if not out.exists():
        if not out.parent.exists():
            raise InputError(f"{out}: the folder {out.parent} does not exist; create it or choose another --out")
        out.mkdir()
    for table, td in report.dataset.tables.items():
        source = Path(td.source_path or td.file)
        text, _ = decode(source.read_bytes(), source)
        first = next((ln for ln in text.split("\n") if ln.strip()), "")
        sep = sniff_separator(first.rstrip("\r"))
        records = [r for r in csv.reader(io.StringIO(text), delimiter=sep)]
        start = next(i for i, r in enumerate(records) if any(c.strip() for c in r))
        header = records[start]
        body = [r for r in records[start + 1:] if any(c.strip() for c in r)]
        if len(body) != len(td.raw):
            raise InputError(f"{source}: could not line up its records with what was read; reconcile a workbook copy instead")
        width = len(header)
        index = {c: column_index_from_string(x) - 1 for c, x in td.letters.items()}

        def col_of(column: str, index=index, header=header) -> int:
            if column not in index:
                index[column] = len(header)
                header.append(column)
            return index[column]

        pos_of_row = {int(r): i for i, r in enumerate(td.rows.tolist())}
        body = [list(r) + [""] * (width - len(r)) for r in body]
        for (row, column), value in decisions.cells.get(table, {}).items():
            j = col_of(column)
            rec = body[pos_of_row[row]]
            rec.extend([""] * (j + 1 - len(rec)))
            rec[j] = "" if value is None else value
        for new in decisions.add.get(table, []):
            rec = [""] * len(header)
            for column, value in new.items():
                if value != "":
                    j = col_of(column)
                    rec.extend([""] * (j + 1 - len(rec)))
                    rec[j] = value
            body.append(rec)
        drop = {pos_of_row[r] for r in decisions.drop.get(table, ())}
        body = [r for i, r in enumerate(body) if i not in drop]
        buf = io.StringIO()
        writer = csv.writer(buf, delimiter=sep, lineterminator="\n")
        writer.writerow(header)
        for r in body:
            writer.writerow(r + [""] * (len(header) - len(r)))
        write_text(out / source.name, buf.getvalue())
