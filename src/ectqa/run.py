"""`ectqa check`: run the pipeline on each path, then render every requested output."""

from __future__ import annotations

import sys
from pathlib import Path

from .check import Options, Report, run_check
from .findings import sorted_findings


class Combined:
    """Several checked datasets shown as one report (pre-commit passes many files)."""

    def __init__(self, reports: list[Report]):
        self.reports = reports
        first = reports[0]
        self.path = first.path
        self.config = first.config
        self.dataset = first.dataset
        self.datasets = [r.dataset for r in reports]
        self.findings = sorted_findings([f for r in reports for f in r.findings])
        self.quality = [q for r in reports for q in r.quality]
        self.rules_applied = first.rules_applied
        self.parameters = first.parameters
        self.notes = [n for r in reports for n in r.notes]
        self.rows_left_out = sum(r.rows_left_out for r in reports)
        self.fail_on = first.fail_on

    @property
    def inputs(self) -> list[str]:
        return [i for r in self.reports for i in r.inputs]

    def counted(self):
        return [f for f in self.findings if f.counts]

    def summary(self):
        parts = [r.summary() for r in self.reports]
        out = {k: sum(p[k] for p in parts) for k in ("errors", "warnings", "infos", "waived", "studies", "measurements", "rows_left_out")}
        out["passed"] = self.exit_code == 0
        return out

    @property
    def exit_code(self) -> int:
        return max(r.exit_code for r in self.reports)


LONG_WORK_BYTES = 5 * 2**20  # inputs this large take seconds: show that work is going on


def _input_size(path: Path) -> int:
    try:
        if path.is_dir():
            return sum(p.stat().st_size for p in path.iterdir() if p.is_file())
        return path.stat().st_size
    except OSError:
        return 0


def _with_progress(path: Path, options: Options, quiet: bool) -> Report:
    """A spinner on stderr while a large input is checked; only on a terminal."""
    if quiet or not sys.stderr.isatty() or _input_size(path) < LONG_WORK_BYTES:
        return run_check(path, options)
    console = _console(stderr=True)
    if not console.is_terminal:  # NO_COLOR or a dumb terminal still gets no spinner
        return run_check(path, options)
    with console.status(f"checking {path} ...", spinner="dots"):
        return run_check(path, options)


def _console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def run_and_report(paths: list[Path], options: Options, *, fmt: str, output: Path | None, excel: Path | None,
                   annotate: Path | None, robvis: Path | None, colour_blind: bool, baseline: Path | None,
                   quiet: bool) -> int:
    from .outputs import check_writable, write_text

    # every output's folder is checked before any work, so a bad path leaves nothing half-written
    for out in (output, excel, annotate, robvis):
        if out is not None:
            check_writable(out)
    reports = [_with_progress(p, options, quiet) for p in paths]
    if baseline is not None:
        from .baseline import apply_baseline

        for r in reports:
            apply_baseline(r, baseline)
    report = reports[0] if len(reports) == 1 else Combined(reports)

    written: list[str] = []
    if excel is not None:
        from .reports.excel import write_report

        write_report(report, excel, colour_blind=colour_blind)
        written.append(f"Excel report: {excel}")
    if robvis is not None:
        from .reports.robvis import write_robvis

        write_robvis(report, robvis)
        written.append(f"robvis CSV: {robvis}")
    if annotate is not None:
        from .reports.annotate import write_annotated

        if len(reports) > 1:
            from .errors import InputError

            raise InputError("--annotate works on one input at a time; give one PATH")
        write_annotated(report, annotate)
        written.append(f"annotated copy: {annotate}")

    rendered = None
    if fmt != "terminal":
        rendered = render_format(report, fmt)
    if output is not None:
        text = rendered if rendered is not None else render_format(report, "json")
        write_text(output, text)
        written.append(f"{fmt if fmt != 'terminal' else 'json'} report: {output}")

    if fmt == "terminal" or output is not None:
        from .reports import terminal

        terminal.render(report, _console(stderr=False), quiet=quiet, outputs=written)
    elif written:
        # the report goes to stdout (json, github, junit): say where the files went on stderr,
        # so that stdout stays one parsable document
        for line in written:
            sys.stderr.write(f"ectqa: wrote {line}\n")
        sys.stderr.flush()
    if rendered is not None and output is None:
        sys.stdout.write(rendered)
        sys.stdout.flush()
    return report.exit_code


def render_format(report, fmt: str) -> str:
    if fmt == "json":
        from .reports import json as json_report

        return json_report.render(report)
    if fmt == "github":
        from .reports import github

        return github.render(report)
    if fmt == "junit":
        from .reports import junit

        return junit.render(report)
    raise ValueError(fmt)
