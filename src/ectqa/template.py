"""`ectqa template`: an extraction workbook (or CSV pair) generated from the data dictionary.

Everything here comes from `schemas/` through `dictionary.load()`: the headers and their order,
the header comments, the drop-down lists, the number ranges, the codebook. Nothing is written by
hand, so the template cannot drift from what `ectqa check` accepts.

The workbook stops errors where they are typed: every vocabulary column has a drop-down (the terms
live on a hidden `lists` sheet, so long lists escape Excel's 255-character limit on inline lists),
numbers have whole-number or decimal ranges, each cell shows what belongs in it, and a typing
error is refused with the rule `ectqa check` would report. Conditional formatting marks required
cells left empty and a unit that does not suit the row's outcome.

Only click and the standard library are imported at module level; openpyxl is loaded when the
command runs.
"""

from __future__ import annotations

import csv
import datetime as _dt
import hashlib
import io
import os
import re
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from .dictionary import Column, Dictionary

MAX_ROW = 5000  # data validation and formatting cover rows 2 to MAX_ROW
LISTS_SHEET = "lists"
EXTRA_SHEETS = ("readme", "codebook", LISTS_SHEET)
FIXED_TIME = _dt.datetime(2000, 1, 1)  # workbook created/modified, unless SOURCE_DATE_EPOCH is set
# a vocabulary whose terms users may extend in config: warn, do not refuse
OPEN_VOCABULARIES = frozenset({"outcome"})
TYPE_WORDS = {
    "text": "text",
    "integer": "whole number",
    "number": "number",
    "term": "one term of a list",
    "list": "terms separated by ';'",
}
HEADER_FILL = {"required": "F4B183", "conditional": "FBE5D6", "optional": "D9D9D9"}
EMPTY_REQUIRED_FILL = "FFC7CE"
EXAMPLE_NOTE = "INVENTED EXAMPLE: delete these rows before extracting"


# --------------------------------------------------------------------------- the command


