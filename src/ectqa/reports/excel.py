"""`--excel REPORT.xlsx`: the quality report as a workbook a reviewer can hand to co-authors.

Sheets:

- **Summary**: the inputs (name, size, SHA-256, sheets, rows per table), the ectqa version and
  the config used, findings by severity, the verdict, and the judgements per domain with the
  studies at high risk.
- **Findings**: one row per finding in the order of every other report, as an Excel table
  (filters, frozen header); severity shown by word and fill, impact in robvis colours.
- **Quality**: the robvis-style matrix, studies x domains plus overall, symbols `+ - x ?` on the
  robvis colours (or robvis's colour-blind palette with `colour_blind=True`), a legend, and on
  every cell a comment listing the flags behind the judgement.
- **Rules**: every rule applied, with severity, impact, parameters in force and source.
- **Synthesis** (only when `synthesis` is given): one row per pooled estimate.

Every value from the data goes into a cell through `excel_safe.put` (never a formula). The file is
written atomically: an existing report is replaced only when the new one is complete. The report
renders the `Report`; it decides nothing.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from .. import __version__
from ..findings import DOMAINS, JUDGEMENT_RANK, SEVERITIES, json_value
from .excel_safe import clean_text, put, refuse_input_as_output, write_row
from .terminal import LABEL, STYLE, SYMBOL

JUDGEMENT_ORDER = ("low", "some_concerns", "high", "no_information")
DOMAIN_LABEL = {
    "sample_size": "Sample size",
    "confounding": "Confounding",
    "comparison": "Comparison",
    "timing": "Timing",
    "measurement": "Measurement",
    "reporting": "Reporting",
}


def _palette_from_terminal() -> dict[str, tuple[str, str]]:
    """judgement -> (fill RGB, font RGB), from the terminal reporter's robvis styles."""
    out = {}
    for j, style in STYLE.items():
        fill = re.search(r"on #([0-9A-Fa-f]{6})", style).group(1).upper()
        font = "FFFFFF" if re.search(r"\bwhite on\b", style) else "000000"
        out[j] = (fill, font)
    return out


ROBVIS = _palette_from_terminal()
# robvis's own colour-blind palette (colour = "colourblind"); the symbols carry the meaning too
ROBVIS_COLOUR_BLIND = {
    "low": ("FED98E", "000000"),
    "some_concerns": ("FE9929", "000000"),
    "high": ("D95F0E", "FFFFFF"),
    "no_information": ("FFFFFF", "000000"),
}
# severity: (fill, font), Excel's own "bad / neutral / note" cell styles
SEVERITY_COLOURS = {
    "error": ("FFC7CE", "9C0006"),
    "warning": ("FFEB9C", "9C5700"),
    "info": ("DDEBF7", "1F4E79"),
}
HEADER_COLOURS = ("1F3864", "FFFFFF")
FINDING_COLUMNS = (
    "Severity", "Rule", "Domain", "Impact", "Table", "Row", "Cell", "Column", "Study", "Outcome",
    "Value", "Message", "Waived", "Waiver reason", "Kind", "Level", "File",
)
RULE_COLUMNS = (
    "Kind", "Rule", "Domain", "Level", "Severity", "Impact", "Graded", "Parameters", "Summary",
    "Source", "Findings",
)
SYNTHESIS_COLUMNS = (
    "outcome", "contrast", "measure", "method", "r", "k", "n", "estimate", "ci_lower", "ci_upper",
    "pi_lower", "pi_upper", "tau2", "i2", "verdict",
)
MAX_COMMENT_FLAGS = 12
WIDTH_CAP = {"Message": 70, "Waiver reason": 40, "Summary": 50, "Source": 50, "Parameters": 40, "Value": 24, "File": 36}


def write_report(report, path: Path, colour_blind: bool = False, synthesis: list[dict[str, Any]] | None = None) -> None:
    """Write the Excel report of `report` to `path` (atomically)."""
    from ..outputs import atomic_write

    refuse_input_as_output(report, path, "Excel report")
    wb = build_workbook(report, colour_blind=colour_blind, synthesis=synthesis)
    atomic_write(Path(path), lambda tmp: wb.save(tmp))


