"""The command line. Commands only: heavy libraries are imported inside the commands that need
them, so `ectqa --version` and `ectqa --help` start fast (no pandas, pandera or openpyxl)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from . import __version__

TABLE_FILES = ("studies.csv", "measurements.csv")


# Commands that live beside their feature, loaded only when named (start-up stays lean):
# name -> "module:attribute" of a click command.
LAZY_COMMANDS = {
    "template": "ectqa.template:command",
    "synthesize": "ectqa.synthesis.command:command",
    "compare": "ectqa.compare.command:compare_command",
    "reconcile": "ectqa.compare.command:reconcile_command",
}


class EctqaGroup(click.Group):
    """Turns input errors into one line on stderr (exit 2) and Ctrl-C into exit 130; loads the
    feature commands lazily."""

    def list_commands(self, ctx):  # type: ignore[override]
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def get_command(self, ctx, name):  # type: ignore[override]
        if name in LAZY_COMMANDS:
            import importlib

            module, attr = LAZY_COMMANDS[name].split(":")
            try:
                return getattr(importlib.import_module(module), attr)
            except (ImportError, AttributeError):
                return None
        return super().get_command(ctx, name)

    def main(self, *args, **kwargs):  # type: ignore[override]
        argv = kwargs.get("args") if kwargs.get("args") is not None else (args[0] if args else sys.argv[1:])
        debug = "--debug" in (argv or []) or os.environ.get("ECTQA_DEBUG") == "1"
        kwargs.pop("standalone_mode", None)
        try:
            return super().main(*args, standalone_mode=False, **kwargs)
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            exc.show()
            sys.exit(2 if exc.exit_code in (1, 2) else exc.exit_code)
        except click.exceptions.Abort:
            click.echo("ectqa: interrupted", err=True)
            sys.exit(130)
        except KeyboardInterrupt:
            click.echo("ectqa: interrupted", err=True)
            sys.exit(130)
        except Exception as exc:
            from .errors import InputError

            if debug:
                raise
            if isinstance(exc, InputError):
                click.echo(f"ectqa: {exc}", err=True)
            else:
                click.echo(
                    f"ectqa: internal error ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}); "
                    "rerun with --debug and report it",
                    err=True,
                )
            sys.exit(2)


@click.group(cls=EctqaGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="ectqa")
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
def main(debug: bool) -> None:
    """ectqa: validate and quality-assess extraction data on ECT and the immune system.

    Start with `ectqa check extraction.xlsx` (or a folder with studies.csv and measurements.csv).
    """


def _split(values: tuple[str, ...]) -> tuple[str, ...]:
    out: list[str] = []
    for v in values:
        out.extend(p.strip() for p in v.split(",") if p.strip())
    return tuple(out)


def dataset_paths(paths: tuple[Path, ...], table: str | None) -> list[Path]:
    """pre-commit passes file names: a studies.csv or measurements.csv is checked as the dataset
    folder it belongs to (both tables, once per folder); anything else as itself."""
    out: list[Path] = []
    for p in paths:
        if table is None and p.name.casefold() in TABLE_FILES and p.parent.is_dir():
            p = p.parent if str(p.parent) else Path(".")
        if p not in out:
            out.append(p)
    return out


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["terminal", "json", "github", "junit"]), default="terminal", show_default=True, help="Report format on stdout.")
@click.option("--output", "-o", type=click.Path(path_type=Path), help="Write the --format report to this file; the terminal report still prints.")
@click.option("--excel", type=click.Path(path_type=Path), help="Also write the Excel quality report here.")
@click.option("--annotate", type=click.Path(path_type=Path), help="Also write a copy of the input with each finding on its cell.")
@click.option("--robvis", type=click.Path(path_type=Path), help="Also write the judgements as a robvis CSV.")
@click.option("--colour-blind", is_flag=True, help="Colour-blind palette in the Excel report.")
@click.option("--fail-on", type=click.Choice(["error", "warning", "never"]), default="error", show_default=True, help="Exit 1 when findings at or above this severity remain (waived ones do not count).")
@click.option("--config", type=click.Path(path_type=Path), help="Config file (default: nearest ectqa.toml or [tool.ectqa] in pyproject.toml).")
@click.option("--table", type=click.Choice(["studies", "measurements"]), help="Check one table alone (a sheet or a CSV).")
@click.option("--select", multiple=True, help="Only these quality rules or domains (comma-separated).")
@click.option("--ignore", multiple=True, help="Skip these quality rules or domains (comma-separated).")
@click.option("--baseline", type=click.Path(path_type=Path), help="Fail only on findings not recorded in this baseline file.")
@click.option("--quiet", "-q", is_flag=True, help="Only errors and the verdict.")
@click.option("--debug", is_flag=True, hidden=True)
def check(paths, fmt, output, excel, annotate, robvis, colour_blind, fail_on, config, table, select, ignore, baseline, quiet, debug):
    """Validate PATH against the data dictionary and assess each study's quality.

    PATH is a workbook (.xlsx, .xlsm, .ods), a folder with studies.csv and measurements.csv, or
    with --table one CSV or sheet. Exit 0: nothing at or above --fail-on; 1: findings; 2: could
    not check.
    """
    from .check import Options
    from .run import run_and_report

    options = Options(table=table, config=config, select=_split(select), ignore=_split(ignore), fail_on=fail_on)
    code = run_and_report(
        dataset_paths(paths, table), options, fmt=fmt, output=output, excel=excel, annotate=annotate,
        robvis=robvis, colour_blind=colour_blind, baseline=baseline, quiet=quiet,
    )
    sys.exit(code)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.argument("baseline_file", type=click.Path(path_type=Path))
@click.option("--config", type=click.Path(path_type=Path))
@click.option("--table", type=click.Choice(["studies", "measurements"]))
def baseline(paths, baseline_file, config, table):
    """Record the findings of PATHS today in BASELINE_FILE, so a gate fails only on new ones."""
    from .baseline import write_baseline
    from .check import Options, run_check
    from .run import Combined

    reports = [run_check(p, Options(table=table, config=config)) for p in dataset_paths(paths, table)]
    report = reports[0] if len(reports) == 1 else Combined(reports)
    n = write_baseline(report, baseline_file)
    click.echo(f"recorded {n} finding(s) in {baseline_file}")


@main.command("rules")
@click.option("--config", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["terminal", "json", "markdown"]), default="terminal")
def rules_command(config, fmt):
    """List the rule catalogue with the current settings."""
    from .explain import list_rules

    list_rules(config, fmt)


@main.command()
@click.argument("rule")
@click.option("--config", type=click.Path(path_type=Path))
def explain(rule, config):
    """A rule's rationale, source, parameters and current values."""
    from .explain import explain_rule

    explain_rule(rule, config)


