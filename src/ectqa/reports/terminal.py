"""The terminal report (rich): what was read, schema errors by rule, the quality matrix, the
top flags per study, high risk per domain, and a one-line verdict. Plain without a TTY or with
NO_COLOR; long lists are truncated with a pointer to --format json."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from ..findings import DOMAINS, JUDGEMENT_RANK, SEVERITY_RANK

SYMBOL = {"low": "+", "some_concerns": "-", "high": "x", "no_information": "?"}
LABEL = {"low": "Low", "some_concerns": "Some concerns", "high": "High", "no_information": "No information"}
# robvis colours; text colour chosen for contrast
STYLE = {
    "low": "bold black on #02C100",
    "some_concerns": "bold black on #E2DF07",
    "high": "bold white on #BF0000",
    "no_information": "bold black on #4EA1F7",
}
SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
DOMAIN_SHORT = {
    "sample_size": "Sample",
    "confounding": "Confound",
    "comparison": "Compare",
    "timing": "Timing",
    "measurement": "Measure",
    "reporting": "Report",
}
DOMAIN_TINY = {
    "sample_size": "Size",
    "confounding": "Conf",
    "comparison": "Comp",
    "timing": "Time",
    "measurement": "Meas",
    "reporting": "Rep",
}
MAX_CELLS_PER_RULE = 8
MAX_FLAGS_PER_STUDY = 3


def render(report, console, quiet: bool = False, outputs: list[str] | None = None) -> None:
    from rich.table import Table
    from rich.text import Text

    if not quiet:
        _read_section(report, console)
    schema = [f for f in report.findings if f.kind == "schema"]
    if schema and not quiet:
        _schema_section(schema, console)
    elif schema:
        _schema_section([f for f in schema if f.severity == "error"], console)
    if report.quality and not quiet:
        _matrix(report, console, Table, Text)
        _flags(report, console)
        _high_per_domain(report, console)
    for note in report.notes if not quiet else []:
        console.print(f"[dim]note:[/] {note}")
    for line in outputs or []:
        console.print(f"[dim]wrote[/] {line}")
    _verdict(report, console)


def _read_section(report, console) -> None:
    ds = report.dataset
    console.rule(f"[bold]ectqa[/] check · {ds.path}")
    parts = []
    for name, t in ds.tables.items():
        where = f"sheet '{t.sheet}'" if t.sheet else t.file
        parts.append(f"{name}: {len(t):,} rows ({where})")
    console.print("Read " + "; ".join(parts))
    studies = len(report.quality)
    console.print(f"{studies:,} studies · config: {report.config.source}")
    if ds.only_table:
        console.print(f"[dim]only the {ds.only_table} table was checked; checks that need the other table were skipped[/]")


def _where(f) -> str:
    if f.cell:
        return f.cell
    if f.row is not None:
        # CSV: the file and line, as an editor shows them (pre-commit may check several folders)
        return f"{f.file}:{f.row}" if f.file else f"line {f.row}"
    return f.table or f.file or ""


def _schema_section(schema, console) -> None:
    by_rule: dict[str, list] = defaultdict(list)
    for f in schema:
        by_rule[f.rule].append(f)
    ordered = sorted(by_rule.items(), key=lambda kv: (-SEVERITY_RANK[kv[1][0].severity], kv[0]))
    console.print()
    console.print("[bold]Data dictionary[/]")
    for rule, items in ordered:
        sev = items[0].severity
        counted = sum(1 for f in items if f.counts)
        console.print(f"[{SEVERITY_STYLE[sev]}]{sev:<7}[/] [bold]{rule}[/] ({counted:,})")
        for f in items[:MAX_CELLS_PER_RULE]:
            console.print(f"   {_where(f):<20} {_escape(f.message)}", soft_wrap=False, overflow="fold")
        if len(items) > MAX_CELLS_PER_RULE:
            console.print(f"   [dim]and {len(items) - MAX_CELLS_PER_RULE:,} more - see --format json[/]")


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def _matrix(report, console, Table, Text) -> None:
    console.print()
    table = Table(title="Risk of bias by domain", title_justify="left", show_lines=False, pad_edge=False)
    table.add_column("Study", no_wrap=True)
    labels = DOMAIN_SHORT if console.width >= 96 else DOMAIN_TINY  # narrow terminals: short heads
    for d in DOMAINS:
        table.add_column(labels[d], justify="center", no_wrap=True)
    table.add_column("Overall" if console.width >= 96 else "All", justify="center", no_wrap=True)
    limit = 60
    for q in report.quality[:limit]:
        cells = [_judgement_cell(q["domains"][d], Text) for d in DOMAINS]
        overall = _judgement_cell(q["overall"], Text)
        name = q["study_id"] + (" *" if q.get("overrides") else "")
        table.add_row(name, *cells, overall)
    console.print(table)
    if len(report.quality) > limit:
        console.print(f"[dim]and {len(report.quality) - limit:,} more studies - see --format json or --excel[/]")
    legend = Text("Legend: ")
    for j in ("low", "some_concerns", "high", "no_information"):
        legend.append(f" {SYMBOL[j]} ", style=STYLE[j])
        legend.append(f" {LABEL[j]}   ")
    console.print(legend)
    if console.width < 96:
        console.print("[dim]" + " · ".join(f"{DOMAIN_TINY[d]} = {d.replace('_', ' ')}" for d in DOMAINS) + "[/]")
    if any(q.get("overrides") for q in report.quality):
        console.print("[dim]* a reviewer's override replaces a computed judgement (see --format json)[/]")


def _judgement_cell(j: str, Text) -> Any:
    return Text(f" {SYMBOL[j]} ", style=STYLE[j])


def _flags(report, console) -> None:
    by_study: dict[str, list] = defaultdict(list)
    for f in report.findings:
        if f.kind == "quality" and f.study_id:
            by_study[f.study_id].append(f)
    if not by_study:
        return
    console.print()
    console.print("[bold]Top flags per study[/]")
    shown = 0
    for q in report.quality:
        items = by_study.get(q["study_id"])
        if not items:
            continue
        shown += 1
        if shown > 40:
            console.print("[dim]and more studies - see --format json[/]")
            break
        items.sort(key=lambda f: (-JUDGEMENT_RANK.get(f.impact or "low", 0), -SEVERITY_RANK[f.severity], f.rule))
        console.print(f"[bold]{q['study_id']}[/] [dim]({len(items)} flag{'' if len(items) == 1 else 's'})[/]")
        for f in items[:MAX_FLAGS_PER_STUDY]:
            impact = f" [{STYLE[f.impact]}] {SYMBOL[f.impact]} [/]" if f.impact else "    "
            waived = f" [dim](waived: {_escape(f.waiver_reason or '')})[/]" if f.waived else ""
            console.print(f" {impact} {f.rule}: {_escape(f.message)}{waived}", overflow="fold")
        if len(items) > MAX_FLAGS_PER_STUDY:
            console.print(f"      [dim]+{len(items) - MAX_FLAGS_PER_STUDY} more[/]")


def _high_per_domain(report, console) -> None:
    counts = Counter()
    for q in report.quality:
        for d in DOMAINS:
            if q["domains"][d] == "high":
                counts[d] += 1
    total = len(report.quality)
    console.print()
    line = " · ".join(f"{DOMAIN_SHORT[d]} {counts[d]}/{total}" for d in DOMAINS)
    console.print(f"[bold]Studies at high risk[/] {line}")


def _verdict(report, console) -> None:
    s = report.summary()
    waived = f", {s['waived']} waived" if s["waived"] else ""
    counts = f"{s['errors']} errors, {s['warnings']} warnings, {s['infos']} infos{waived}"
    code = report.exit_code
    if code == 0:
        console.print(f"[bold green]PASSED[/] {counts} - exit 0: nothing at or above --fail-on {report.fail_on}")
    else:
        console.print(f"[bold red]FAILED[/] {counts} - exit 1: findings at or above --fail-on {report.fail_on}")