def build_workbook(report, colour_blind: bool = False, synthesis: list[dict[str, Any]] | None = None):
    from openpyxl import Workbook

    wb = Workbook()
    styles = _Styles(colour_blind)
    _summary_sheet(wb.active, report, styles)
    _findings_sheet(wb.create_sheet("Findings"), report, styles)
    _quality_sheet(wb.create_sheet("Quality"), report, styles)
    _rules_sheet(wb.create_sheet("Rules"), report, styles)
    if synthesis is not None:
        _synthesis_sheet(wb.create_sheet("Synthesis"), synthesis, styles)
    wb.properties.creator = f"ectqa {__version__}"
    wb.properties.title = "ectqa quality report"
    return wb


class _Styles:
    def __init__(self, colour_blind: bool):
        from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

        self.Font, self.PatternFill, self.Alignment = Font, PatternFill, Alignment
        palette = ROBVIS_COLOUR_BLIND if colour_blind else ROBVIS
        self.palette = palette
        self.judgement_fill = {j: PatternFill("solid", start_color=c[0], end_color=c[0]) for j, c in palette.items()}
        self.judgement_font = {j: Font(bold=True, color=c[1]) for j, c in palette.items()}
        self.severity_fill = {s: PatternFill("solid", start_color=c[0], end_color=c[0]) for s, c in SEVERITY_COLOURS.items()}
        self.severity_font = {s: Font(bold=s == "error", color=c[1]) for s, c in SEVERITY_COLOURS.items()}
        self.header_fill = PatternFill("solid", start_color=HEADER_COLOURS[0], end_color=HEADER_COLOURS[0])
        self.header_font = Font(bold=True, color=HEADER_COLOURS[1])
        self.title_font = Font(bold=True, size=14)
        self.section_font = Font(bold=True, size=12, color=HEADER_COLOURS[0])
        self.bold = Font(bold=True)
        self.wrap = Alignment(wrap_text=True, vertical="top")
        self.top = Alignment(vertical="top")
        self.centre = Alignment(horizontal="center", vertical="center")
        thin = Side(style="thin", color="FFFFFF" if not colour_blind else "808080")
        self.matrix_border = Border(left=thin, right=thin, top=thin, bottom=thin)
        self.pass_fill = PatternFill("solid", start_color="C6EFCE", end_color="C6EFCE")
        self.pass_font = Font(bold=True, size=12, color="006100")
        self.fail_fill = self.severity_fill["error"]
        self.fail_font = Font(bold=True, size=12, color="9C0006")

    def header(self, cells) -> None:
        for c in cells:
            c.fill = self.header_fill
            c.font = self.header_font
            c.alignment = self.wrap


# --------------------------------------------------------------------------- Summary

def _datasets(report) -> list[Any]:
    return list(getattr(report, "datasets", None) or [report.dataset])


def _sha256(path: Path) -> tuple[int | None, str | None]:
    try:
        h = hashlib.sha256()
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        return path.stat().st_size, h.hexdigest()
    except OSError:
        return None, None


def input_files(report) -> list[dict[str, Any]]:
    """One entry per file read: name, size, SHA-256, sheets, rows per table."""
    out: list[dict[str, Any]] = []
    for ds in _datasets(report):
        by_file: dict[str, dict[str, Any]] = {}
        for name, t in ds.tables.items():
            entry = by_file.get(t.file)
            if entry is None:
                source = Path(t.source_path) if t.source_path is not None else Path(t.file)
                size, digest = _sha256(source)
                entry = by_file[t.file] = {
                    "file": t.file,
                    "size": size,
                    "sha256": digest,
                    "sheets": list(ds.sheets) if ds.kind == "workbook" else [],
                    "tables": [],
                }
            entry["tables"].append({"table": name, "sheet": t.sheet, "rows": len(t)})
        out.extend(by_file.values())
    return out


SUMMARY_WIDTHS = (34, 15, 15, 15, 15, 70)  # A label, B-E numbers, F lists; key-value rows use B:F


