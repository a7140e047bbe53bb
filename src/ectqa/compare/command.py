"""`ectqa compare` and `ectqa reconcile` (loaded lazily by cli.py; only click at module level)."""

from __future__ import annotations

import sys
from pathlib import Path

import click


@click.command("compare")
@click.argument("a", type=click.Path(path_type=Path))
@click.argument("b", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["terminal", "json", "github", "markdown"]), default="terminal", show_default=True,
              help="Report on stdout; github (= markdown) is a Markdown summary for a pull request or $GITHUB_STEP_SUMMARY.")
@click.option("--output", "-o", type=click.Path(path_type=Path), help="Write the --format report to this file instead of stdout.")
@click.option("--excel", type=click.Path(path_type=Path), help="Write RECONCILE.xlsx: one row per disagreement with an empty `agreed` column.")
@click.option("--tolerance", type=float, default=None,
              help="Numbers agree when |A - B| <= this. Default: half a unit of the last decimal of the less precise value.")
@click.option("--ignore-column", "ignore_column", multiple=True, help="Leave this column out (repeatable).")
@click.option("--all-columns", is_flag=True, help="Also compare extracted_by and checked_by (left out when comparing two extractions).")
@click.option("--as-versions", is_flag=True, help="Read A and B as OLD and NEW: added, removed and edited records, findings and judgements that change.")
@click.option("--synthesis", is_flag=True, help="With --as-versions: also the pooled estimates that move (needs ectqa.synthesis.analysis).")
@click.option("--config", type=click.Path(path_type=Path), help="Config file for both sides.")
@click.option("--table", type=click.Choice(["studies", "measurements"]), help="Compare one table alone.")
@click.option("--debug", is_flag=True, hidden=True)
def compare_command(a, b, fmt, output, excel, tolerance, ignore_column, all_columns, as_versions, synthesis, config, table, debug):
    """Compare two extractions of the same studies (A B), or two versions of a dataset (OLD NEW
    with --as-versions): records matched by key after normalising spellings.

    Exit 0: A and B agree (with --as-versions: always, a change is not a failure); 1: they
    disagree; 2: could not compare.
    """
    from ..check import Options
    from ..errors import InputError
    from . import EXTRACTOR_COLUMNS, compare
    from . import report as render

    if synthesis and not as_versions:
        raise InputError("--synthesis compares pooled estimates between versions; add --as-versions")
    ignore: tuple[str, ...] = tuple(ignore_column)
    if not all_columns and not as_versions:
        ignore = (*EXTRACTOR_COLUMNS, *ignore)
    cmp = compare(a, b, Options(table=table, config=config), tolerance=tolerance, ignore_columns=ignore,
                  versions=as_versions, synthesis=synthesis)
    written = []
    if excel is not None:
        render.write_excel(cmp, excel)
        written.append(f"reconciliation workbook: {excel} (fill the agreed column, then `ectqa reconcile {excel} --base {a} --out CONSENSUS`)")
    rendered = None if fmt == "terminal" else (render.render_json(cmp) if fmt == "json" else render.render_markdown(cmp))
    if output is not None:
        from ..outputs import write_text

        write_text(output, rendered if rendered is not None else render.render_json(cmp))
        written.append(f"{fmt if rendered is not None else 'json'} report: {output}")
    if rendered is not None and output is None:
        sys.stdout.write(rendered)
        sys.stdout.flush()
        for line in written:
            click.echo(line, err=True)
    else:
        from rich.console import Console

        render.render_terminal(cmp, Console(highlight=False, soft_wrap=False), outputs=written)
    sys.exit(0 if as_versions or cmp.identical else 1)


@click.command("reconcile")
@click.argument("reconcile_file", type=click.Path(path_type=Path))
@click.option("--base", required=True, type=click.Path(path_type=Path), help="A: the dataset the workbook's A side was read from.")
@click.option("--out", required=True, type=click.Path(path_type=Path), help="The consensus: a workbook when A is one, a folder when A is a CSV folder.")
@click.option("--config", type=click.Path(path_type=Path))
@click.option("--fail-on", type=click.Choice(["error", "warning", "never"]), default="error", show_default=True)
@click.option("--debug", is_flag=True, hidden=True)
def reconcile_command(reconcile_file, base, out, config, fail_on, debug):
    """Apply the agreed column of RECONCILE_FILE to --base and write the consensus to --out, then
    check it. Refuses (exit 2) while any disagreement has no agreed value. Exit 0/1: the check's
    verdict on the consensus."""
    from rich.console import Console

    from ..check import Options
    from .reconcile import reconcile

    report = reconcile(reconcile_file, base, out, Options(config=config, fail_on=fail_on))
    s = report.summary()
    console = Console(highlight=False, soft_wrap=False)
    console.print(f"consensus written to {out} ({s['studies']} studies, {s['measurements']} measurement rows)")
    verdict = "passes" if s["passed"] else "fails"
    console.print(f"ectqa check {out}: {verdict} ({s['errors']} error(s), {s['warnings']} warning(s), {s['infos']} info)")
    sys.exit(report.exit_code)