@click.command("template")
@click.argument("out", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--example", is_flag=True, help="Fill a few rows of an invented study to show a good record.")
@click.option("--csv", "csv_folder", type=click.Path(file_okay=False, path_type=Path),
              help="Also (or only) write studies.csv and measurements.csv with the headers into FOLDER.")
@click.option("--force", is_flag=True, help="Replace files that already exist.")
def command(out: Path | None, example: bool, csv_folder: Path | None, force: bool) -> None:
    """Write an extraction template generated from the data dictionary.

    OUT is a workbook (.xlsx) with the studies and measurements sheets, drop-down lists and
    ranges that refuse invalid values, a codebook and a readme. --csv FOLDER writes the two CSV
    files a git-curated dataset keeps. Existing files are kept unless --force is given.
    """
    if out is None and csv_folder is None:
        raise click.UsageError("give OUT.xlsx, --csv FOLDER, or both")
    if out is not None:
        write_workbook(out, example=example, force=force)
        click.echo(f"template: {out}" + (" (with an invented example study)" if example else ""))
    if csv_folder is not None:
        paths = write_csv(csv_folder, example=example, force=force)
        click.echo("template: " + ", ".join(str(p) for p in paths))
    click.echo("fill it in, then run: ectqa check " + str(out if out is not None else csv_folder))


# --------------------------------------------------------------------------- describing columns


def required_text(col: Column) -> str:
    """'yes', 'no', or 'when timepoint is acute or during_course'."""
    if col.required:
        return "yes"
    if col.required_when:
        (cond, values), = col.required_when.items()
        return f"when {cond} is {' or '.join(values)}"
    return "no"


def range_text(col: Column) -> str | None:
    text = col.range_text()
    if col.max_when:
        cond = {k: v for k, v in col.max_when.items() if k != "max"}
        (cond_col, value), = cond.items()
        extra = f"at most {_num(col.max_when['max'])} when {cond_col} is {value}"
        text = f"{text}; {extra}" if text else extra
    return text


def _num(x: Any) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def terms_of(d: Dictionary, col: Column) -> tuple[str, ...]:
    return d.vocabularies[col.vocabulary].terms if col.vocabulary else ()


def allowed_text(d: Dictionary, col: Column, limit: int | None = None) -> str:
    """What a cell may hold, in words."""
    if col.vocabulary:
        terms = terms_of(d, col)
        joined = ", ".join(terms)
        if limit is not None and len(joined) > limit:
            return f"one of {len(terms)} terms (drop-down; all in the codebook)"
        if col.type == "list":
            return f"any of {joined}, separated by ';' (e.g. {'; '.join(terms[:2])})"
        return joined
    if col.pattern:
        return f"text of the form {col.pattern}" + (f" (e.g. {col.example})" if col.example else "")
    if col.references:
        return f"a value of {col.references}"
    rng = range_text(col)
    if col.numeric:
        kind = "a whole number" if col.type == "integer" else "a number"
        return f"{kind} {rng}" if rng else kind
    return "free text"


def header_comment(d: Dictionary, col: Column) -> str:
    lines = [col.description or col.name]
    lines.append(f"Type: {TYPE_WORDS.get(col.type, col.type)}")
    if col.unit:
        lines.append(f"Unit: {col.unit}")
    lines.append(f"Required: {required_text(col)}")
    rng = range_text(col)
    if rng:
        lines.append(f"Range: {rng}")
    if col.vocabulary:
        lines.append(f"Allowed: {allowed_text(d, col, limit=160)}")
    if col.name == "unit":
        lines.append("Must suit the outcome's class (codebook, 'Outcome classes').")
    if col.pattern:
        lines.append(f"Form: {col.pattern}" + (f", e.g. {col.example}" if col.example else ""))
    if col.references:
        lines.append(f"Must exist in {col.references}")
    return "\n".join(lines)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --------------------------------------------------------------------------- the workbook


def build_workbook(example: bool = False):
    """The template as an openpyxl Workbook (not saved)."""
    from openpyxl import Workbook

    from . import __version__
    from .dictionary import TABLES, load

    d = load()
    wb = Workbook()
    readme = wb.active
    readme.title = "readme"
    sheets = {t: wb.create_sheet(t) for t in TABLES}
    codebook = wb.create_sheet("codebook")
    lists = wb.create_sheet(LISTS_SHEET)
    names = _write_lists(wb, lists, d)
    lists.sheet_state = "hidden"

    for table, ws in sheets.items():
        _write_table_sheet(ws, d, table, names)
    if example:
        for table, rows in example_rows().items():
            _fill_rows(sheets[table], d.tables[table].names, rows)
    _write_codebook(codebook, d)
    _write_readme(readme, d, __version__, example)

    _page_setup(readme, fit_width=True)
    _page_setup(codebook, fit_width=True)
    for ws in sheets.values():
        _page_setup(ws, fit_width=False)
        ws.print_title_rows = "1:1"

    stamp = fixed_time()
    wb.properties.creator = f"ectqa {__version__}"
    wb.properties.title = "ectqa extraction template"
    wb.properties.created = stamp
    wb.properties.modified = stamp
    wb.active = wb.sheetnames.index("studies")
    for ws in wb.worksheets:
        ws.sheet_view.tabSelected = ws.title == "studies"
    return wb


def _page_setup(ws, fit_width: bool) -> None:
    """Landscape A4; readme and codebook one page wide."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    if fit_width:
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0


def fixed_time() -> _dt.datetime:
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if epoch.isdigit():
        return _dt.datetime.fromtimestamp(int(epoch), _dt.UTC).replace(tzinfo=None)
    return FIXED_TIME


def list_name(vocabulary: str) -> str:
    """The defined name of a vocabulary's range on the lists sheet."""
    return f"list_{vocabulary}"


def _set_text(cell, value: str) -> None:
    """A text cell, even when it starts with '=' (openpyxl would take it for a formula)."""
    cell.value = value
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"


def _write_lists(wb, ws, d: Dictionary) -> dict[str, str]:
    """One column per vocabulary used by a column, plus outcome|unit pairs; returns defined names."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.workbook.defined_name import DefinedName

    used: list[str] = []
    for table in d.tables.values():
        for col in table.columns:
            if col.vocabulary and col.vocabulary not in used:
                used.append(col.vocabulary)
    columns: list[tuple[str, tuple[str, ...]]] = [(v, d.vocabularies[v].terms) for v in used]
    pairs = tuple(f"{o}|{u}" for o in d.vocabularies["outcome"].terms for u in d.units_for(o))
    columns.append(("outcome_unit", pairs))

    names: dict[str, str] = {}
    for i, (name, terms) in enumerate(columns, start=1):
        letter = get_column_letter(i)
        head = ws.cell(row=1, column=i, value=name)
        head.font = Font(bold=True)
        for r, term in enumerate(terms, start=2):
            _set_text(ws.cell(row=r, column=i), term)
        ref = f"{LISTS_SHEET}!${letter}$2:${letter}${len(terms) + 1}"
        defined = list_name(name)
        wb.defined_names.add(DefinedName(defined, attr_text=ref))
        names[name] = defined
        ws.column_dimensions[letter].width = max(12, min(30, max(len(t) for t in (name, *terms)) + 2))
    ws.freeze_panes = "A2"
    return names


def _write_table_sheet(ws, d: Dictionary, table: str, names: dict[str, str]) -> None:
    from openpyxl.comments import Comment
    from openpyxl.formatting.rule import FormulaRule
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    cols = d.tables[table].columns
    letters = {c.name: get_column_letter(i) for i, c in enumerate(cols, start=1)}
    last = letters[cols[-1].name]
    bottom = Border(bottom=Side(style="thin", color="808080"))
    for i, col in enumerate(cols, start=1):
        cell = ws.cell(row=1, column=i, value=col.name)
        req = required_text(col)
        kind = "required" if req == "yes" else "conditional" if req != "no" else "optional"
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor=HEADER_FILL[kind])
        cell.border = bottom
        cell.alignment = Alignment(vertical="center")
        text = header_comment(d, col)
        comment = Comment(text, f"ectqa {d.version}")
        comment.width = 320
        comment.height = 40 + 17 * (text.count("\n") + 1 + len(text) // 55)
        cell.comment = comment
        ws.column_dimensions[letters[col.name]].width = _width(d, col)
    ws.freeze_panes = "A2"
    ws.row_dimensions[1].height = 20

    for col in cols:
        for dv in validations(d, col, letters, names):
            ws.add_data_validation(dv)

    # marks, not refusals: a required cell left empty in a started row, a unit unfit for the outcome
    fill = PatternFill("solid", fgColor=EMPTY_REQUIRED_FILL, bgColor=EMPTY_REQUIRED_FILL)
    started = f"COUNTA($A2:${last}2)>0"
    for col in cols:
        letter = letters[col.name]
        area = f"{letter}2:{letter}{MAX_ROW}"
        if col.required:
            formula = f"AND({started},LEN({letter}2)=0)"
        elif col.required_when:
            (cond, values), = col.required_when.items()
            c = letters[cond]
            when = ",".join(f'${c}2="{v}"' for v in values)
            formula = f"AND(OR({when}),LEN({letter}2)=0)"
        else:
            continue
        ws.conditional_formatting.add(area, FormulaRule(formula=[formula], fill=fill, stopIfTrue=False))
    if table == "measurements" and "outcome" in letters and "unit" in letters:
        o, u = letters["outcome"], letters["unit"]
        formula = (
            f'AND(LEN(${o}2)>0,LEN(${u}2)>0,COUNTIF({names["outcome"]},${o}2)>0,'
            f'COUNTIF({names["outcome_unit"]},${o}2&"|"&${u}2)=0)'
        )
        ws.conditional_formatting.add(f"{u}2:{u}{MAX_ROW}", FormulaRule(formula=[formula], fill=fill, stopIfTrue=False))


def _width(d: Dictionary, col: Column) -> float:
    longest = len(col.name)
    if col.vocabulary:
        longest = max(longest, *(len(t) for t in terms_of(d, col)))
    if col.type == "text" and not col.pattern and col.name not in ("study_id", "extracted_by", "checked_by"):
        longest = max(longest, 24)
    if col.numeric:
        longest = max(longest, 8)
    if col.name == "study_id" or col.example:
        longest = max(longest, 14, len(col.example or ""))
    return float(min(max(longest + 3, 10), 40))


def validations(d: Dictionary, col: Column, letters: dict[str, str], names: dict[str, str]) -> list:
    """The data validation of one column, rows 2 to MAX_ROW. Every column gets one, if only for
    its input message; those with a rule also get an error alert citing it."""
    from openpyxl.worksheet.datavalidation import DataValidation

    letter = letters[col.name]
    area = f"{letter}2:{letter}{MAX_ROW}"
    title = _cut(col.name, 32)
    prompt_parts = [col.description or col.name]
    req = required_text(col)
    if req != "no":
        prompt_parts.append("Required." if req == "yes" else f"Required {req}.")
    if col.unit:
        prompt_parts.append(f"Unit: {col.unit}.")
    kw: dict[str, Any] = {}
    error = None
    rule = None
    style = "stop"

    if col.type == "term":
        vocab = d.vocabularies[col.vocabulary]
        kw = {"type": "list", "formula1": names[col.vocabulary], "showDropDown": False}
        rule = "schema/vocabulary"
        joined = ", ".join(vocab.terms)
        shown = joined if len(joined) <= 120 else f"one of the {len(vocab.terms)} terms in the drop-down"
        prompt_parts.append(f"Choose from the list: {shown}." if len(joined) <= 120 else "Choose from the drop-down.")
        error = f"{col.name} must be {shown}"
        if col.name == "unit":
            prompt_parts.append("The unit must suit the outcome's class (codebook).")
        if col.vocabulary in OPEN_VOCABULARIES:
            style = "warning"
            error += "; an outcome the dictionary lacks must be added in ectqa.toml [outcomes]"
        if vocab.has_not_reported:
            prompt_parts.append("Use not_reported when the paper does not say.")
    elif col.references:
        ref_table, ref_col = col.references.split(".")
        from openpyxl.utils import get_column_letter

        ref_letter = get_column_letter(d.tables[ref_table].column(ref_col).position + 1)
        kw = {"type": "list", "formula1": f"{ref_table}!${ref_letter}$2:${ref_letter}${MAX_ROW}"}
        rule = "schema/reference"
        style = "warning"
        prompt_parts.append(f"Choose a {ref_col} entered on the {ref_table} sheet.")
        error = f"{col.name} must be a {ref_col} of the {ref_table} sheet"
    elif col.numeric:
        kind = "whole" if col.type == "integer" else "decimal"
        lo, hi, ex = col.min, col.max, col.exclusive_min
        if ex is not None and hi is None:
            kw = {"type": kind, "operator": "greaterThan", "formula1": _num(ex)}
        elif lo is not None and hi is not None:
            kw = {"type": kind, "operator": "between", "formula1": _num(lo), "formula2": _num(hi)}
        elif lo is not None:
            kw = {"type": kind, "operator": "greaterThanOrEqual", "formula1": _num(lo)}
        elif hi is not None:
            kw = {"type": kind, "operator": "lessThanOrEqual", "formula1": _num(hi)}
        else:  # any number: still refuses text in a number column
            kw = {"type": kind, "operator": "between", "formula1": "-1E+300", "formula2": "1E+300"}
        rng = range_text(col)
        word = "a whole number" if kind == "whole" else "a number"
        rule = "schema/range" if rng else "schema/type"
        error = f"{col.name} must be {word}" + (f" {rng}" if rng else "")
        prompt_parts.append(f"{word[0].upper()}{word[1:]}" + (f", {rng}." if rng else ".") + " Leave empty when not reported.")
    elif col.type == "list":
        terms = terms_of(d, col)
        prompt_parts.append(f"Any of {', '.join(terms)}, separated by ';' (e.g. {'; '.join(terms[:2])}).")
    elif col.pattern:
        rule = "schema/pattern"
        if col.name == "doi":
            kw = {"type": "custom", "formula1": f'LEFT({letter}2,3)="10."'}
            error = "doi must look like 10.1097/YCT.0000000000000123 (no https://doi.org/ prefix)"
            prompt_parts.append("Without the https://doi.org/ prefix.")
        else:
            kw = {"type": "custom", "formula1": f'AND(LEN({letter}2)<=64,ISERROR(SEARCH(" ",{letter}2)))'}
            error = f"{col.name} must be a letter then letters, digits, _ . - (no spaces, at most 64)"
            if col.example:
                error += f", e.g. {col.example}"
        if col.unique:
            prompt_parts.append("Unique: one row per value.")

    dv = DataValidation(allow_blank=True, showInputMessage=True, promptTitle=title,
                        prompt=_cut(" ".join(prompt_parts), 255), **kw)
    if error is not None:
        dv.showErrorMessage = True
        dv.errorStyle = style
        dv.errorTitle = _cut(f"ectqa: {rule}", 32)
        dv.error = _cut(f"{error}. (ectqa check: {rule}; see the codebook sheet)", 225)
    dv.add(area)
    return [dv]


def _fill_rows(ws, columns: tuple[str, ...], rows: list[dict[str, Any]]) -> None:
    index = {name: i for i, name in enumerate(columns, start=1)}
    for r, row in enumerate(rows, start=2):
        for name, value in row.items():
            cell = ws.cell(row=r, column=index[name])
            if isinstance(value, str):
                _set_text(cell, value)
            else:
                cell.value = value


def _write_codebook(ws, d: Dictionary) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    bold = Font(bold=True)
    head_fill = PatternFill("solid", fgColor=HEADER_FILL["optional"])
    wrap = Alignment(wrap_text=True, vertical="top")
    widths = (30, 14, 20, 30, 9, 26, 50, 60)
    for letter, width in zip("ABCDEFGH", widths):
        ws.column_dimensions[letter].width = width
    row = 1

    def heading(text: str) -> None:
        nonlocal row
        ws.cell(row=row, column=1, value=text).font = Font(bold=True, size=13)
        row += 1

    def table(header: list[str], body: list[list[Any]], at: tuple[int, ...] | None = None) -> None:
        """Rows of `body` under `header`, in the columns `at` (1-based; default A, B, C, ...)."""
        nonlocal row
        at = at or tuple(range(1, len(header) + 1))
        for i, h in zip(at, header):
            c = ws.cell(row=row, column=i, value=h)
            c.font = bold
            c.fill = head_fill
        row += 1
        for values in body:
            for i, v in zip(at, values):
                c = ws.cell(row=row, column=i)
                if isinstance(v, str):
                    _set_text(c, v)
                else:
                    c.value = v
                c.alignment = wrap
            # explicit heights: not every spreadsheet sizes wrapped rows on opening
            lines = max(-(-len(str(v)) // max(int(w * 1.1) - 2, 1)) for v, w in zip(values, (widths[i - 1] for i in at)) if v not in (None, ""))
            if lines > 1:
                ws.row_dimensions[row].height = 15 * lines
            row += 1
        row += 1

    heading(f"Data dictionary (ectqa {d.version}): one row per column, in the order of the sheets")
    body = []
    for t in d.tables.values():
        for col in t.columns:
            allowed = "; ".join(terms_of(d, col)) if col.vocabulary else allowed_text(d, col)
            body.append([col.name, t.name, TYPE_WORDS.get(col.type, col.type), required_text(col),
                         col.unit or "", range_text(col) or "", allowed, col.description])
    table(["column", "table", "type", "required", "unit", "range", "allowed values", "definition"], body)

    heading("Outcome classes and the units each accepts")
    classes: dict[str, list[str]] = {}
    for outcome, cls in d.outcome_class.items():
        classes.setdefault(cls, []).append(outcome)
    wide = (1, 4, 7)  # the codebook's wide columns A, D, G
    table(["class", "accepted units", "outcomes"],
          [[cls, "; ".join(d.class_units.get(cls, ())), "; ".join(outs)] for cls, outs in classes.items()], wide)

    heading("Accepted synonyms: these spellings are read as the canonical term (reported as schema/normalised)")
    body = []
    for name, vocab in d.vocabularies.items():
        by_term: dict[str, list[str]] = {}
        for spelling, canonical in vocab.synonyms.items():
            by_term.setdefault(canonical, []).append(spelling)
        for canonical, spellings in by_term.items():
            body.append([name, canonical, "; ".join(spellings)])
    table(["vocabulary", "canonical term", "accepted spellings"], body, wide)

    heading("Missing values")
    table(["meaning", "where", "written as"], [
        ["missing", "any column", "an empty cell, or " + ", ".join(sorted(t for t in d.missing_tokens if t))],
        ["not_reported", "a column whose list has not_reported", ", ".join(sorted(d.not_reported_tokens))],
    ], wide)

    ws.freeze_panes = "A3"


def dictionary_fingerprint() -> str:
    """A short hash of the schemas/*.toml files that made the template."""
    from .resources import data_dir

    h = hashlib.sha256()
    for p in sorted(data_dir("schemas").glob("*.toml")):
        h.update(p.name.encode())
        h.update(p.read_bytes().replace(b"\r\n", b"\n"))
    return h.hexdigest()[:12]


def _write_readme(ws, d: Dictionary, version: str, example: bool) -> None:
    from openpyxl.styles import Alignment, Font

    lines: list[tuple[str, str]] = [
        ("title", "ectqa extraction template"),
        ("", f"Made by ectqa {version} from data dictionary {d.version} (schemas fingerprint {dictionary_fingerprint()})."),
        ("", "Studies on electroconvulsive therapy (ECT) and the immune system: one workbook per review."),
        ("", ""),
        ("head", "How to fill it in"),
        ("", "1. studies: one row per included study (one report). study_id is first author + year, e.g. Hestad2003."),
        ("", "2. measurements: one row per study x group x outcome x timepoint summary statistic; study_id must exist in studies."),
        ("", "3. Keep the header row as it is (row 1). Click a header to read its definition, type, unit and whether it is required."),
        ("", "4. Columns with a list: choose from the drop-down. Numbers: type the number only, without its unit (the unit has its own column)."),
        ("", "5. Orange headers are required; light orange ones are required in some rows (e.g. session for acute samples)."),
        ("", "6. A red cell is required and still empty, or (unit) does not suit the outcome."),
        ("", "7. Leave a cell empty when the paper does not report it; in a list that has not_reported, choose not_reported."),
        ("", "8. Each row needs a centre (mean or median) and n; give sd, se, quartiles or a CI when reported."),
        ("", "9. The codebook sheet lists every column, its allowed values, and the spellings accepted as synonyms."),
        ("", ""),
        ("head", "How to check it"),
        ("", "Run:  ectqa check extraction.xlsx"),
        ("", "Each finding names its cell (e.g. measurements!J7) and rule; `ectqa explain RULE` says why the rule exists."),
        ("", "Exit 0: nothing at or above --fail-on (errors by default); 1: findings; 2: the file could not be checked."),
        ("", "Only the studies and measurements sheets are read; readme, codebook and the hidden lists sheet are ignored."),
        ("", "For a git-curated dataset: ectqa template --csv FOLDER writes studies.csv and measurements.csv instead."),
    ]
    if example:
        lines += [("", ""), ("head", "The example"),
                  ("", f"The rows of study {EXAMPLE_STUDY_ID} are invented to show the shape of a good record. Delete them before extracting.")]
    lines += [("", ""), ("head", "Versions"),
              ("", f"ectqa: {version}"),
              ("", f"data dictionary: {d.version} (fingerprint {dictionary_fingerprint()})"),
              ("", f"data validation covers rows 2 to {MAX_ROW}")]
    for r, (kind, text) in enumerate(lines, start=1):
        cell = ws.cell(row=r, column=1, value=text or None)
        if kind == "title":
            cell.font = Font(bold=True, size=15)
        elif kind == "head":
            cell.font = Font(bold=True, size=12)
        cell.alignment = Alignment(vertical="top")
    ws.column_dimensions["A"].width = 115


# --------------------------------------------------------------------------- the example study

EXAMPLE_STUDY_ID = "Example2020"


def example_rows() -> dict[str, list[dict[str, Any]]]:
    """An invented study: ECT patients and matched healthy controls, IL-6 and CRP before and after
    the course, IL-6 around the first session, and HAMD17. Valid against the dictionary."""
    study = {
        "study_id": EXAMPLE_STUDY_ID, "first_author": "Example", "year": 2020,
        "design": "controlled_pre_post", "diagnosis": "mdd", "diagnostic_criteria": "dsm_5",
        "treatment_resistant": "yes", "n_ect": 40, "n_control": 40, "control_type": "healthy",
        "controls_matched_on": "age; sex; bmi", "age_mean": 52.4, "age_sd": 13.1, "female_pct": 60.0,
        "bmi_mean": 26.2, "electrode_placement": "right_unilateral", "pulse_width": "ultrabrief",
        "sessions_mean": 10.5, "sessions_per_week": 3, "anesthetic": "propofol", "sample_type": "serum",
        "assay": "hs_elisa", "same_batch": "yes", "sampling_time_standardized": "yes", "fasting": "yes",
        "bmi_handling": "matched", "smoking_handling": "adjusted", "medication_handling": "adjusted",
        "age_sex_handling": "matched", "inflammatory_disease_handling": "excluded",
        "medication_status": "stable_regimen", "medication_changed_during_course": "no",
        "clinical_response_linked": "yes", "multiplicity_corrected": "yes",
        "extracted_by": "AB", "checked_by": "CD", "notes": EXAMPLE_NOTE,
    }
    s = EXAMPLE_STUDY_ID
    il6 = {"outcome": "IL-6", "unit": "pg/mL", "source": "table", "source_detail": "Table 2"}
    measurements = [
        {"study_id": s, "group": "ect", "timepoint": "baseline", "n": 40, "mean": 3.42, "sd": 1.86, **il6},
        {"study_id": s, "group": "control", "timepoint": "baseline", "n": 40, "mean": 2.11, "sd": 1.02, **il6},
        {"study_id": s, "group": "ect", "timepoint": "acute", "session": 1, "hours_after_session": -0.5, "n": 38,
         "mean": 3.38, "sd": 1.80, **il6, "source_detail": "Table 3"},
        {"study_id": s, "group": "ect", "timepoint": "acute", "session": 1, "hours_after_session": 3, "n": 38,
         "mean": 5.87, "sd": 2.64, **il6, "source_detail": "Table 3"},
        {"study_id": s, "group": "ect", "timepoint": "acute", "session": 1, "hours_after_session": 24, "n": 37,
         "mean": 4.10, "sd": 2.05, **il6, "source_detail": "Table 3"},
        {"study_id": s, "group": "ect", "timepoint": "end_of_course", "hours_after_last_session": 72, "n": 36,
         "mean": 2.95, "sd": 1.71, "p_value": 0.21, "p_relation": "=", "test": "paired_t", **il6},
        {"study_id": s, "group": "ect", "timepoint": "baseline", "n": 40, "median": 2.4, "q1": 1.1, "q3": 4.9,
         "outcome": "CRP", "unit": "mg/L", "source": "table", "source_detail": "Table 2"},
        {"study_id": s, "group": "ect", "timepoint": "end_of_course", "hours_after_last_session": 72, "n": 36,
         "median": 2.1, "q1": 1.0, "q3": 4.2, "outcome": "CRP", "unit": "mg/L", "source": "table",
         "source_detail": "Table 2"},
        {"study_id": s, "group": "ect", "timepoint": "follow_up", "weeks_after_course": 4, "n": 33, "mean": 3.05,
         "sd": 1.9, **il6, "source": "text", "source_detail": "Results, p. 5"},
    ]
    for row in measurements:
        row["notes"] = EXAMPLE_NOTE
    return {"studies": [study], "measurements": measurements}


# --------------------------------------------------------------------------- writing


def _refuse_existing(path: Path, force: bool) -> None:
    from .errors import InputError

    if path.exists() and not force:
        raise InputError(f"{path}: already exists; choose another path, or pass --force to replace it")


def workbook_bytes(example: bool = False) -> bytes:
    """The template as .xlsx bytes, identical from run to run (fixed times in the properties
    and in the zip entries)."""
    buf = io.BytesIO()
    build_workbook(example=example).save(buf)
    return _deterministic_zip(buf.getvalue())


_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def _deterministic_zip(data: bytes) -> bytes:
    stamp = fixed_time()
    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    when = (max(stamp.year, 1980), stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = _MODIFIED.sub(rb"\g<1>" + iso + rb"\g<2>", content)
            zi = zipfile.ZipInfo(info.filename, date_time=when)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            dst.writestr(zi, content)
    return out.getvalue()


def write_workbook(path: Path, example: bool = False, force: bool = False) -> None:
    from .outputs import write_bytes

    path = Path(path)
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        from .errors import InputError

        raise InputError(f"{path}: the template is an .xlsx workbook; give a name ending in .xlsx (or use --csv FOLDER)")
    _refuse_existing(path, force)
    write_bytes(path, workbook_bytes(example=example))


def csv_text(table: str, example: bool = False) -> str:
    from .dictionary import load

    columns = load().tables[table].names
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    if example:
        for row in example_rows()[table]:
            writer.writerow(["" if row.get(c) is None else row[c] for c in columns])
    return buf.getvalue()


def write_csv(folder: Path, example: bool = False, force: bool = False) -> list[Path]:
    """studies.csv and measurements.csv (UTF-8, no BOM, LF line ends) in FOLDER, created if needed."""
    from .dictionary import TABLES
    from .outputs import write_bytes

    folder = Path(folder)
    paths = [folder / f"{t}.csv" for t in TABLES]
    for p in paths:
        _refuse_existing(p, force)
    folder.mkdir(parents=True, exist_ok=True)
    for t, p in zip(TABLES, paths):
        write_bytes(p, csv_text(t, example).encode("utf-8"))
    return paths
