"""Gatekeeping: the pre-commit hook, the CI formats (github, junit, json), --fail-on and waivers
in every format, and baselines.

Goldens live under tests/golden/; regenerate them after an intended change of the sample data,
the rules or the formats with

    ECTQA_UPDATE_GOLDEN=1 python -m pytest tests/test_gatekeeping.py -k golden

and review the diff before committing it.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shlex
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from ectqa.cli import dataset_paths, main

REPO = Path(__file__).resolve().parents[1]
CLEAN = REPO / "sample_data" / "clean"
GOLDEN = REPO / "tests" / "golden"
FORMATS = ("terminal", "json", "github", "junit")
# Two studies of the clean sample: no schema error, a few quality warnings.
STUDIES = ("Lindqvist2016", "Haugen2021")


# --- helpers ---------------------------------------------------------------------------------


def _read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([header, *rows])
    path.write_text(buf.getvalue(), encoding="utf-8", newline="")


def make_dataset(folder: Path, studies: tuple[str, ...] = STUDIES) -> Path:
    """A small dataset folder cut from the clean sample (one record per line)."""
    for table in ("studies", "measurements"):
        header, rows = _read_csv(CLEAN / f"{table}.csv")
        _write_csv(folder / f"{table}.csv", header, [r for r in rows if r[0] in studies])
    return folder


def set_cell(folder: Path, table: str, line: int, column: str, value: str) -> None:
    """Set one cell; `line` is the CSV line a person sees (header = 1)."""
    header, rows = _read_csv(folder / f"{table}.csv")
    rows[line - 2][header.index(column)] = value
    _write_csv(folder / f"{table}.csv", header, rows)


def first_line_with(folder: Path, table: str, column: str, after: int = 1) -> int:
    """The first CSV line after `after` whose `column` is filled."""
    header, rows = _read_csv(folder / f"{table}.csv")
    i = header.index(column)
    return next(n for n, r in enumerate(rows, start=2) if n > after and r[i].strip())


def ectqa(*args: str | Path, cwd: Path) -> tuple[int, str, str]:
    """Run the CLI in-process from `cwd`; returns (exit code, stdout, stderr)."""
    old = Path.cwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False, env={"NO_COLOR": "1", "COLUMNS": "200"})
    finally:
        os.chdir(old)
    return result.exit_code, result.stdout, result.stderr


def findings(folder: Path, *extra: str) -> list[dict]:
    code, out, err = ectqa("check", folder, "--format", "json", "--fail-on", "never", *extra, cwd=folder.parent)
    assert code == 0, err
    return json.loads(out)["findings"]


# --- pre-commit ------------------------------------------------------------------------------


def test_hook_manifest_is_valid_and_matches_only_dataset_files():
    yaml = pytest.importorskip("yaml", reason="PyYAML comes with pre-commit (the `test` extra)")
    manifest = REPO / ".pre-commit-hooks.yaml"
    hooks = {h["id"]: h for h in yaml.safe_load(manifest.read_text(encoding="utf-8"))}
    hook = hooks["ectqa-check"]
    assert hook["language"] == "python"
    assert hook["entry"].split()[:2] == ["ectqa", "check"]
    files = re.compile(hook["files"])  # pre-commit matches with re.search on the repo path
    for name in ("studies.csv", "data/studies.csv", "a/b/measurements.csv", "extraction.xlsx", "x/y.xlsm", "z.ods"):
        assert files.search(name), name
    for name in ("data/other.csv", "my_studies.csv", "studies.csv.bak", "data/measurements.tsv", "README.md"):
        assert not files.search(name), name
    try:
        from pre_commit.clientlib import load_manifest
    except ImportError:
        return
    load_manifest(str(manifest))  # raises on a manifest pre-commit would reject


def test_table_csvs_are_checked_as_their_folder_once(tmp_path, monkeypatch):
    a, b = make_dataset(tmp_path / "a"), make_dataset(tmp_path / "b")
    # pre-commit passes paths relative to the repo root
    paths = tuple(p.relative_to(tmp_path) for p in (a / "studies.csv", a / "measurements.csv", b / "measurements.csv"))
    paths += (Path("book.xlsx"),)
    monkeypatch.chdir(tmp_path)  # pre-commit runs hooks from the repo root
    assert dataset_paths(tuple(paths), None) == [Path("a"), Path("b"), Path("book.xlsx")]
    # with --table a CSV stays a lone table
    assert dataset_paths((Path("a/studies.csv"),), "studies") == [Path("a/studies.csv")]
    # one run with many files: each folder is read once, both tables together
    code, out, _ = ectqa("check", *paths[:3], "--format", "json", cwd=tmp_path)
    assert code == 0
    report = json.loads(out)
    assert report["inputs"] == ["a/studies.csv", "a/measurements.csv", "b/studies.csv", "b/measurements.csv"]
    assert report["summary"]["studies"] == 2 * len(STUDIES)
    # two batches (pre-commit may split the file list): each checks the whole folder
    for batch in (["a/studies.csv"], ["a/measurements.csv"]):
        code, out, _ = ectqa("check", *batch, "--format", "json", cwd=tmp_path)
        assert json.loads(out)["inputs"] == ["a/studies.csv", "a/measurements.csv"]


def _git(repo: Path, *args: str, env: dict, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=check)


def test_pre_commit_hook_refuses_bad_commits(tmp_path):
    pytest.importorskip("pre_commit", reason="pre-commit is not installed (pip install -e '.[test]')")
    yaml = pytest.importorskip("yaml")
    hook = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))[0]
    gitconfig = tmp_path / "gitconfig"
    gitconfig.write_text("")
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "GIT_CONFIG_GLOBAL": str(gitconfig),  # no user hooksPath, signing or templates
        "GIT_CONFIG_NOSYSTEM": "1",
        "NO_COLOR": "1",
        "PRE_COMMIT_COLOR": "never",
    }
    repo = tmp_path / "review"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main", env=env)
    _git(repo, "config", "user.email", "reviewer@example.org", env=env)
    _git(repo, "config", "user.name", "Reviewer", env=env)
    # The hook as .pre-commit-hooks.yaml declares it, run with this checkout's Python
    # (language: python would pip-install the project into pre-commit's own environment).
    local = {
        "id": hook["id"],
        "name": hook["name"],
        "entry": f"{shlex.quote(sys.executable)} -m ectqa.cli check",
        "language": "system",
        "files": hook["files"],
        "types": hook.get("types", ["file"]),
        "require_serial": hook.get("require_serial", False),
    }
    config = {"repos": [{"repo": "local", "hooks": [local]}]}
    (repo / ".pre-commit-config.yaml").write_text(json.dumps(config, indent=2))  # JSON is YAML
    subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=repo, env=env, check=True, capture_output=True)

    data = make_dataset(repo / "data")
    line = first_line_with(data, "measurements", "sd")
    good_sd = _read_csv(data / "measurements.csv")[1][line - 2][_read_csv(data / "measurements.csv")[0].index("sd")]
    set_cell(data, "measurements", line, "sd", "-1")
    # an unrelated CSV the hook must not touch (as a lone table it could not be checked)
    (repo / "notes").mkdir()
    (repo / "notes" / "reading-list.csv").write_text("title;year\nsomething;2020\n")
    _git(repo, "add", "-A", env=env)

    refused = _git(repo, "commit", "-m", "add extraction", env=env, check=False)
    output = refused.stdout + refused.stderr
    assert refused.returncode != 0, output
    assert "Failed" in output
    assert "data/measurements.csv" in output  # the file
    assert f"data/measurements.csv:{line}" in output  # and the line
    assert "schema/range" in output and "sd must be >= 0" in output
    assert "reading-list" not in output

    set_cell(data, "measurements", line, "sd", good_sd)
    _git(repo, "add", "-A", env=env)
    passed = _git(repo, "commit", "-m", "add extraction", env=env, check=False)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout + passed.stderr

    # touch measurements.csv only: it is checked with studies.csv beside it
    header, rows = _read_csv(data / "measurements.csv")
    stray = list(rows[0])
    stray[header.index("study_id")] = "Nobody2020"
    _write_csv(data / "measurements.csv", header, [*rows, stray])
    _git(repo, "add", "data/measurements.csv", env=env)
    staged = _git(repo, "diff", "--cached", "--name-only", env=env).stdout.split()
    assert staged == ["data/measurements.csv"]
    refused = _git(repo, "commit", "-m", "one more row", env=env, check=False)
    output = refused.stdout + refused.stderr
    assert refused.returncode != 0, output
    assert "schema/reference" in output and "Nobody2020" in output
    assert f"data/measurements.csv:{len(rows) + 2}" in output


# --- CI formats: goldens on the sample data --------------------------------------------------


def _golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("ECTQA_UPDATE_GOLDEN") == "1":
        GOLDEN.mkdir(exist_ok=True)
        path.write_bytes(actual.encode("utf-8"))
        return
    assert path.exists(), f"{path} missing; create it with ECTQA_UPDATE_GOLDEN=1"
    expected = path.read_bytes().decode("utf-8")
    assert actual == expected, (
        f"{name} differs from the golden; if the change is intended, regenerate with "
        "ECTQA_UPDATE_GOLDEN=1 python -m pytest tests/test_gatekeeping.py -k golden and review the diff"
    )


@pytest.fixture(scope="module")
def sample_outputs() -> dict[str, tuple[int, str]]:
    out = {}
    for fmt in ("github", "junit"):
        code, stdout, _ = ectqa("check", "sample_data/extraction", "--format", fmt, cwd=REPO)
        out[fmt] = (code, stdout)
    return out


def test_github_golden(sample_outputs):
    code, text = sample_outputs["github"]
    assert code == 1
    _golden("extraction.github.txt", text)
    lines = text.splitlines()
    assert lines and all(re.fullmatch(r"::(error|warning|notice) file=[^,:]+(,line=\d+)?,title=[^,:]+::.+", ln) for ln in lines)
    assert re.search(r"^::error file=sample_data/extraction/measurements\.csv,line=\d+,title=schema/range::sd must be >= 0", text, re.MULTILINE)


def test_junit_golden(sample_outputs):
    code, text = sample_outputs["junit"]
    assert code == 1
    _golden("extraction.junit.xml", text)
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [
        "sample_data/extraction/studies.csv:studies",
        "sample_data/extraction/measurements.csv:measurements",
    ]
    for s in suites:
        cases = s.findall("testcase")
        assert int(s.get("tests")) == len(cases)
        assert int(s.get("failures")) == sum(c.find("failure") is not None for c in cases)
        assert all(c.get("name") and c.get("classname") for c in cases)
        # one testcase per table and rule
        assert len({c.get("name") for c in cases}) == len(cases)
    assert int(root.get("tests")) == sum(int(s.get("tests")) for s in suites)
    assert int(root.get("failures")) == sum(int(s.get("failures")) for s in suites)
    rng = root.find("testsuite[@name='sample_data/extraction/measurements.csv:measurements']/testcase[@name='schema/range']/failure")
    assert rng is not None and re.match(r"error line \d+ study \S+: sd must be >= 0", rng.text)
    # warnings do not fail at --fail-on error but are kept for reading
    small = root.find("testsuite/testcase[@name='small-sample']")
    assert small.find("failure") is None and small.find("system-out").text.startswith("warning line ")


def test_output_file_keeps_the_terminal_report(tmp_path):
    data = make_dataset(tmp_path / "data")
    set_cell(data, "measurements", first_line_with(data, "measurements", "sd"), "sd", "-1")
    for fmt in ("github", "junit", "json"):
        _, plain, _ = ectqa("check", "data", "--format", fmt, cwd=tmp_path)
        code, out, _ = ectqa("check", "data", "--format", fmt, "--output", f"report.{fmt}", cwd=tmp_path)
        assert code == 1
        assert (tmp_path / f"report.{fmt}").read_text(encoding="utf-8") == plain
        assert "FAILED" in out and "schema/range" in out and "::error" not in out


# --- --fail-on and waivers: the same in every format -----------------------------------------


def _codes(folder: Path, *extra: str) -> dict[str, int]:
    return {fmt: ectqa("check", folder.name, "--format", fmt, *extra, cwd=folder.parent)[0] for fmt in FORMATS}


def _waive_all(folder: Path, found: list[dict]) -> int:
    lines = []
    for f in found:
        if f["severity"] == "warning" and not f["waived"]:
            assert f["kind"] == "quality", f
            lines += ["[[waivers]]", f"rule = {json.dumps(f['rule'])}", f"study_id = {json.dumps(f['study_id'])}"]
            if f["outcome"] is not None:
                lines.append(f"outcome = {json.dumps(f['outcome'], ensure_ascii=False)}")
            lines += ['reason = "checked against the paper"', ""]
    (folder / "ectqa.toml").write_text("\n".join(lines), encoding="utf-8")
    return lines.count("[[waivers]]")


def test_fail_on_and_waivers_agree_across_formats(tmp_path):
    data = make_dataset(tmp_path / "data")
    found = findings(data)
    assert not [f for f in found if f["severity"] == "error"]
    assert [f for f in found if f["severity"] == "warning"], "the dataset needs a warning for this test"
    expect = {"error": 0, "warning": 1, "never": 0}
    for fail_on, code in expect.items():
        assert _codes(data, "--fail-on", fail_on) == dict.fromkeys(FORMATS, code), fail_on

    # waive every warning: --fail-on warning passes, in every format
    assert _waive_all(data, found) > 0
    waived = findings(data)
    assert all(f["waived"] for f in waived if f["severity"] == "warning")
    assert _codes(data, "--fail-on", "warning") == dict.fromkeys(FORMATS, 0)
    code, out, _ = ectqa("check", "data", "--format", "junit", "--fail-on", "warning", cwd=tmp_path)
    assert ET.fromstring(out.encode()).get("failures") == "0"
    code, out, _ = ectqa("check", "data", "--format", "github", "--fail-on", "warning", cwd=tmp_path)
    assert "::warning" not in out and "[waived: checked against the paper]" in out

    # a schema error cannot be waived: it fails, in every format
    set_cell(data, "measurements", first_line_with(data, "measurements", "sd"), "sd", "-1")
    assert _codes(data, "--fail-on", "warning") == dict.fromkeys(FORMATS, 1)


# --- baselines -------------------------------------------------------------------------------


def _summary(folder: Path, *extra: str) -> tuple[int, dict]:
    code, out, err = ectqa("check", folder.name, "--format", "json", *extra, cwd=folder.parent)
    assert code in (0, 1), err
    return code, json.loads(out)


def test_baseline_gates_only_new_findings(tmp_path):
    data = make_dataset(tmp_path / "data")
    first = first_line_with(data, "measurements", "sd")
    set_cell(data, "measurements", first, "sd", "-1")  # a known error, recorded today
    base = tmp_path / "ectqa-baseline.json"
    code, out, _ = ectqa("baseline", "data", base.name, cwd=tmp_path)
    assert code == 0 and "recorded" in out
    recorded = json.loads(base.read_text(encoding="utf-8"))["findings"]
    assert any(e["rule"] == "schema/range" and e["file"] == "data/measurements.csv" for e in recorded)

    # unchanged data pass, even at --fail-on warning, in every format
    assert _codes(data, "--baseline", base.name, "--fail-on", "warning") == dict.fromkeys(FORMATS, 0)
    _, report = _summary(data, "--baseline", base.name)
    assert report["summary"]["errors"] == 0 and report["summary"]["warnings"] == 0

    # the same from another working directory (the file is keyed relative to the baseline)
    code, _, _ = ectqa("check", ".", "--baseline", "../ectqa-baseline.json", "--fail-on", "warning", cwd=data)
    assert code == 0

    # a record added above moves every row: known findings are still known
    header, rows = _read_csv(data / "studies.csv")
    _write_csv(data / "studies.csv", header, [rows[-1], *rows[:-1]])
    assert _summary(data, "--baseline", base.name, "--fail-on", "warning")[0] == 0

    # one new error fails, and only it counts
    second = first_line_with(data, "measurements", "sd", after=first)
    set_cell(data, "measurements", second, "sd", "-2")
    assert _codes(data, "--baseline", base.name) == dict.fromkeys(FORMATS, 1)
    _, report = _summary(data, "--baseline", base.name)
    counted = [f for f in report["findings"] if not f["waived"] and f["severity"] == "error"]
    assert [(f["rule"], f["row"]) for f in counted] == [("schema/range", second)]
    assert report["summary"]["errors"] == 1

    # fix both; rewriting the baseline drops the fixed findings
    good = "1.5"
    set_cell(data, "measurements", first, "sd", good)
    set_cell(data, "measurements", second, "sd", good)
    assert ectqa("baseline", "data", base.name, cwd=tmp_path)[0] == 0
    rewritten = json.loads(base.read_text(encoding="utf-8"))["findings"]
    assert not [e for e in rewritten if e["rule"] == "schema/range"]
    assert [e for e in rewritten if e["rule"] != "schema/range"] == [e for e in recorded if e["rule"] != "schema/range"]


def test_baseline_file_is_stable(tmp_path):
    data = make_dataset(tmp_path / "data")
    set_cell(data, "measurements", first_line_with(data, "measurements", "sd"), "sd", "-1")
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    ectqa("baseline", "data", a.name, cwd=tmp_path)
    ectqa("baseline", "data", b.name, cwd=tmp_path)
    ectqa("baseline", ".", "../a2.json", cwd=data)  # from inside the folder: same content
    first = a.read_bytes()
    assert first == b.read_bytes() == (tmp_path / "a2.json").read_bytes()
    assert b"\r\n" not in first and first.endswith(b"\n")
    text = first.decode("utf-8")
    assert not re.search(r"\d{4}-\d\d-\d\dT|\d\d:\d\d:\d\d", text)  # no timestamps
    entries = json.loads(text)["findings"]
    keys = [tuple(e[k] for k in ("rule", "file", "table", "study_id", "outcome", "column", "message")) for e in entries]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)


def test_bad_baseline_file_is_an_input_error(tmp_path):
    make_dataset(tmp_path / "data")
    (tmp_path / "bad.json").write_text("[1, 2]")
    for name in ("missing.json", "bad.json"):
        code, _, err = ectqa("check", "data", "--baseline", name, cwd=tmp_path)
        assert code == 2 and name in err and "ectqa baseline" in err


@pytest.mark.skipif(os.environ.get("ECTQA_SLOW_TESTS") != "1", reason="installs ectqa into pre-commit's own environment from PyPI (about 1-2 minutes); set ECTQA_SLOW_TESTS=1")
def test_published_hook_installs_and_runs(tmp_path):
    """The hook exactly as users get it: `language: python` from a git repo holding this checkout."""
    import shutil

    pytest.importorskip("pre_commit", reason="pre-commit is not installed (pip install -e '.[test]')")
    gitconfig = tmp_path / "gitconfig"
    gitconfig.write_text("[user]\n\temail = reviewer@example.org\n\tname = Reviewer\n")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "GIT_CONFIG_GLOBAL": str(gitconfig),
           "GIT_CONFIG_NOSYSTEM": "1", "NO_COLOR": "1"}
    hook_repo = tmp_path / "ectqa"
    hook_repo.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("src", "schemas", "rules"):
        shutil.copytree(REPO / name, hook_repo / name, ignore=ignore)
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml"):
        shutil.copy2(REPO / name, hook_repo / name)
    _git(hook_repo, "init", "-q", "-b", "main", env=env)
    _git(hook_repo, "add", "-A", env=env)
    _git(hook_repo, "commit", "-q", "-m", "ectqa", env=env)
    rev = _git(hook_repo, "rev-parse", "HEAD", env=env).stdout.strip()

    repo = tmp_path / "review"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main", env=env)
    config = {"repos": [{"repo": str(hook_repo), "rev": rev, "hooks": [{"id": "ectqa-check"}]}]}
    (repo / ".pre-commit-config.yaml").write_text(json.dumps(config, indent=2))
    data = make_dataset(repo / "data")
    set_cell(data, "measurements", first_line_with(data, "measurements", "sd"), "sd", "-1")
    _git(repo, "add", "-A", env=env)
    run = subprocess.run([sys.executable, "-m", "pre_commit", "run", "--all-files"], cwd=repo, env=env,
                         capture_output=True, text=True, check=False)
    assert run.returncode == 1 and "schema/range" in run.stdout, run.stdout + run.stderr