def _summary_sheet(ws, report, st: _Styles) -> None:
    ws.title = "Summary"
    summary = report.summary()
    row = 1
    ws.cell(row=row, column=1, value="ectqa quality report").font = st.title_font
    row += 1
    ok = report.exit_code == 0
    c = ws.cell(row=row, column=1, value=_verdict(report, summary))
    for col in range(1, 7):
        ws.cell(row=row, column=col).fill = st.pass_fill if ok else st.fail_fill
    c.font = st.pass_font if ok else st.fail_font
    row += 2

    row = _section(ws, row, "Inputs", st)
    for entry in input_files(report):
        pairs: list[tuple[str, Any]] = [
            ("File", entry["file"]),
            ("Size (bytes)", entry["size"]),
            ("SHA-256", entry["sha256"]),
        ]
        if entry["sheets"]:
            pairs.append(("Sheets in the workbook", ", ".join(entry["sheets"])))
        for t in entry["tables"]:
            where = f" (sheet '{t['sheet']}')" if t["sheet"] else ""
            pairs.append((f"Table {t['table']}", f"{t['rows']:,} rows{where}"))
        for label, value in pairs:
            row = _pair(ws, row, label, value, st)
            if label == "Size (bytes)":
                ws.cell(row=row - 1, column=2).number_format = "#,##0"
        row += 1

    row = _section(ws, row, "Run", st)
    config = report.config
    run_rows: list[tuple[str, Any]] = [
        ("ectqa version", __version__),
        ("Written (UTC)", _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M")),
        ("Config", config.source),
        ("Fail on", report.fail_on),
        ("Quality rules applied", len(report.rules_applied)),
    ]
    settings = config.as_dict()
    if not settings:
        run_rows.append(("Config settings", "none (defaults)"))
    for key, value in settings.items():
        run_rows.append((f"Config: {key}", json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)))
    for label, value in run_rows:
        row = _pair(ws, row, label, value, st)
    row += 1

    row = _section(ws, row, "Findings by severity", st)
    st.header(write_row(ws, row, ["Severity", "Counted", "Waived", "Total"]))
    row += 1
    counted = Counter(f.severity for f in report.findings if f.counts)
    waived = Counter(f.severity for f in report.findings if f.waived)
    for sev in SEVERITIES:
        cells = write_row(ws, row, [sev, counted[sev], waived[sev], counted[sev] + waived[sev]])
        cells[0].fill = st.severity_fill[sev]
        cells[0].font = st.severity_font[sev]
        for c in cells[1:]:
            c.alignment = st.centre
        row += 1
    cells = write_row(ws, row, ["total", sum(counted.values()), sum(waived.values()), len(report.findings)])
    for c in cells:
        c.font = st.bold
        c.alignment = st.centre if c is not cells[0] else st.top
    row += 2
    for label, key in (("Studies", "studies"), ("Measurement rows", "measurements"),
                       ("Rows left out of the quality rules", "rows_left_out")):
        row = _pair(ws, row, label, summary[key], st)
    row += 1

    row = _section(ws, row, "Risk of bias by domain (studies)", st)
    heads = ["Domain", *(LABEL[j] for j in JUDGEMENT_ORDER), "Studies at high risk"]
    st.header(write_row(ws, row, heads))
    for col, j in enumerate(JUDGEMENT_ORDER, start=2):
        c = ws.cell(row=row, column=col)
        c.fill = st.judgement_fill[j]
        c.font = st.judgement_font[j]
        c.alignment = st.centre
    row += 1
    for domain, counts, high in judgement_counts(report):
        text = ", ".join(high)
        cells = write_row(ws, row, [DOMAIN_LABEL.get(domain, "Overall"), *(counts[j] for j in JUDGEMENT_ORDER), text])
        cells[0].font = st.bold
        for c in cells[1:-1]:
            c.alignment = st.centre
        cells[-1].alignment = st.Alignment(wrap_text=True, vertical="top", indent=1)
        ws.row_dimensions[row].height = _height(text, SUMMARY_WIDTHS[5] - 2)
        row += 1
    ws.cell(row=row, column=1, value=f"{len(report.quality)} studies; a domain takes the worst impact of its flags; "
                                     "overall is the worst domain.")
    row += 2

    if report.notes:
        row = _section(ws, row, "Notes", st)
        for note in report.notes:
            c = put(ws.cell(row=row, column=1), note)
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=6)
            c.alignment = st.wrap
            ws.row_dimensions[row].height = _height(str(note), sum(SUMMARY_WIDTHS))
            row += 1

    for i, width in enumerate(SUMMARY_WIDTHS):
        ws.column_dimensions[_letter(i + 1)].width = width
    _print_setup(ws, landscape=False, title_rows=None, area=f"A1:F{row}", one_page=False)