@main.command()
@click.option("--format", "fmt", type=click.Choice(["terminal", "json", "gx", "frictionless"]), default="terminal", show_default=True)
@click.option("--out", type=click.Path(path_type=Path), help="Write to this file instead of stdout.")
def schema(fmt, out):
    """Print the data dictionary, or export it: --format json (a JSON Schema per table), gx
    (great-expectations suites) or frictionless (a data package)."""
    from .schema_export import export

    export(fmt, out)


def entry() -> None:
    """The `ectqa` program: `main`, run as a one-shot process.

    The cyclic garbage collector is off: nothing ectqa builds needs it freed before exit, and it
    cost 0.05 s of a check of the sample and 0.45 s at 100,000 workbook rows, scanning calamine's
    millions of cells again and again (peak memory is the same without it). And once the
    reports are written and flushed, the process leaves without tearing the interpreter down:
    freeing every module and object took ~0.2 s, a fifth of a check of the sample. Nor could
    a teardown end calamine's thread while it parses (it aborts the process).
    """
    import gc

    gc.disable()
    try:
        main()
        code: int = 0
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            code = exc.code or 0
        else:  # click's sys.exit("message")
            print(exc.code, file=sys.stderr)
            code = 1
    except Exception:  # noqa: BLE001 -- --debug's: its traceback, then the same exit as any check
        # (a teardown could stop calamine's thread mid-parse)
        import traceback

        traceback.print_exc()
        code = 1  # as Python's own exit on an uncaught exception
    if sys.gettrace() or sys.getprofile():  # a debugger, profiler or coverage writes at exit
        sys.exit(code)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, ValueError):  # the reader left (`| head`): what it took is enough
            pass
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    entry()
