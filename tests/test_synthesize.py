"""Tests for `ectqa synthesize`: contrast selection, conversions, units, exclusions, sensitivity
analyses, the JSON shape, and the command end to end on the sample data."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import types
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from ectqa.cli import main
from ectqa.dictionary import load
from ectqa.errors import InputError
from ectqa.synthesis import contrasts
from ectqa.synthesis.analysis import Settings, as_json, synthesize, write_figures
from ectqa.synthesis.conversions import mean_from_iqr, sd_from_iqr
from ectqa.synthesis.effects import smcr, smd

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data"
DICTIONARY = load()
OUTCOME_CLASS = DICTIONARY.outcome_class

MEAS_COLUMNS = ["study_id", "group", "outcome", "timepoint", "session", "hours_after_session",
                "hours_after_last_session", "weeks_after_course", "n", "mean", "sd", "se",
                "median", "q1", "q3", "min", "max", "ci_lower", "ci_upper", "unit"]
NUMERIC = set(MEAS_COLUMNS[4:-1])
RESULT_KEYS = {"outcome", "contrast", "measure", "method", "r", "k", "n", "estimate", "ci_lower",
               "ci_upper", "pi_lower", "pi_upper", "tau2", "i2", "verdict", "sensitivity",
               "studies"}
FIGURE_KEYS = {"analysis", "k", "n", "estimate", "ci_lower", "ci_upper", "pi_lower", "pi_upper",
               "tau2", "i2"}
STUDY_KEYS = {"study_id", "n", "yi", "vi", "converted"}


def _meas(*rows: dict) -> pd.DataFrame:
    frame = pd.DataFrame([{c: r.get(c, np.nan) for c in MEAS_COLUMNS} for r in rows])
    for c in NUMERIC:
        frame[c] = frame[c].astype(float)
    return frame


def row(study, timepoint, mean, sd=None, n=20, outcome="IL-6", group="ect", unit="pg/mL", **kw):
    return {"study_id": study, "group": group, "outcome": outcome, "timepoint": timepoint,
            "n": n, "mean": mean, "sd": sd, "unit": unit, **kw}


def _studies(*ids, **extra) -> pd.DataFrame:
    frame = pd.DataFrame({"study_id": list(ids), "sample_type": "serum",
                          "cohort_id": pd.Series([None] * len(ids), dtype=object),
                          "n_ect": 20.0})
    for sid, values in extra.items():
        for col, value in values.items():
            frame.loc[frame["study_id"] == sid, col] = value
    return frame


def _within(meas, studies=None, window=(1.0, 6.0)):
    studies = studies if studies is not None else _studies(*meas["study_id"].unique())
    rows, excluded = contrasts.prepare(meas, studies, OUTCOME_CLASS)
    pairs, excluded_pairs = contrasts.select_within(rows, window)
    return pairs, pd.concat([excluded, excluded_pairs], ignore_index=True)


def _chosen(pairs, contrast, column):
    return pairs.loc[pairs["contrast"] == contrast, column].tolist()


# --- contrast selection --------------------------------------------------------------------

def test_acute_closest_to_3h_and_earlier_on_tie():
    meas = _meas(
        row("A", "baseline", 2.0, 1.0),
        row("A", "acute", 9.0, session=1, hours_after_session=0.5),  # outside the window
        row("A", "acute", 4.0, session=1, hours_after_session=2),   # |2 - 3| = 1: the earlier
        row("A", "acute", 5.0, session=1, hours_after_session=4),   # |4 - 3| = 1
        row("A", "acute", 6.0, session=1, hours_after_session=6),
        row("A", "acute", 7.0, session=2, hours_after_session=3),   # not session 1
        row("B", "baseline", 2.0, 1.0),
        row("B", "acute", 3.5, session=1, hours_after_session=1),
        row("B", "acute", 3.0, session=1, hours_after_session=3.5),  # closest
    )
    pairs, _ = _within(meas)
    acute = pairs[pairs["contrast"] == "acute"].set_index("study_id")
    assert acute.loc["A", "hours_after_session_after"] == 2
    assert acute.loc["A", "mean_c_after"] == 4.0
    assert acute.loc["B", "hours_after_session_after"] == 3.5


def test_acute_window_is_configurable_and_outside_rows_are_reported():
    meas = _meas(
        row("A", "baseline", 2.0, 1.0),
        row("A", "acute", 4.0, session=1, hours_after_session=2),
        row("A", "acute", 5.0, session=1, hours_after_session=8),
        row("M", "baseline", 2.0, 1.0),
        row("M", "acute", 4.0, session=1, hours_after_session=12),
    )
    pairs, excluded = _within(meas, window=(4.0, 10.0))
    assert _chosen(pairs, "acute", "hours_after_session_after") == [8.0]
    pairs, excluded = _within(meas)
    assert _chosen(pairs, "acute", "study_id") == ["A"]
    reasons = excluded[excluded["study_id"] == "M"]["reason"].tolist()
    assert reasons == ["acute: no sample 1 to 6 h after session 1 (sampled at 12 h)"]


def test_end_of_course_closest_to_48h():
    meas = _meas(
        row("A", "baseline", 2.0, 1.0),
        row("A", "end_of_course", 1.0, hours_after_last_session=24),   # 24 away
        row("A", "end_of_course", 1.5, hours_after_last_session=60),   # 12 away: chosen
        row("A", "end_of_course", 1.7, hours_after_last_session=96),
        row("B", "baseline", 2.0, 1.0),
        row("B", "end_of_course", 1.0, hours_after_last_session=36),   # tie with 60: earlier
        row("B", "end_of_course", 1.5, hours_after_last_session=60),
        row("C", "baseline", 2.0, 1.0),
        row("C", "end_of_course", 1.0),                                 # no hours: after any
        row("C", "end_of_course", 1.5, hours_after_last_session=200),
        row("D", "baseline", 2.0, 1.0),
        row("D", "end_of_course", 1.2),                                 # the only one: used
    )
    pairs, _ = _within(meas)
    end = pairs[pairs["contrast"] == "end_of_course"].set_index("study_id")
    assert end.loc["A", "hours_after_last_session_after"] == 60
    assert end.loc["B", "hours_after_last_session_after"] == 36
    assert end.loc["C", "hours_after_last_session_after"] == 200
    assert end.loc["D", "mean_c_after"] == 1.2


def test_follow_up_earliest():
    meas = _meas(
        row("A", "baseline", 2.0, 1.0),
        row("A", "follow_up", 1.0, weeks_after_course=12),
        row("A", "follow_up", 1.5, weeks_after_course=4),
        row("A", "follow_up", 1.7, weeks_after_course=26),
    )
    pairs, _ = _within(meas)
    assert _chosen(pairs, "follow_up", "weeks_after_course_after") == [4.0]
    assert _chosen(pairs, "follow_up", "mean_c_after") == [1.5]


def test_smcr_uses_baseline_sd_and_the_smaller_n():
    meas = _meas(row("A", "baseline", 3.1, 1.9, n=40),
                 row("A", "end_of_course", 2.6, 9.9, n=36, hours_after_last_session=48))
    pairs, _ = _within(meas)
    assert pairs["n_effect"].tolist() == [36]
    data = _report(meas, _studies("A"))
    res = _pick(synthesize(data), "IL-6", "end_of_course", 0.5, "PM")
    yi, vi = smcr(2.6, 3.1, 1.9, 36, 0.5)
    assert res["studies"][0]["yi"] == pytest.approx(float(yi), abs=1e-12)
    assert res["studies"][0]["vi"] == pytest.approx(float(vi), abs=1e-12)
    assert res["estimate"] == pytest.approx(float(yi), abs=1e-12)


def test_cohort_enters_once_with_the_largest_n():
    meas = _meas(
        row("P2012", "baseline", 2.0, 1.0, n=30),
        row("P2012", "end_of_course", 1.5, n=28, hours_after_last_session=48),
        row("P2014", "baseline", 2.0, 1.0, n=40),
        row("P2014", "end_of_course", 1.5, n=38, hours_after_last_session=48),
        row("Q2010", "baseline", 2.0, 1.0, n=25),
        row("Q2010", "end_of_course", 1.5, n=25, hours_after_last_session=48),
        row("Q2011", "baseline", 2.0, 1.0, n=25),
        row("Q2011", "end_of_course", 1.5, n=25, hours_after_last_session=48),
        row("Z", "baseline", 2.0, 1.0, n=20),
        row("Z", "end_of_course", 1.5, n=20, hours_after_last_session=48),
    )
    studies = _studies("P2012", "P2014", "Q2010", "Q2011", "Z",
                       P2012={"cohort_id": "p"}, P2014={"cohort_id": "p"},
                       Q2010={"cohort_id": "q"}, Q2011={"cohort_id": "q"})
    pairs, _ = _within(meas, studies)
    kept, excluded = contrasts.one_per_cohort(pairs)
    assert sorted(kept["study_id"]) == ["P2014", "Q2010", "Z"]  # largest n; the earlier on a tie
    assert excluded.to_dict("records") == [
        {"study_id": "P2012", "outcome": "IL-6",
         "reason": "end_of_course: same cohort (p) as P2014 (n 38), which enters instead"},
        {"study_id": "Q2011", "outcome": "IL-6",
         "reason": "end_of_course: same cohort (q) as Q2010 (n 25), which enters instead"},
    ]
    out = synthesize(_report(meas, studies))
    res = _pick(out, "IL-6", "end_of_course", 0.5, "DL")
    assert [s["study_id"] for s in res["studies"]] == ["P2014", "Q2010", "Z"]
    assert res["k"] == 3 and res["n"] == 38 + 25 + 20
    assert {"study_id": "P2012", "outcome": "IL-6",
            "reason": "end_of_course: same cohort (p) as P2014 (n 38), which enters instead"} \
        in out["excluded"]


def test_ect_vs_control_at_baseline_is_hedges_g():
    meas = _meas(row("A", "baseline", 5.0, 2.0, n=30),
                 row("A", "baseline", 4.0, 2.5, n=25, group="control"),
                 row("B", "baseline", 5.0, 2.0, n=30))  # no control group: no pair
    res = _pick(synthesize(_report(meas, _studies("A", "B"))), "IL-6", "ect_vs_control", None, "PM")
    yi, vi = smd(5, 2, 30, 4, 2.5, 25)
    assert res["measure"] == "SMD" and res["r"] is None
    assert res["studies"] == [{"study_id": "A", "n": 55, "yi": pytest.approx(float(yi)),
                               "vi": pytest.approx(float(vi)), "converted": False,
                               "conversion": None}]
    assert float(yi) == pytest.approx(0.4400206, abs=1e-6)


# --- conversions, units, exclusions --------------------------------------------------------

def test_median_and_quartiles_are_converted_and_marked():
    meas = _meas(
        row("A", "baseline", None, None, n=26, median=2.96, q1=2.10, q3=4.60),
        row("A", "end_of_course", None, None, n=24, median=2.60, q1=1.66, q3=3.97,
            hours_after_last_session=96),
        row("B", "baseline", 3.0, 1.2, n=20),
        row("B", "end_of_course", 2.7, 1.1, n=20, hours_after_last_session=48),
    )
    rows, _ = contrasts.prepare(meas, _studies("A", "B"), OUTCOME_CLASS)
    base = rows[(rows["study_id"] == "A") & (rows["timepoint"] == "baseline")].iloc[0]
    assert base["mean_c"] == pytest.approx(float(mean_from_iqr(2.10, 2.96, 4.60, 26)))
    assert base["sd_c"] == pytest.approx(float(sd_from_iqr(2.10, 4.60, 26)))
    assert bool(base["converted"])
    assert base["conversion"] == ("mean from median and quartiles (Luo 2018); "
                                  "SD from quartiles (Wan 2014)")
    res = _pick(synthesize(_report(meas, _studies("A", "B"))), "IL-6", "end_of_course", 0.5, "PM")
    by_id = {s["study_id"]: s for s in res["studies"]}
    assert by_id["A"]["converted"] is True
    assert by_id["A"]["conversion"] == (
        "baseline: mean from median and quartiles (Luo 2018); SD from quartiles (Wan 2014); "
        "end_of_course: mean from median and quartiles (Luo 2018)")
    assert by_id["B"]["converted"] is False and by_id["B"]["conversion"] is None
    after = float(mean_from_iqr(1.66, 2.60, 3.97, 24))
    yi, _ = smcr(after, base["mean_c"], base["sd_c"], 24, 0.5)
    assert by_id["A"]["yi"] == pytest.approx(float(yi))


def test_sd_from_se_and_ci_and_range():
    meas = _meas(
        row("A", "baseline", 3.0, None, n=25, se=0.4),
        row("B", "baseline", 3.0, None, n=25, ci_lower=2.2, ci_upper=3.8),
        row("C", "baseline", None, None, n=25, median=3.0, min=1.0, max=7.0),
    )
    rows, _ = contrasts.prepare(meas, _studies("A", "B", "C"), OUTCOME_CLASS)
    sd = dict(zip(rows["study_id"], rows["sd_c"], strict=True))
    note = dict(zip(rows["study_id"], rows["conversion"], strict=True))
    assert sd["A"] == pytest.approx(0.4 * 5)
    assert sd["B"] == pytest.approx(5 * 1.6 / (2 * 2.0638985616280205))  # t(0.975, 24)
    assert note["A"] == "SD from SE" and note["B"] == "SD from 95% CI"
    assert note["C"] == "mean from median and range (Luo 2018); SD from range (Wan 2014)"


def test_units_harmonised_before_effects():
    # CRP: baseline in mg/dL (0.30 = 3.0 mg/L), after in mg/L. Cytokine: ng/mL and ng/L.
    meas = _meas(
        row("A", "baseline", 0.30, 0.10, n=20, outcome="CRP", unit="mg/dL"),
        row("A", "end_of_course", 2.5, 1.0, n=20, outcome="CRP", unit="mg/L",
            hours_after_last_session=72),
        row("B", "baseline", 0.004, 0.002, n=20, unit="ng/mL"),
        row("B", "end_of_course", 3.0, 1.5, n=20, unit="ng/L", hours_after_last_session=48),
    )
    rows, excluded = contrasts.prepare(meas, _studies("A", "B"), OUTCOME_CLASS)
    assert excluded.empty
    assert rows["mean_c"].tolist() == pytest.approx([3.0, 2.5, 4.0, 3.0])
    assert rows["sd_c"].tolist() == pytest.approx([1.0, 1.0, 2.0, 1.5])
    assert rows["common_unit"].tolist() == ["mg/L", "mg/L", "pg/mL", "pg/mL"]
    out = synthesize(_report(meas, _studies("A", "B")))
    crp = _pick(out, "CRP", "end_of_course", 0.5, "PM")
    assert crp["studies"][0]["yi"] == pytest.approx(float(smcr(2.5, 3.0, 1.0, 20, 0.5).yi))
    il6 = _pick(out, "IL-6", "end_of_course", 0.5, "PM")
    assert il6["studies"][0]["yi"] == pytest.approx(float(smcr(3.0, 4.0, 2.0, 20, 0.5).yi))


def test_exclusions_with_reasons():
    meas = _meas(
        row("Stim", "baseline", 40.0, 10.0),
        row("Stim", "end_of_course", 30.0, 9.0, hours_after_last_session=48),
        row("Stim", "baseline", 25.0, 4.0, outcome="HAMD17", unit="points"),
        row("Stim", "end_of_course", 12.0, 5.0, outcome="HAMD17", unit="points",
            hours_after_last_session=48),
        row("Arb", "baseline", 1.0, 0.2, unit="AU"),
        row("Arb", "end_of_course", 1.1, 0.2, unit="AU", hours_after_last_session=48),
        row("NoSd", "baseline", 3.0, None),
        row("NoSd", "end_of_course", 2.5, None, hours_after_last_session=48),
        row("NoBase", "end_of_course", 2.5, 1.0, hours_after_last_session=48),
        row("Ok", "baseline", 3.0, 1.0),
        row("Ok", "end_of_course", 2.5, 1.0, hours_after_last_session=48),
    )
    studies = _studies("Stim", "Arb", "NoSd", "NoBase", "Ok",
                       Stim={"sample_type": "whole_blood_stimulated"})
    out = synthesize(_report(meas, studies))
    assert out["excluded"] == [
        {"study_id": "Arb", "outcome": "IL-6",
         "reason": "arbitrary units (AU): not comparable across studies"},
        {"study_id": "NoBase", "outcome": "IL-6",
         "reason": "no baseline: change from baseline cannot be computed"},
        {"study_id": "NoSd", "outcome": "IL-6",
         "reason": "end_of_course: no usable baseline SD (no sd, se, CI, quartiles or range)"},
        {"study_id": "Stim", "outcome": "IL-6",
         "reason": "stimulated samples (whole_blood_stimulated): ex vivo production, "
                   "not circulating levels"},
    ]
    il6 = _pick(out, "IL-6", "end_of_course", 0.5, "PM")
    assert [s["study_id"] for s in il6["studies"]] == ["Ok"]
    # A clinical scale is not a sample: the stimulated study's HAMD17 still enters.
    hamd = _pick(out, "HAMD17", "end_of_course", 0.5, "PM")
    assert [s["study_id"] for s in hamd["studies"]] == ["Stim"]


def test_rows_with_schema_errors_are_left_out():
    meas = _meas(row("A", "baseline", 3.0, 1.0), row("A", "end_of_course", 2.5, 1.0,
                                                     hours_after_last_session=48),
                 row("B", "baseline", 3.0, 1.0), row("B", "end_of_course", 2.0, 1.0,
                                                     hours_after_last_session=48))
    bad = SimpleNamespace(kind="schema", severity="error", table="measurements", row=5)
    study_bad = SimpleNamespace(kind="schema", severity="error", table="studies", row=2)
    out = synthesize(_report(meas, _studies("A", "B"), findings=[bad]))
    res = _pick(out, "IL-6", "end_of_course", 0.5, "PM")
    assert [s["study_id"] for s in res["studies"]] == ["A"]  # B's end-of-course row is row 5
    assert {"study_id": "B", "outcome": "IL-6",
            "reason": "schema errors in measurements row(s) 5: left out"} in out["excluded"]
    out = synthesize(_report(meas, _studies("A", "B"), findings=[study_bad]))
    res = _pick(out, "IL-6", "end_of_course", 0.5, "PM")
    assert [s["study_id"] for s in res["studies"]] == ["B"]
    assert out["excluded"] == [{"study_id": "A", "outcome": "IL-6",
                                "reason": "schema errors in studies row 2: the study is left out"}]


# --- sensitivity ---------------------------------------------------------------------------

def _five_studies():
    ids = ["S1", "S2", "S3", "S4", "S5"]
    after = [2.0, 2.4, 1.9, 2.8, 2.2]
    rows = []
    for sid, a in zip(ids, after, strict=True):
        rows += [row(sid, "baseline", 3.0, 1.0, n=30),
                 row(sid, "end_of_course", a, 1.0, n=30, hours_after_last_session=48)]
    quality = [
        {"study_id": "S1", "domains": {"confounding": "high", "timing": "low"}, "overall": "high"},
        {"study_id": "S2", "domains": {"confounding": "low", "timing": "high"},
         "overall": "some_concerns"},
        {"study_id": "S3", "domains": {"confounding": "low", "comparison": "high"},
         "overall": "high"},
        {"study_id": "S4", "domains": {"confounding": "low"}, "overall": "low"},
    ]  # S5 not assessed: no information
    return _report(_meas(*rows), _studies(*ids), quality=quality)


def test_sensitivity_sets_and_names():
    report = _five_studies()
    out = synthesize(report)
    res = _pick(out, "IL-6", "end_of_course", 0.5, "PM")
    names = [s["analysis"] for s in res["sensitivity"]]
    assert names == ["without high: confounding, timing", "without overall high", "r = 0.3",
                     "r = 0.7", "leave out S1", "leave out S2", "leave out S3", "leave out S4",
                     "leave out S5"]
    by_name = {s["analysis"]: s for s in res["sensitivity"]}
    assert by_name["without high: confounding, timing"]["k"] == 3   # S1, S2 out
    assert by_name["without high: confounding, timing"]["n"] == 90
    assert by_name["without overall high"]["k"] == 3                # S1, S3 out
    assert by_name["r = 0.3"]["k"] == 5 and by_name["leave out S1"]["k"] == 4
    assert by_name["leave out S1"]["n"] == 120
    assert all(set(s) == FIGURE_KEYS for s in res["sensitivity"])
    # The without-high figures are the pooling of the remaining studies.
    from ectqa.synthesis.pooling import pool

    keep = [s for s in res["studies"] if s["study_id"] in ("S3", "S4", "S5")]
    p = pool([s["yi"] for s in keep], [s["vi"] for s in keep], "PM")
    assert by_name["without high: confounding, timing"]["estimate"] == pytest.approx(p.estimate)
    # Other domains, or none, on request.
    out = synthesize(report, Settings(sensitivity_domains=("comparison",)))
    res = _pick(out, "IL-6", "end_of_course", 0.5, "PM")
    assert res["sensitivity"][0]["analysis"] == "without high: comparison"
    assert res["sensitivity"][0]["k"] == 4
    out = synthesize(report, Settings(sensitivity_domains=()))
    res = _pick(out, "IL-6", "end_of_course", 0.5, "PM")
    assert res["sensitivity"][0]["analysis"] == "without overall high"


def test_everything_removed_gives_k0_with_nulls():
    report = _five_studies()
    for q in report.quality:
        q["overall"] = "high"
    report.quality.append({"study_id": "S5", "domains": {}, "overall": "high"})
    res = _pick(synthesize(report), "IL-6", "end_of_course", 0.5, "PM")
    empty = res["sensitivity"][1]
    assert empty == {"analysis": "without overall high", "k": 0, "n": 0, "estimate": None,
                     "ci_lower": None, "ci_upper": None, "pi_lower": None, "pi_upper": None,
                     "tau2": None, "i2": None}


def test_correlations_and_methods_and_verdict():
    out = synthesize(_five_studies(), Settings(r=0.6, methods=("DL",)))
    combos = [(r["r"], r["method"]) for r in out["results"]]
    assert combos == [(0.6, "DL"), (0.3, "DL"), (0.7, "DL")]
    main_r = out["results"][0]
    assert [s["analysis"] for s in main_r["sensitivity"]][2:4] == ["r = 0.3", "r = 0.7"]
    assert main_r["verdict"] in ("too few studies", "direction changes", "significance lost",
                                 "direction robust")
    assert main_r["verdict"] == "direction robust"  # all five studies fall clearly


@pytest.mark.parametrize("kwargs", [{"r": 1.5}, {"acute_window": (6.0, 1.0)},
                                    {"sensitivity_domains": ("nonsense",)},
                                    {"methods": ("REML",)}])
def test_bad_settings_are_input_errors(kwargs):
    with pytest.raises(InputError):
        Settings(**kwargs)


# --- JSON ----------------------------------------------------------------------------------

def _check_shape(data: dict) -> None:
    assert set(data) >= {"results", "excluded"}
    for res in data["results"]:
        assert set(res) == RESULT_KEYS
        assert res["contrast"] in contrasts.CONTRASTS
        assert res["method"] in ("DL", "PM")
        if res["contrast"] == "ect_vs_control":
            assert res["measure"] == "SMD" and res["r"] is None
        else:
            assert res["measure"] == "SMCR" and isinstance(res["r"], float)
        assert res["k"] == len(res["studies"]) >= 1
        assert res["n"] == sum(s["n"] for s in res["studies"])
        assert res["ci_lower"] <= res["estimate"] <= res["ci_upper"]
        assert isinstance(res["verdict"], str)
        for s in res["sensitivity"]:
            assert set(s) == FIGURE_KEYS
        for s in res["studies"]:
            assert set(s) >= STUDY_KEYS and isinstance(s["converted"], bool)
    for e in data["excluded"]:
        assert set(e) == {"study_id", "outcome", "reason"}


def test_json_shape_no_nan_and_deterministic():
    report = _five_studies()
    text = as_json(synthesize(report))
    assert "NaN" not in text and "Infinity" not in text
    data = json.loads(text)
    _check_shape(data)
    assert as_json(synthesize(report)) == text
    # Non-finite values become null.
    assert json.loads(as_json({"results": [{"x": float("nan")}], "excluded": []}))["results"] \
        == [{"x": None}]


# --- the command ---------------------------------------------------------------------------

SMALL = ("Varga2004", "Okonkwo2011", "Lindqvist2016", "Janssen2000", "Tanaka2019",
         "Lehmann1999", "Hirano2012", "Hirano2014")


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """A few studies of the clean sample (medians, AU, stimulated, a shared cohort): fast."""
    folder = tmp_path_factory.mktemp("small")
    for name in ("studies.csv", "measurements.csv"):
        lines = (SAMPLE / "clean" / name).read_text(encoding="utf-8").splitlines(keepends=True)
        keep = [lines[0], *(ln for ln in lines[1:] if ln.split(",", 1)[0] in SMALL)]
        (folder / name).write_text("".join(keep), encoding="utf-8")
    return folder


def _run(args, **kwargs):
    result = CliRunner().invoke(main, ["synthesize", *map(str, args)], **kwargs)
    return result


@pytest.mark.parametrize("dataset", ["clean", "extraction"])
def test_end_to_end_json_on_sample_data(dataset):
    result = _run([SAMPLE / dataset, "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    _check_shape(data)
    keys = {(r["outcome"], r["contrast"]) for r in data["results"]}
    assert {("IL-6", "acute"), ("IL-6", "end_of_course"), ("IL-6", "follow_up"),
            ("IL-6", "ect_vs_control"), ("TNF-α", "end_of_course"),
            ("HAMD17", "end_of_course")} <= keys
    reasons = {(e["study_id"], e["outcome"]): e["reason"] for e in data["excluded"]}
    assert reasons[("Tanaka2019", "IL-6")].startswith("arbitrary units (AU)")
    assert reasons[("Lehmann1999", "IL-6")].startswith("stimulated samples")
    assert reasons[("Hirano2014", "MADRS")].startswith("end_of_course: same cohort")
    il6 = next(r for r in data["results"] if (r["outcome"], r["contrast"], r["r"], r["method"])
               == ("IL-6", "acute", 0.5, "PM"))
    ids = [s["study_id"] for s in il6["studies"]]
    assert "Lehmann1999" not in ids and "Tanaka2019" not in ids and "Mwangi2018" not in ids
    assert il6["estimate"] > 0  # IL-6 rises hours after a session
    assert any(s["converted"] for s in il6["studies"])  # Janssen2000: medians
    _assert_finite(data)  # the JSON writer refuses NaN; check nothing slipped through as inf
    if dataset == "extraction":
        assert any(e["reason"].startswith("schema errors") for e in data["excluded"])
        assert reasons[("Okonkwo2101", "TNF-α")] == \
            "schema errors in measurements row(s) 20: left out"
        assert reasons[("Dragan2001", "cortisol")] == \
            "schema errors in studies row 43: the study is left out"


def test_terminal_output_and_output_file(tmp_path, small):
    out = tmp_path / "synthesis.json"
    result = _run([small, "--output", out, "--method", "PM", "--r", "0.4"],
                  env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    assert "Estimate [95% CI]" in result.stdout and "Left out" in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) <= 80
    data = json.loads(out.read_text(encoding="utf-8"))
    assert {r["method"] for r in data["results"]} == {"PM"}
    assert {r["r"] for r in data["results"]} == {0.4, 0.3, 0.7, None}
    assert data["parameters"]["r"] == 0.4


def test_bad_options_exit_2(small):
    result = _run([small, "--sensitivity-domains", "bogus"])
    assert result.exit_code == 2
    result = _run([small, "--r", "1"])
    assert result.exit_code == 2
    assert "--r 1" in result.stderr


def test_excel_gets_the_synthesis(tmp_path, monkeypatch, small):
    calls = []
    fake = types.ModuleType("ectqa.reports.excel")
    fake.write_report = lambda report, path, colour_blind=False, synthesis=None: calls.append(
        (path, colour_blind, synthesis))
    monkeypatch.setitem(sys.modules, "ectqa.reports.excel", fake)
    result = _run([small, "--format", "json", "--excel", tmp_path / "q.xlsx"])
    assert result.exit_code == 0, result.output
    (path, colour_blind, synthesis), = calls
    assert path == tmp_path / "q.xlsx" and colour_blind is False
    assert json.loads(as_json({"results": synthesis, "excluded": []}))["results"] == \
        json.loads(result.stdout)["results"]


def test_figures_written(tmp_path):
    pytest.importorskip("matplotlib")
    report = _five_studies()
    meas = report.dataset.tables["measurements"].frame
    extra = _meas(row("S1", "baseline", 4.0, 1.0, n=30, group="control"),
                  row("S1", "baseline", 3.0, 1.0, n=30))
    report = _report(pd.concat([meas, extra.iloc[[0]]], ignore_index=True),
                     report.dataset.tables["studies"].frame, quality=report.quality)
    synthesis = synthesize(report, Settings(methods=("PM",)))
    paths = write_figures(synthesis, report, tmp_path / "figs")
    names = sorted(p.name for p in paths)
    assert names == ["forest_IL-6_ect_vs_control.png", "forest_IL-6_end_of_course.png",
                     "summary.png", "traffic_light.png"]
    for p in paths:
        assert p.stat().st_size > 1000 and p.with_suffix(".svg").exists()


def test_nothing_heavy_at_import():
    code = """
