"""`ectqa synthesize PATH`: pool the extracted outcomes and show how robust each result is.

Loaded lazily by the CLI; only click is imported at module level. The work is done by
``ectqa.synthesis.analysis`` (numbers) and ``ectqa.synthesis.figures`` (plots).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

DOMAIN_CHOICES = ("sample_size", "confounding", "comparison", "timing", "measurement", "reporting")


def _domains(text: str) -> tuple[str, ...]:
    parts = [p.strip() for p in text.split(",")]
    if [p for p in parts if p] == [] or text.strip().lower() == "none":
        return ()
    return tuple(dict.fromkeys(p for p in parts if p))


@click.command("synthesize")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--config", type=click.Path(path_type=Path),
              help="Config file (default: nearest ectqa.toml or [tool.ectqa] in pyproject.toml).")
@click.option("--format", "fmt", type=click.Choice(["terminal", "json"]), default="terminal",
              show_default=True, help="Output on stdout.")
@click.option("--output", "-o", type=click.Path(path_type=Path),
              help="Write the JSON synthesis to this file; the terminal table still prints.")
@click.option("--figures", "figures_dir", type=click.Path(path_type=Path),
              help="Write forest plots, the traffic-light and the summary plot (PNG and SVG) here.")
@click.option("--excel", type=click.Path(path_type=Path),
              help="Also write the Excel quality report, with a Synthesis sheet.")
@click.option("--r", "r", type=float, default=0.5, show_default=True,
              help="Pre-post correlation for SMCR (0.3 and 0.7 are always run as sensitivity).")
@click.option("--acute-window", nargs=2, type=float, default=(1.0, 6.0), show_default=True,
              metavar="FROM TO", help="Hours after session 1 that count as acute.")
@click.option("--sensitivity-domains", default="confounding,timing", show_default=True,
              help="Pool again without studies judged high in any of these domains "
                   "(comma-separated; 'none' for no such analysis).")
@click.option("--method", type=click.Choice(["both", "DL", "PM"], case_sensitive=False),
              default="both", show_default=True, help="Random-effects estimator(s) of tau2.")
@click.option("--debug", is_flag=True, hidden=True)
def command(path, config, fmt, output, figures_dir, excel, r, acute_window, sensitivity_domains,
            method, debug):
    """Meta-analyse PATH: acute, end-of-course and follow-up change from baseline (SMCR) and
    ECT vs control at baseline (Hedges' g), pooled with random effects (DL and PM), with
    sensitivity analyses by risk of bias, pre-post correlation and leave-one-out.

    Rows with schema errors, stimulated samples and arbitrary units are left out and listed.
    Exit 0 when the synthesis ran; 2 when it could not.
    """
    from ectqa.check import Options, run_check
    from ectqa.outputs import write_text
    from ectqa.synthesis.analysis import Settings, as_json, synthesize, write_figures

    if figures_dir is not None:
        import importlib.util

        if importlib.util.find_spec("matplotlib") is None:  # an optional extra: say so before any work
            from ectqa.errors import InputError

            raise InputError(f"{figures_dir}: figures need matplotlib; install it with pip install 'ectqa[synthesis]'")
    domains = _domains(sensitivity_domains)
    methods = ("DL", "PM") if method.lower() == "both" else (method.upper(),)
    settings = Settings(r=r, acute_window=(acute_window[0], acute_window[1]),
                        sensitivity_domains=domains, methods=methods)
    report = run_check(path, Options(config=config))
    synthesis = synthesize(report, settings)

    written: list[str] = []
    if figures_dir is not None:
        paths = write_figures(synthesis, report, figures_dir)
        written.append(f"{len(paths)} figure(s) (PNG and SVG): {figures_dir}")
    if excel is not None:
        try:
            from ectqa.reports.excel import write_report
        except ImportError:
            from ectqa.errors import InputError

            raise InputError("--excel: the Excel report is not available in this installation "
                             "(ectqa.reports.excel is missing)") from None
        write_report(report, excel, colour_blind=False, synthesis=synthesis["results"])
        written.append(f"Excel report: {excel}")

    text = as_json(synthesis) if fmt == "json" or output is not None else None
    if output is not None:
        write_text(output, text)
        written.append(f"JSON synthesis: {output}")
    if fmt == "terminal" or output is not None:
        from rich.console import Console

        render(synthesis, Console(highlight=False, soft_wrap=False), written)
    if fmt == "json" and output is None:
        sys.stdout.write(text)
        sys.stdout.flush()


# --- terminal ------------------------------------------------------------------------------

CONTRAST_SHORT = {
    "acute": "acute",
    "end_of_course": "end of course",
    "follow_up": "follow-up",
    "ect_vs_control": "ECT vs control",
}
CONTRAST_NARROW = {
    "acute": "acute",
    "end_of_course": "end",
    "follow_up": "follow-up",
    "ect_vs_control": "vs control",
}
VERDICT_STYLE = {
    "direction robust": "green",
    "significance lost": "yellow",
    "direction changes": "bold red",
    "too few studies": "dim",
}


def _f(x: Any, digits: int = 2) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def _main_rows(synthesis: dict[str, Any]) -> list[dict[str, Any]]:
    r_main = synthesis.get("parameters", {}).get("r", 0.5)
    return [res for res in synthesis["results"] if res["r"] is None or res["r"] == r_main]


def render(synthesis: dict[str, Any], console: Any, written: list[str] | None = None) -> None:
    """The synthesis table (main r, each method), the exclusions and what was written. Columns
    that do not fit the console's width are dropped, least important first."""
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    params = synthesis.get("parameters", {})
    console.rule("[bold]ectqa[/] synthesize")
    width = console.width
    wide = width >= 120
    medium = width >= 96
    several_methods = len(params.get("methods", ["DL", "PM"])) > 1
    contrast_names = CONTRAST_SHORT if medium else CONTRAST_NARROW
    table = Table(show_header=True, header_style="bold", box=box.SIMPLE_HEAD, pad_edge=False,
                  expand=False)
    table.add_column("Outcome", no_wrap=True)
    table.add_column("Contrast", no_wrap=True)
    if wide:
        table.add_column("Measure", no_wrap=True)
    if several_methods or medium:
        table.add_column("Meth", no_wrap=True)
    table.add_column("k", justify="right", no_wrap=True)
    table.add_column("n", justify="right", no_wrap=True)
    table.add_column("Estimate [95% CI]", justify="right", no_wrap=True)
    if wide:
        table.add_column("95% PI", justify="right", no_wrap=True)
        table.add_column("tau²", justify="right", no_wrap=True)
    if medium:
        table.add_column("I²", justify="right", no_wrap=True)
    table.add_column("Verdict", min_width=9)
    previous = None
    for res in _main_rows(synthesis):
        key = (res["outcome"], res["contrast"])
        first = key != previous
        if previous is not None and first and several_methods:
            table.add_section()
        previous = key
        cells = [escape(res["outcome"]) if first else "",
                 contrast_names[res["contrast"]] if first else ""]
        if wide:
            cells.append(res["measure"] if first else "")
        if several_methods or medium:
            cells.append(res["method"])
        cells += [str(res["k"]), str(res["n"]),
                  f"{_f(res['estimate'])} [{_f(res['ci_lower'])}, {_f(res['ci_upper'])}]"]
        if wide:
            cells += [f"[{_f(res['pi_lower'])}, {_f(res['pi_upper'])}]", _f(res["tau2"], 3)]
        if medium:
            cells.append(_f(res["i2"], 0) + ("%" if res["i2"] is not None else ""))
        style = VERDICT_STYLE.get(res["verdict"], "")
        cells.append(f"[{style}]{res['verdict']}[/]" if style else res["verdict"])
        table.add_row(*cells)
    if synthesis["results"]:
        console.print(table)
        r_text = params.get("r", 0.5)
        others = ", ".join(f"{x:g}" for x in params.get("r_sensitivity", []))
        window = params.get("acute_window_hours", [1, 6])
        console.print(
            f"[dim]SMCR: change from baseline over the baseline SD, r = {r_text:g} "
            f"(r = {others} as sensitivity); SMD: Hedges' g, ECT minus control. "
            f"Acute: {window[0]:g} to {window[1]:g} h after session 1. "
            "Positive = higher after / in ECT. Sensitivity analyses and per-study effects: "
            "--format json.[/]")
    else:
        console.print("No outcome had a poolable contrast.")
    excluded = synthesis["excluded"]
    if excluded:
        console.print(f"\n[bold]Left out[/] ({len(excluded)}):")
        shown = excluded[:25]
        for e in shown:
            console.print(escape(f"  {e['study_id']} · {e['outcome']}: {e['reason']}"))
        if len(excluded) > len(shown):
            console.print(f"  ... and {len(excluded) - len(shown)} more (--format json)")
    for line in written or []:
        console.print(f"[dim]wrote[/] {line}")
