"""Config: discovery, thresholds, severity and impact overrides, disabled rules, waivers,
reviewer overrides, and bad config (exit 2 naming the key)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from builders import clean, write_csv_folder, write_workbook
from ectqa.check import Options, run_check
from ectqa.cli import main
from ectqa.config import find_config, load_config, parse_config
from ectqa.errors import ConfigError


def dataset(tmp_path: Path, toml: str | None = None, n_ect: int = 30) -> Path:
    data = clean()
    data["studies"][0]["n_ect"] = n_ect
    for r in data["measurements"]:
        if r["group"] == "ect":
            r["n"] = min(r["n"], n_ect)
    folder = write_csv_folder(data, tmp_path / "data")
    if toml is not None:
        (tmp_path / "ectqa.toml").write_text(toml, encoding="utf-8")
    return folder


def rules_of(report, rule):
    return [f for f in report.findings if f.rule == rule]


def test_config_found_walking_up_and_pyproject(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    assert find_config(tmp_path / "a" / "b") is None or not str(find_config(tmp_path / "a" / "b")).startswith(str(tmp_path))
    (tmp_path / "pyproject.toml").write_text("[tool.ectqa.rules.small-sample]\nmin_n = 20\n")
    assert find_config(tmp_path / "a" / "b") == tmp_path / "pyproject.toml"
    (tmp_path / "a" / "ectqa.toml").write_text("")
    assert find_config(tmp_path / "a" / "b") == tmp_path / "a" / "ectqa.toml"  # nearest wins
    assert load_config(None, tmp_path / "x.xlsx").rules == {"small-sample": {"min_n": 20}}


def test_parameter_override_moves_the_threshold(tmp_path):
    report = run_check(dataset(tmp_path, n_ect=30), Options())
    assert rules_of(report, "small-sample")
    report = run_check(dataset(tmp_path, "[rules.small-sample]\nmin_n = 25\ncritical_n = 12\n", n_ect=30), Options())
    assert not rules_of(report, "small-sample")
    assert report.parameters["small-sample"] == {"min_n": 25, "critical_n": 12}


def test_small_sample_boundaries_on_both_forms(tmp_path):
    for form in ("csv", "workbook"):
        for n, expected in ((33, "some_concerns"), (34, None), (14, "high"), (15, "some_concerns")):
            data = clean()
            data["studies"][0]["n_ect"] = n
            for r in data["measurements"]:
                if r["group"] != "control":
                    r["n"] = min(r["n"], n)
            data["measurements"] = [r for r in data["measurements"] if r["group"] not in ("ect_responders", "ect_nonresponders")]
            where = tmp_path / f"{form}{n}"
            path = write_csv_folder(data, where) if form == "csv" else write_workbook(data, where.with_suffix(".xlsx"))
            found = rules_of(run_check(path, Options()), "small-sample")
            assert [f.impact for f in found] == ([expected] if expected else []), (form, n)
            if found and form == "workbook":
                assert found[0].cell == "studies!J2"


def test_disabled_rule(tmp_path):
    report = run_check(dataset(tmp_path, "[rules.small-sample]\nenabled = false\n"), Options())
    assert not rules_of(report, "small-sample")
    assert "small-sample" not in [r.id for r in report.rules_applied]


def test_severity_and_impact_overrides(tmp_path):
    report = run_check(dataset(tmp_path, '[rules.small-sample]\nseverity = "error"\n[rules.small-control-group]\nimpact = "high"\n'), Options())
    (f,) = rules_of(report, "small-sample")
    assert f.severity == "error" and report.exit_code == 1
    (g,) = rules_of(report, "small-control-group")
    assert g.impact == "high"
    assert report.quality[0]["domains"]["sample_size"] == "high"
    report = run_check(dataset(tmp_path, '[rules.small-sample]\nimpact = "none"\n'), Options())
    (f,) = rules_of(report, "small-sample")
    assert f.impact is None and f.severity == "info"


def test_waiver_keeps_the_finding_marked_and_out_of_counts(tmp_path):
    toml = '[[waivers]]\nrule = "small-sample"\nstudy_id = "Alpha2010"\nreason = "pilot study, kept for completeness"\n'
    folder = dataset(tmp_path, toml)
    report = run_check(folder, Options(fail_on="warning"))
    (f,) = rules_of(report, "small-sample")
    assert f.waived and f.waiver_reason == "pilot study, kept for completeness"
    assert report.summary()["waived"] == 1
    # waived findings still count in judgements (the study is still small)
    assert report.quality[0]["domains"]["sample_size"] == "some_concerns"
    # waive every remaining warning too, and the gate passes
    others = {(x.rule, x.study_id) for x in report.findings if x.severity == "warning" and not x.waived}
    more = "".join(f'[[waivers]]\nrule = "{r}"\nstudy_id = "{s}"\nreason = "accepted"\n' for r, s in sorted(others))
    report = run_check(dataset(tmp_path, toml + more), Options(fail_on="warning"))
    assert report.exit_code == 0
    out = CliRunner().invoke(main, ["check", str(folder), "--fail-on", "warning", "--format", "json"])
    assert out.exit_code == 0
    assert any(x["waived"] and x["waiver_reason"] for x in json.loads(out.output)["findings"])


def test_waiver_by_outcome(tmp_path):
    data = clean()
    data["measurements"][0]["sd"] = None  # missing-dispersion on IL-6 baseline
    folder = write_csv_folder(data, tmp_path / "d")
    (tmp_path / "ectqa.toml").write_text('[[waivers]]\nrule = "missing-dispersion"\nstudy_id = "Alpha2010"\noutcome = "CRP"\nreason = "x"\n')
    (f,) = rules_of(run_check(folder, Options()), "missing-dispersion")
    assert not f.waived  # the waiver is for CRP only
    (tmp_path / "ectqa.toml").write_text('[[waivers]]\nrule = "missing-dispersion"\nstudy_id = "Alpha2010"\noutcome = "IL-6"\nreason = "x"\n')
    (f,) = rules_of(run_check(folder, Options()), "missing-dispersion")
    assert f.waived


def test_reviewer_override_replaces_judgement_and_is_reported(tmp_path):
    toml = ('[[overrides]]\nstudy_id = "Alpha2010"\ndomain = "sample_size"\njudgement = "low"\n'
            'reason = "power analysis in the methods"\n')
    report = run_check(dataset(tmp_path, toml), Options())
    q = report.quality[0]
    assert q["domains"]["sample_size"] == "low"
    assert q["overrides"] == [{"domain": "sample_size", "computed": "some_concerns", "judgement": "low",
                               "reason": "power analysis in the methods"}]
    toml = '[[overrides]]\nstudy_id = "Alpha2010"\ndomain = "overall"\njudgement = "high"\nreason = "fatal flaw"\n'
    assert run_check(dataset(tmp_path, toml), Options()).quality[0]["overall"] == "high"


@pytest.mark.parametrize(
    "toml, key",
    [
        ("colour = 1\n", "colour"),
        ("[rules.no-such-rule]\nenabled = false\n", "rules.no-such-rule"),
        ("[rules.small-sample]\nmin_m = 3\n", "rules.small-sample.min_m"),
        ('[rules.small-sample]\nmin_n = "thirty"\n', "rules.small-sample.min_n"),
        ('[rules.small-sample]\nseverity = "fatal"\n', "rules.small-sample.severity"),
        ("[rules.small-sample]\nenabled = 1\n", "rules.small-sample.enabled"),
        ('[[waivers]]\nrule = "small-sample"\nstudy_id = "A"\n', "waivers[0].reason"),
        ('[[waivers]]\nrule = "schema/range"\nstudy_id = "A"\nreason = "x"\n', "waivers[0].rule"),
        ('[[overrides]]\nstudy_id = "A"\ndomain = "luck"\njudgement = "low"\nreason = "x"\n', "overrides[0].domain"),
        ('[[overrides]]\nstudy_id = "A"\ndomain = "timing"\njudgement = "fine"\nreason = "x"\n', "overrides[0].judgement"),
        ('[sheets]\nstudy = "S"\n', "sheets.study"),
        ('[columns.measurements]\n"Sample size" = "size"\n', 'columns.measurements."Sample size"'),
        ('[outcomes."IL-13"]\nclass = "cytokines"\n', 'outcomes."IL-13".class'),
        ("[limits]\nmax_rows = -1\n", "limits.max_rows"),
        ("[rules.sparse-acute-window]\nacute_window = { cytokine = [1] }\n", "rules.sparse-acute-window.acute_window.cytokine"),
        ("this is = not toml [\n", "not valid TOML"),
    ],
)
def test_bad_config_names_the_key_and_exits_2(tmp_path, toml, key):
    folder = dataset(tmp_path, toml)
    with pytest.raises(ConfigError) as err:
        run_check(folder, Options())
    assert key in str(err.value) and "ectqa.toml" in str(err.value)
    proc = subprocess.run([sys.executable, "-m", "ectqa.cli", "check", str(folder)], capture_output=True, text=True)
    assert proc.returncode == 2
    assert key in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_explicit_config_overrides_discovery(tmp_path):
    folder = dataset(tmp_path, "[rules.small-sample]\nenabled = false\n")
    other = tmp_path / "other.toml"
    other.write_text("[rules.small-sample]\nmin_n = 40\n")
    report = run_check(folder, Options(config=other))
    assert report.config.path == other
    assert rules_of(report, "small-sample")


def test_parse_config_accepts_the_dictionary_example():
    example = '''
[sheets]
studies = "Study characteristics"
measurements = "Outcomes"

[columns.measurements]
"Sample size" = "n"
"SD" = "sd"

[outcomes."IL-13"]
class = "cytokine"
synonyms = ["IL13", "interleukin-13"]

[rules.small-sample]
min_n = 25
critical_n = 12

[rules.single-extraction]
enabled = false

[[waivers]]
rule = "small-sample"
study_id = "Kronfol2002"
reason = "pilot study, kept for completeness"

[[overrides]]
study_id = "Hestad2003"
domain = "confounding"
judgement = "some_concerns"
reason = "BMI matched by design (methods, p. 184), not captured by the fields"

[limits]
max_inflated_mb = 200
max_rows = 1000000
'''
    import tomllib

    cfg = parse_config(tomllib.loads(example))
    assert cfg.sheets["studies"] == "Study characteristics"
    assert cfg.dictionary.outcome_class["IL-13"] == "cytokine"


def test_sheet_names_from_config(tmp_path):
    data = clean()
    path = tmp_path / "x.xlsx"
    import openpyxl

    write_workbook(data, path)
    wb = openpyxl.load_workbook(path)
    wb["studies"].title = "Study characteristics"
    wb["measurements"].title = "Outcomes"
    wb.save(path)
    (tmp_path / "ectqa.toml").write_text('[sheets]\nstudies = "Study characteristics"\nmeasurements = "Outcomes"\n')
    report = run_check(path, Options())
    assert not [f for f in report.findings if f.severity == "error"]
    assert report.dataset.tables["studies"].sheet == "Study characteristics"