def _pair(ws, row: int, label: str, value: Any, st: _Styles) -> int:
    """A label in A and its value across B:F; returns the next row."""
    ws.cell(row=row, column=1, value=label).font = st.bold
    c = put(ws.cell(row=row, column=2), value)
    c.alignment = st.Alignment(horizontal="left", vertical="top", wrap_text=True)
    if isinstance(c.value, str):
        ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=6)
        ws.row_dimensions[row].height = _height(c.value, sum(SUMMARY_WIDTHS[1:]))
    return row + 1


def _height(text: str, width: float) -> float:
    """Row height (points) for wrapped text in a column `width` characters wide: Excel and
    LibreOffice do not grow merged or pre-sized rows by themselves."""
    per_line = max(1.0, width * 1.15)
    lines = sum(max(1, -(-len(seg) // int(per_line))) for seg in str(text).split("\n")) if text else 1
    return max(15.0, 14.5 * lines + 1.5)


def _section(ws, row: int, title: str, st: _Styles) -> int:
    ws.cell(row=row, column=1, value=title).font = st.section_font
    return row + 1


def _verdict(report, summary: dict[str, Any]) -> str:
    waived = f", {summary['waived']} waived" if summary["waived"] else ""
    counts = f"{summary['errors']} errors, {summary['warnings']} warnings, {summary['infos']} infos{waived}"
    if report.exit_code == 0:
        return f"PASSED: {counts}; nothing at or above --fail-on {report.fail_on} (exit 0)"
    return f"FAILED: {counts}; findings at or above --fail-on {report.fail_on} (exit 1)"


def judgement_counts(report) -> list[tuple[str, Counter, list[str]]]:
    """Per domain (then overall): how many studies at each judgement, and the ids at high risk."""
    out = []
    for domain in (*DOMAINS, "overall"):
        counts: Counter = Counter()
        high = []
        for q in report.quality:
            j = q["overall"] if domain == "overall" else q["domains"][domain]
            counts[j] += 1
            if j == "high":
                high.append(q["study_id"])
        out.append((domain, counts, high))
    return out


# --------------------------------------------------------------------------- Findings

def finding_row(f) -> list[Any]:
    return [
        f.severity, f.rule, f.domain, LABEL.get(f.impact, f.impact) if f.impact else None, f.table, f.row, f.cell,
        f.column, f.study_id, f.outcome, json_value(f.value), f.message, "yes" if f.waived else "no",
        f.waiver_reason, f.kind, f.level, f.file,
    ]


def _findings_sheet(ws, report, st: _Styles) -> None:
    st.header(write_row(ws, 1, list(FINDING_COLUMNS)))
    col = {name: i for i, name in enumerate(FINDING_COLUMNS)}
    widths = [len(h) + 3 for h in FINDING_COLUMNS]
    rows = [finding_row(f) for f in report.findings]
    for values in rows:
        for i, v in enumerate(values):
            if v is not None:
                widths[i] = max(widths[i], len(str(v)) + 2)
    widths = [min(w, WIDTH_CAP.get(name, 30)) for w, name in zip(widths, FINDING_COLUMNS)]
    left = st.Alignment(horizontal="left", vertical="top")
    for r, (f, values) in enumerate(zip(report.findings, rows), start=2):
        cells = write_row(ws, r, values)
        for c in cells:
            c.alignment = left
        sev = cells[col["Severity"]]
        sev.fill = st.severity_fill.get(f.severity, st.severity_fill["info"])
        sev.font = st.severity_font.get(f.severity, st.severity_font["info"])
        if f.impact in st.judgement_fill:
            imp = cells[col["Impact"]]
            imp.fill = st.judgement_fill[f.impact]
            imp.font = st.judgement_font[f.impact]
        cells[col["Message"]].alignment = st.wrap
        cells[col["Waiver reason"]].alignment = st.wrap
        ws.row_dimensions[r].height = max(
            _height(values[col["Message"]] or "", widths[col["Message"]]),
            _height(values[col["Waiver reason"]] or "", widths[col["Waiver reason"]]),
        )
    last_row = max(1 + len(report.findings), 1)
    last_col = _letter(len(FINDING_COLUMNS))
    for i in range(len(FINDING_COLUMNS)):
        ws.column_dimensions[_letter(i + 1)].width = widths[i]
    ws.freeze_panes = "A2"
    if report.findings:
        _add_table(ws, "FindingsTable", f"A1:{last_col}{last_row}")
    else:
        ws.auto_filter.ref = f"A1:{last_col}1"
        ws.cell(row=2, column=1, value="No findings.")
    # on paper: up to the waiver reason (kind, level and file are for filtering)
    printed = _letter(col["Waiver reason"] + 1)
    _print_setup(ws, landscape=True, title_rows="1:1", area=f"A1:{printed}{max(last_row, 2)}")


def _add_table(ws, name: str, ref: str) -> None:
    from openpyxl.worksheet.table import Table, TableStyleInfo

    table = Table(displayName=name, ref=ref)
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight1", showRowStripes=True, showColumnStripes=False)
    ws.add_table(table)


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


# --------------------------------------------------------------------------- Quality

def flags_behind(report) -> dict[tuple[str, str], list[Any]]:
    """(study, domain) -> the quality findings of that study in that domain."""
    out: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for f in report.findings:
        if f.kind == "quality" and f.study_id and f.domain:
            out[(f.study_id, f.domain)].append(f)
    return out


def cell_comment(judgement: str, flags: list[Any], override: dict[str, Any] | None) -> str:
    """The text behind one matrix cell: the flags that set it, worst first."""
    lines = [f"{LABEL[judgement]} ({SYMBOL[judgement]})"]
    if override:
        lines.append(
            f"Reviewer override: computed {LABEL.get(override['computed'], override['computed'])}, "
            f"set to {LABEL.get(override['judgement'], override['judgement'])}: {override['reason']}"
        )
    if flags:
        ordered = sorted(flags, key=lambda f: (-JUDGEMENT_RANK.get(f.impact or "low", 0), f.rule, f.row or 0))
        for f in ordered[:MAX_COMMENT_FLAGS]:
            impact = LABEL[f.impact] if f.impact else "no impact"
            where = f" [{f.cell or (f'{f.table} row {f.row}' if f.row else f.table or '')}]" if (f.cell or f.row) else ""
            waived = f" (waived: {f.waiver_reason})" if f.waived else ""
            lines.append(f"- {f.rule} ({impact}){where}: {f.message}{waived}")
        if len(ordered) > MAX_COMMENT_FLAGS:
            lines.append(f"+{len(ordered) - MAX_COMMENT_FLAGS} more on the Findings sheet")
    elif judgement == "no_information":
        lines.append("Not assessed: the rows this domain needs have schema errors, or the table was not checked.")
    elif judgement == "low":
        lines.append("No flags.")
    return clean_text("\n".join(lines), 4000)


def _comment(text: str, lines_hint: int | None = None):
    from openpyxl.comments import Comment

    c = Comment(text, "ectqa")
    n_lines = sum(1 + len(line) // 60 for line in text.split("\n")) if lines_hint is None else lines_hint
    c.width = 420
    c.height = min(600, 20 + 15 * n_lines)
    return c


def _quality_sheet(ws, report, st: _Styles) -> None:
    any_override = any(q.get("overrides") for q in report.quality)
    heads = ["Study", *(DOMAIN_LABEL[d] for d in DOMAINS), "Overall"] + (["Overrides"] if any_override else [])
    st.header(write_row(ws, 1, heads))
    for c in ws[1][1:1 + len(DOMAINS) + 1]:
        c.alignment = st.Alignment(horizontal="center", vertical="center", wrap_text=True)
    flags = flags_behind(report)
    width_study = 10
    overall_col = len(DOMAINS) + 2
    for r, q in enumerate(report.quality, start=2):
        sid = q["study_id"]
        put(ws.cell(row=r, column=1), sid).font = st.bold
        width_study = max(width_study, len(str(sid)) + 2)
        overrides = {o["domain"]: o for o in q.get("overrides", [])}
        for col, d in enumerate(DOMAINS, start=2):
            cell = ws.cell(row=r, column=col)
            _judgement_cell(cell, q["domains"][d], st)
            cell.comment = _comment(cell_comment(q["domains"][d], flags.get((sid, d), []), overrides.get(d)))
        overall = ws.cell(row=r, column=overall_col)
        _judgement_cell(overall, q["overall"], st)
        worst = [DOMAIN_LABEL[d] for d in DOMAINS if q["domains"][d] == q["overall"]]
        text = [f"Overall: {LABEL[q['overall']]} ({SYMBOL[q['overall']]})",
                "The worst domain judgement" + (f": {', '.join(worst)}" if worst else ".")]
        if "overall" in overrides:
            o = overrides["overall"]
            text.append(f"Reviewer override: computed {LABEL.get(o['computed'], o['computed'])}: {o['reason']}")
        overall.comment = _comment(clean_text("\n".join(text), 4000))
        if overrides:
            c = put(ws.cell(row=r, column=overall_col + 1),
                    "; ".join(f"{DOMAIN_LABEL.get(o['domain'], o['domain'])}: {LABEL.get(o['computed'], o['computed'])} -> "
                              f"{LABEL.get(o['judgement'], o['judgement'])} ({o['reason']})" for o in overrides.values()))
            c.alignment = st.wrap
    last_col = len(heads)
    # the legend beside the matrix, so that it prints on the same page
    lc = last_col + 2
    ws.cell(row=1, column=lc, value="Legend").font = st.section_font
    for i, j in enumerate(JUDGEMENT_ORDER, start=2):
        _judgement_cell(ws.cell(row=i, column=lc), j, st)
        ws.cell(row=i, column=lc + 1, value=LABEL[j])
    notes = (
        "Each judgement's comment lists the flags behind it;",
        "every flag is on the Findings sheet.",
        "No information: the domain could not be assessed",
        "(never read as low). Overall: the worst domain.",
    )
    for i, line in enumerate(notes, start=len(JUDGEMENT_ORDER) + 3):
        ws.cell(row=i, column=lc, value=line)
    ws.column_dimensions["A"].width = min(width_study, 40)
    for col in range(2, overall_col + 1):
        ws.column_dimensions[_letter(col)].width = 13
    if any_override:
        ws.column_dimensions[_letter(overall_col + 1)].width = 40
    ws.column_dimensions[_letter(lc - 1)].width = 3
    ws.column_dimensions[_letter(lc)].width = 6
    ws.column_dimensions[_letter(lc + 1)].width = 16
    ws.freeze_panes = "B2"
    last_row = max(1 + len(report.quality), len(JUDGEMENT_ORDER) + 3 + len(notes))
    _print_setup(ws, landscape=True, title_rows="1:1", area=f"A1:{_letter(lc + 4)}{last_row}",
                 one_page=len(report.quality) <= 60)


def _judgement_cell(cell, judgement: str, st: _Styles) -> None:
    cell.value = SYMBOL[judgement]
    cell.fill = st.judgement_fill[judgement]
    cell.font = st.judgement_font[judgement]
    cell.alignment = st.centre
    cell.border = st.matrix_border


# --------------------------------------------------------------------------- Rules

def format_parameters(params: dict[str, Any]) -> str:
    """`name = value`, one parameter a line; a table of settings as `name.key = value` lines."""
    lines = []
    for k, v in params.items():
        if isinstance(v, dict):
            lines.extend(f"{k}.{sub} = {_param_value(w)}" for sub, w in v.items())
        else:
            lines.append(f"{k} = {_param_value(v)}")
    return "\n".join(lines)


def _param_value(v: Any) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, dict):
        return ", ".join(f"{k} {_param_value(w)}" for k, w in v.items())
    return json.dumps(v, ensure_ascii=False)


def rules_rows(report) -> list[list[Any]]:
    from ..rules import catalogue

    counted = Counter(f.rule for f in report.findings if f.counts)
    rows = []
    for r in catalogue.load().values():
        if r.kind == "schema":
            rows.append(["schema", r.id, None, r.level, r.default_severity, None, r.graded, "", r.summary, r.source, counted[r.id]])
    for r in report.rules_applied:
        params = report.parameters.get(r.id, r.parameters)
        rows.append([
            "quality", r.id, r.domain, r.level, r.default_severity, LABEL.get(r.impact, "none") if r.impact else "none",
            r.graded, format_parameters(params), r.summary, r.source, counted[r.id],
        ])
    return rows


def _rules_sheet(ws, report, st: _Styles) -> None:
    _table_sheet(ws, list(RULE_COLUMNS), rules_rows(report), st, "RulesTable",
                 wrap={"Parameters", "Summary", "Source", "Graded"})


def _table_sheet(ws, heads: list[str], rows: list[list[Any]], st: _Styles, table_name: str, wrap: set[str],
                 number_format: str | None = None) -> None:
    st.header(write_row(ws, 1, heads))
    widths = [len(h) + 3 for h in heads]
    for r, values in enumerate(rows, start=2):
        cells = write_row(ws, r, values)
        for i, (c, v) in enumerate(zip(cells, values)):
            if heads[i] in wrap:
                c.alignment = st.wrap
            else:
                c.alignment = st.top
            if number_format and isinstance(c.value, float):
                c.number_format = number_format
            if v is not None:
                widths[i] = max(widths[i], len(str(v)) + 2)
    widths = [min(w, WIDTH_CAP.get(h, 30)) for w, h in zip(widths, heads)]
    for r, values in enumerate(rows, start=2):
        ws.row_dimensions[r].height = max(
            (_height(str(v), widths[i]) for i, v in enumerate(values) if heads[i] in wrap and v is not None), default=15.0
        )
    for i, h in enumerate(heads):
        ws.column_dimensions[_letter(i + 1)].width = widths[i]
    ws.freeze_panes = "A2"
    last_col = _letter(len(heads))
    if rows:
        _add_table(ws, table_name, f"A1:{last_col}{1 + len(rows)}")
    _print_setup(ws, landscape=True, title_rows="1:1", area=f"A1:{last_col}{max(2, 1 + len(rows))}")


# --------------------------------------------------------------------------- Synthesis

def _synthesis_sheet(ws, synthesis: list[dict[str, Any]], st: _Styles) -> None:
    # nested lists (sensitivity analyses, per-study effects) belong to the JSON, not to a cell
    extra = [k for row in synthesis for k, v in row.items() if k not in SYNTHESIS_COLUMNS and not isinstance(v, (list, dict))]
    heads = [*SYNTHESIS_COLUMNS, *dict.fromkeys(extra)]
    rows = [[row.get(k) for k in heads] for row in synthesis]
    _table_sheet(ws, heads, rows, st, "SynthesisTable", wrap={"verdict"}, number_format="0.000")


# --------------------------------------------------------------------------- printing

def _print_setup(ws, landscape: bool, title_rows: str | None, area: str | None = None, one_page: bool = False) -> None:
    """A4, fit to the page width (and to one page when `one_page`), header row on every page."""
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 1 if one_page else 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.gridLines = False
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    if title_rows:
        ws.print_title_rows = title_rows
    if area:
        ws.print_area = area
    ws.oddFooter.center.text = "&A - page &P of &N"
    ws.oddHeader.left.text = "ectqa quality report"