import sys
import ectqa.cli, ectqa.check
assert not any(m.startswith("ectqa.synthesis") for m in sys.modules), "check imports synthesis"
import ectqa.synthesis.command
assert "pandas" not in sys.modules and "numpy" not in sys.modules, "command is not light"
"""
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


# --- helpers -------------------------------------------------------------------------------

def _assert_finite(x) -> None:
    if isinstance(x, float):
        assert math.isfinite(x)
    elif isinstance(x, dict):
        for v in x.values():
            _assert_finite(v)
    elif isinstance(x, list):
        for v in x:
            _assert_finite(v)


def _report(meas: pd.DataFrame, studies: pd.DataFrame, quality=None, findings=()):
    tables = {
        "measurements": SimpleNamespace(frame=meas, rows=np.arange(2, len(meas) + 2),
                                        file="measurements.csv"),
        "studies": SimpleNamespace(frame=studies, rows=np.arange(2, len(studies) + 2),
                                   file="studies.csv"),
    }
    return SimpleNamespace(
        path=Path("test"), config=SimpleNamespace(dictionary=DICTIONARY),
        dataset=SimpleNamespace(tables=tables), findings=list(findings),
        quality=list(quality) if quality is not None else [],
    )


def _pick(out, outcome, contrast, r, method):
    found = [x for x in out["results"] if (x["outcome"], x["contrast"], x["method"]) ==
             (outcome, contrast, method) and (x["r"] == r or (r is None and x["r"] is None))]
    assert len(found) == 1, [(x["outcome"], x["contrast"], x["r"], x["method"])
                             for x in out["results"]]
    return found[0]
