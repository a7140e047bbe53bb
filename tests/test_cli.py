"""The command line as a user meets it: start-up, exit codes, the JSON report of the sample data."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from ectqa import __version__
from ectqa.cli import main

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_XLSX = ROOT / "sample_data" / "extraction.xlsx"
SAMPLE_CSV = ROOT / "sample_data" / "extraction"
CLEAN_CSV = ROOT / "sample_data" / "clean"


def run(*args, cwd=None):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_importing_the_cli_imports_nothing_heavy():
    code = (
        "import sys, ectqa.cli; heavy = [m for m in ('pandas', 'pandera', 'openpyxl', 'great_expectations',"
        " 'numpy', 'scipy', 'matplotlib', 'rich') if m in sys.modules]; print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_scipy_special_leaves_numpy_f2py_unloaded_but_importable():
    # scipy copies numpy's public attributes; f2py must not load for that (~0.1 s per check)
    code = (
        "import sys; from ectqa.lean import scipy_special; s = scipy_special()\n"
        "print(float(s.stdtr(10, -2.228)) < 0.03, 'numpy.f2py' in sys.modules)\n"
        "import numpy, numpy.f2py; print(callable(numpy.f2py.run_main), type(numpy.f2py).__name__)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "False", "True", "module"]


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["check", "--help"]])
def test_version_and_help_stay_light(args):
    code = (
        "import sys; from ectqa.cli import main\n"
        "try:\n    main(args=" + repr(args) + ")\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('pandas', 'pandera', 'openpyxl', 'great_expectations') if m in sys.modules]\n"
        "sys.stderr.write(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stderr.strip() == ""


def test_version():
    result = run("--version")
    assert result.exit_code == 0
    assert __version__ in result.output


def sample_errors_from_readme() -> list[dict]:
    text = (ROOT / "sample_data" / "README.md").read_text(encoding="utf-8")
    section = text.split("## Deliberate schema errors", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 5 and cells[0].startswith("`schema/"):
            rows.append({"rule": cells[0].strip("`"), "table": cells[1], "row": int(cells[2]), "column": cells[3],
                         "cell": cells[4].strip("`")})
    assert len(rows) >= 8
    return rows


@pytest.mark.parametrize("path", [SAMPLE_XLSX, SAMPLE_CSV], ids=["workbook", "csv"])
def test_json_report_of_sample_shows_each_deliberate_error_at_its_cell(path):
    result = run("check", path, "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.output)
    errors = [f for f in report["findings"] if f["severity"] == "error"]
    expected = sample_errors_from_readme()
    got = {(f["rule"], f["table"], f["row"]) for f in errors}
    assert got == {(e["rule"], e["table"], e["row"]) for e in expected}
    for e in expected:
        match = [f for f in errors if (f["rule"], f["table"], f["row"]) == (e["rule"], e["table"], e["row"])]
        assert len(match) == 1
        f = match[0]
        if e["rule"] != "schema/unique":  # ectqa names the key's first column for a duplicate key
            assert f["column"] == e["column"]
            if path.suffix == ".xlsx":
                assert f["cell"] == e["cell"]
        if path.suffix != ".xlsx":
            assert f["cell"] is None and f["file"].endswith(f"{e['table']}.csv")
    assert report["summary"]["errors"] == len(expected)
    assert report["summary"]["rows_left_out"] == len(expected)


def test_json_report_follows_the_contract_and_is_byte_identical():
    first = run("check", SAMPLE_XLSX, "--format", "json").output
    second = run("check", SAMPLE_XLSX, "--format", "json").output
    assert first == second
    report = json.loads(first)
    assert list(report)[:6] == ["ectqa_version", "format_version", "inputs", "summary", "findings", "quality"]
    assert report["format_version"] == 1
    assert set(report["summary"]) == {"errors", "warnings", "infos", "waived", "studies", "measurements",
                                      "rows_left_out", "passed"}
    keys = ["rule", "severity", "kind", "level", "domain", "impact", "file", "table", "row", "column", "cell",
            "study_id", "outcome", "value", "message", "waived", "waiver_reason"]
    for f in report["findings"]:
        assert list(f) == keys
    order = [(f["file"], {"studies": 0, "measurements": 1}.get(f["table"], -1 if f["table"] is None else 2),
              f["row"] or -1, f["rule"], f["column"] or "") for f in report["findings"]]
    assert order == sorted(order)
    studies = [q["study_id"] for q in report["quality"]]
    assert len(studies) == report["summary"]["studies"] == 42
    for q in report["quality"]:
        assert set(q) == {"study_id", "domains", "overall", "overrides"}
        assert list(q["domains"]) == ["sample_size", "confounding", "comparison", "timing", "measurement", "reporting"]
    assert "IL-1β" in first or "TNF-α" in first  # non-ASCII kept as is


def test_exit_codes():
    assert run("check", CLEAN_CSV).exit_code == 0  # warnings only
    assert run("check", CLEAN_CSV, "--fail-on", "warning").exit_code == 1
    assert run("check", SAMPLE_CSV, "--fail-on", "never").exit_code == 0
    missing = subprocess.run([sys.executable, "-m", "ectqa.cli", "check", "no/such/file.xlsx"], capture_output=True, text=True)
    assert missing.returncode == 2
    assert missing.stderr.count("\n") == 1 and "no/such/file.xlsx" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_terminal_report_reads_top_to_bottom():
    result = run("check", SAMPLE_XLSX)
    out = result.output
    assert result.exit_code == 1
    for heading in ("Read studies: 42 rows", "Data dictionary", "schema/range", "measurements!K99",
                    "Risk of bias by domain", "Legend", "Top flags per study", "Studies at high risk", "FAILED"):
        assert heading in out, heading
    assert out.index("Data dictionary") < out.index("Risk of bias") < out.index("Top flags") < out.index("FAILED")
    assert "\x1b[" not in out  # plain when not a TTY


def test_quiet_shows_errors_and_verdict_only():
    out = run("check", SAMPLE_XLSX, "--quiet").output
    assert "schema/range" in out and "FAILED" in out
    assert "Risk of bias" not in out and "schema/normalised" not in out


def test_select_and_ignore(tmp_path):
    only = json.loads(run("check", CLEAN_CSV, "--format", "json", "--select", "small-sample").output)
    rules = {f["rule"] for f in only["findings"] if f["kind"] == "quality"}
    assert rules == {"small-sample"}
    ignored = json.loads(run("check", CLEAN_CSV, "--format", "json", "--ignore", "small-sample,reporting").output)
    rules = {f["rule"] for f in ignored["findings"] if f["kind"] == "quality"}
    assert "small-sample" not in rules and rules
    assert not any(f["domain"] == "reporting" for f in ignored["findings"])
    bad = subprocess.run([sys.executable, "-m", "ectqa.cli", "check", str(CLEAN_CSV), "--select", "no-such-rule"],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "no-such-rule" in bad.stderr


def test_github_format_lines():
    out = run("check", SAMPLE_CSV, "--format", "github").output
    lines = out.splitlines()
    assert lines and all(re.match(r"^::(error|warning|notice) file=[^:]+(,line=\d+)?,title=[^:]+::", l) for l in lines)
    assert any(l.startswith("::error file=") and "line=99" in l and "title=schema/range" in l for l in lines)


def test_schema_command_json_is_a_json_schema_per_table():
    result = run("schema", "--format", "json")
    schemas = json.loads(result.output)
    assert set(schemas) == {"studies", "measurements"}
    assert schemas["studies"]["properties"]["study_id"]["pattern"].startswith("^[A-Za-z]")
    assert "IL-6" in schemas["measurements"]["properties"]["outcome"]["enum"]
    assert "study_id" in schemas["measurements"]["required"]
    printed = run("schema").output
    assert "study_id" in printed and "measurements" in printed


def test_figures_without_matplotlib_say_how_to_get_it(tmp_path, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "matplotlib" else real(name, *a))
    result = CliRunner().invoke(main, ["synthesize", str(CLEAN_CSV), "--figures", str(tmp_path / "figs")])
    assert result.exit_code == 2
    assert "ectqa[synthesis]" in result.output
    assert not (tmp_path / "figs").exists()


def test_the_program_flushes_everything_and_keeps_exit_codes_when_it_skips_teardown():
    # `ectqa` (cli.entry) leaves with os._exit after flushing: the report must be whole
    in_process = run("check", SAMPLE_XLSX, "--format", "json")
    proc = subprocess.run([sys.executable, "-m", "ectqa", "check", str(SAMPLE_XLSX), "--format", "json"],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == in_process.exit_code == 1
    assert json.loads(proc.stdout) == json.loads(in_process.output)
    for args, code in ((["--version"], 0), (["check", "missing.xlsx"], 2), (["check", "--bogus"], 2)):
        proc = subprocess.run([sys.executable, "-m", "ectqa", *args], capture_output=True, text=True, cwd=ROOT)
        assert proc.returncode == code, (args, proc.stderr)
        assert "Traceback" not in proc.stderr


def test_the_program_stops_quietly_when_its_reader_leaves():
    # `ectqa check ... | head -c 100`: the reader closes the pipe early
    proc = subprocess.Popen([sys.executable, "-m", "ectqa", "check", str(SAMPLE_XLSX), "--format", "json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    assert proc.stdout.read(100)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) in (1, 2)
    assert "Traceback" not in err
