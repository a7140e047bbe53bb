"""Tests for ectqa.synthesis: effect sizes, conversions, pooling and the robustness verdict.

Reference values come from R's metafor 3.8-1 (tests/reference/metafor_reference.R writes
tests/reference/metafor_reference.json); these tests read only the JSON and do not need R.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ectqa.synthesis import (
    COMMON_UNITS,
    Z_975,
    Pooled,
    leave_one_out,
    mean_from_five,
    mean_from_iqr,
    mean_from_range,
    pool,
    sd_from_five,
    sd_from_iqr,
    sd_from_range,
    small_sample_correction,
    smcr,
    smd,
    to_common_unit,
    unit_factor,
    verdict,
)

REFERENCE = Path(__file__).parent / "reference" / "metafor_reference.json"
TOL = 1e-6  # absolute agreement with metafor demanded for every value

POOLED_FIELDS = {  # Pooled attribute -> name in the fixture (metafor's)
    "k": "k",
    "estimate": "estimate",
    "se": "se",
    "ci_lower": "ci_lb",
    "ci_upper": "ci_ub",
    "pi_lower": "pi_lb",
    "pi_upper": "pi_ub",
    "tau2": "tau2",
    "i2": "I2",
    "q": "QE",
}


@pytest.fixture(scope="module")
def ref() -> dict:
    with REFERENCE.open(encoding="utf-8") as fh:
        return json.load(fh)


def _effects(ref: dict, name: str) -> tuple[np.ndarray, np.ndarray]:
    """The effect set ``name`` as computed by ectqa (not read from the fixture)."""
    if name in ref["direct"]:
        d = ref["direct"][name]
        return np.asarray(d["yi"], float), np.asarray(d["vi"], float)
    if name.startswith("SMCR"):
        pp = ref["prepost"]
        r = ref["effects"][name]["r"]
        return smcr(pp["after"], pp["before"], pp["sd_before"], pp["n"], r)
    tg = ref["twogroup"]
    return smd(tg["m1"], tg["sd1"], tg["n1"], tg["m2"], tg["sd2"], tg["n2"])


# --- effect sizes against metafor -----------------------------------------------------------

def test_fixture_is_from_metafor(ref):
    assert ref["metafor_version"].startswith("3.8")
    assert set(ref["effects"]) == {"SMCR_r0.3", "SMCR_r0.5", "SMCR_r0.7", "SMD"}
    assert len(ref["prepost"]["n"]) == 12


@pytest.mark.parametrize("name", ["SMCR_r0.3", "SMCR_r0.5", "SMCR_r0.7", "SMD"])
def test_effects_match_metafor_escalc(ref, name):
    yi, vi = _effects(ref, name)
    np.testing.assert_allclose(yi, ref["effects"][name]["yi"], rtol=0, atol=TOL)
    np.testing.assert_allclose(vi, ref["effects"][name]["vi"], rtol=0, atol=TOL)


def test_brief_check_value_smcr():
    # Brief (metafor 3.8-1): m_after 2.6, m_before 3.1, sd_before 1.9, n 40, r 0.5.
    e = smcr(2.6, 3.1, 1.9, 40, 0.5)
    assert float(e.yi) == pytest.approx(-0.25805901, abs=5e-9)
    assert float(e.vi) == pytest.approx(0.02583243, abs=5e-9)


def test_brief_check_value_smd():
    # Brief: 5 vs 4, sd 2 and 2.5, n 30 and 25.
    e = smd(5, 2, 30, 4, 2.5, 25)
    assert float(e.yi) == pytest.approx(0.4400206, abs=5e-8)
    assert float(e.vi) == pytest.approx(0.0750935, abs=5e-8)


def test_small_sample_correction_is_exact_gamma_form():
    # c(2) = Gamma(1) / (1 * Gamma(1/2)) = 1 / sqrt(pi)
    assert float(small_sample_correction(2)) == pytest.approx(1 / math.sqrt(math.pi), rel=1e-14)
    # c(3) = Gamma(3/2) / (sqrt(3/2) Gamma(1)) = (sqrt(pi)/2) / sqrt(1.5)
    assert float(small_sample_correction(3)) == pytest.approx(
        math.sqrt(math.pi) / 2 / math.sqrt(1.5), rel=1e-14)
    # Large m: Hedges' approximation 1 - 3/(4m - 1) agrees to O(m^-2).
    m = np.array([50.0, 200.0, 1e4])
    np.testing.assert_allclose(small_sample_correction(m), 1 - 3 / (4 * m - 1), atol=1e-4)
    # m <= 1 is undefined, as in metafor.
    assert np.isnan(small_sample_correction(1))


def test_effects_vectorise_and_give_nan_for_impossible_rows():
    yi, vi = smcr([2.6, 2.6, 2.6, 2.6], 3.1, [1.9, 0.0, 1.9, 1.9], [40, 40, 1, 40],
                  [0.5, 0.5, 0.5, 2])
    assert yi.shape == vi.shape == (4,)
    assert np.isfinite(yi[0]) and np.isnan(yi[1:]).all() and np.isnan(vi[1:]).all()
    yi, vi = smd([5, 5], [2, -1], [30, 30], 4, 2.5, 25)
    assert np.isfinite(yi[0]) and np.isnan(yi[1]) and np.isnan(vi[1])
    assert isinstance(smd(5, 2, 30, 4, 2.5, 25).yi, np.floating)


def test_effect_sign_convention():
    # Positive = higher after than before / higher in ECT than in controls.
    assert float(smcr(4.0, 3.0, 1.0, 20).yi) > 0
    assert float(smd(4.0, 1.0, 20, 3.0, 1.0, 20).yi) > 0


# --- pooling against metafor ----------------------------------------------------------------

def _analysis_id(a: dict) -> str:
    return f"{a['effects']}-{a['method']}"


def test_pooling_matches_metafor_rma_and_predict(ref):
    worst = 0.0
    for a in ref["analyses"]:
        yi, vi = _effects(ref, a["effects"])
        p = pool(yi, vi, a["method"])
        assert p.method == a["method"]
        for field, key in POOLED_FIELDS.items():
            diff = abs(getattr(p, field) - a[key])
            worst = max(worst, diff)
            assert diff <= TOL, f"{_analysis_id(a)} {field}: {getattr(p, field)} vs {a[key]}"
    assert worst <= TOL


def test_fixture_covers_zero_and_positive_tau2(ref):
    tau2 = {_analysis_id(a): a["tau2"] for a in ref["analyses"]}
    assert tau2["homogeneous-PM"] == 0 and tau2["homogeneous-DL"] == 0
    assert tau2["SMCR_r0.5-PM"] > 0 and tau2["SMD-PM"] > 0 and tau2["two_studies-PM"] > 0


@pytest.mark.parametrize("method", ["DL", "PM"])
def test_leave_one_out_matches_metafor_leave1out(ref, method):
    yi, vi = _effects(ref, "SMCR_r0.5")
    loo = leave_one_out(yi, vi, method)
    expected = ref["leave1out_SMCR_r0.5"][method]
    assert len(loo) == 12 and all(p.k == 11 for p in loo)
    for field, key in [("estimate", "estimate"), ("se", "se"), ("ci_lower", "ci_lb"),
                       ("ci_upper", "ci_ub"), ("tau2", "tau2"), ("i2", "I2"), ("q", "QE")]:
        np.testing.assert_allclose([getattr(p, field) for p in loo], expected[key],
                                   rtol=0, atol=TOL, err_msg=field)


def test_z_is_the_normal_quantile_not_1_96():
    assert Z_975 == pytest.approx(1.959963984540054, abs=1e-15)


def test_single_study_is_returned_as_itself():
    p = pool([0.4], [0.09], "PM")
    assert (p.k, p.estimate, p.se, p.tau2, p.i2, p.q) == (1, 0.4, 0.3, 0.0, 0.0, 0.0)
    assert p.ci_lower == pytest.approx(0.4 - Z_975 * 0.3)
    assert (p.pi_lower, p.pi_upper) == (p.ci_lower, p.ci_upper)
    assert leave_one_out([0.4], [0.09]) == []


def test_pooled_is_frozen():
    p = pool([0.1, 0.2], [0.01, 0.02], "DL")
    with pytest.raises(AttributeError):
        p.estimate = 0.0  # type: ignore[misc]


@pytest.mark.parametrize("yi, vi", [([], []), ([0.1, 0.2], [0.01]), ([0.1, 0.2], [0.01, 0.0]),
                                    ([0.1, float("nan")], [0.01, 0.02])])
def test_pool_rejects_bad_input(yi, vi):
    with pytest.raises(ValueError):
        pool(yi, vi)


def test_pool_rejects_unknown_method():
    with pytest.raises(ValueError, match="method"):
        pool([0.1, 0.2], [0.01, 0.02], "REML")  # type: ignore[arg-type]


def _gen_q(tau2, yi, vi):
    w = 1 / (np.asarray(vi) + tau2)
    mu = np.sum(w * yi) / np.sum(w)
    return float(np.sum(w * (np.asarray(yi) - mu) ** 2))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(-3, 3), st.floats(0.005, 1.0)), min_size=2, max_size=15))
def test_pm_solves_its_estimating_equation(studies):
    yi = np.array([s[0] for s in studies])
    vi = np.array([s[1] for s in studies])
    p = pool(yi, vi, "PM")
    k = len(studies)
    assert p.tau2 >= 0 and 0 <= p.i2 < 100
    if p.tau2 > 0:
        assert _gen_q(p.tau2, yi, vi) == pytest.approx(k - 1, abs=1e-8)
    else:
        assert _gen_q(0.0, yi, vi) <= k - 1 + 1e-9
    assert p.ci_lower <= p.estimate <= p.ci_upper
    assert p.pi_lower <= p.ci_lower and p.pi_upper >= p.ci_upper


def test_pm_tau2_zero_when_no_positive_root():
    # Identical effects: the generalised Q is 0 < k - 1 at tau2 = 0.
    p = pool([0.3, 0.3, 0.3], [0.01, 0.02, 0.03], "PM")
    assert p.tau2 == 0.0 and p.i2 == 0.0


# --- verdict --------------------------------------------------------------------------------

def _p(estimate: float, lo: float, hi: float, k: int = 5) -> Pooled:
    return Pooled(k=k, estimate=estimate, se=(hi - lo) / (2 * Z_975), ci_lower=lo, ci_upper=hi,
                  pi_lower=lo - 0.1, pi_upper=hi + 0.1, tau2=0.0, i2=0.0, q=1.0, method="PM")


def test_verdict_too_few_studies_first():
    # k < 3 wins even when sensitivity results would flip the sign.
    assert verdict(_p(0.5, 0.2, 0.8, k=2), [_p(-0.5, -0.8, -0.2)]) == "too few studies"


def test_verdict_direction_changes():
    sensitivity = [_p(0.4, 0.1, 0.7), _p(-0.1, -0.4, 0.2)]
    assert verdict(_p(0.5, 0.2, 0.8), sensitivity) == "direction changes"


def test_verdict_direction_outranks_lost_significance():
    # The flipped analysis also has a CI spanning 0; direction is reported.
    sensitivity = [_p(0.3, -0.1, 0.7), _p(-0.1, -0.5, 0.3)]
    assert verdict(_p(0.5, 0.2, 0.8), sensitivity) == "direction changes"


def test_verdict_significance_lost():
    # The second CI touches 0 (upper bound exactly 0): that counts as including it.
    sensitivity = [_p(-0.4, -0.7, -0.1), _p(-0.3, -0.6, 0.0)]
    assert verdict(_p(-0.5, -0.8, -0.2), sensitivity) == "significance lost"


def test_verdict_direction_robust():
    assert verdict(_p(0.5, 0.2, 0.8), [_p(0.4, 0.1, 0.7), _p(0.6, 0.3, 0.9)]) == "direction robust"
    # Not significant to begin with: a CI spanning 0 loses nothing.
    assert verdict(_p(0.2, -0.1, 0.5), [_p(0.1, -0.2, 0.4)]) == "direction robust"
    # No sensitivity analyses at all.
    assert verdict(_p(0.5, 0.2, 0.8), []) == "direction robust"


def test_verdict_ignores_empty_sensitivity_analyses_and_zero_estimates():
    empty = _p(float("nan"), float("nan"), float("nan"), k=0)
    assert verdict(_p(0.5, 0.2, 0.8), [empty, _p(0.4, 0.1, 0.7)]) == "direction robust"
    # An estimate of exactly 0 is not a change of sign, but its CI includes 0.
    assert verdict(_p(0.5, 0.2, 0.8), [_p(0.0, -0.3, 0.3)]) == "significance lost"


def test_verdict_on_real_leave_one_out(ref):
    yi, vi = _effects(ref, "SMCR_r0.5")
    full = pool(yi, vi, "PM")
    # The fixture's pooled CI only just excludes 0 (upper bound about -0.001).
    assert full.ci_upper < 0
    assert verdict(full, leave_one_out(yi, vi, "PM")) == "significance lost"


# --- conversions ----------------------------------------------------------------------------

def test_conversions_match_independent_r_implementation(ref):
    c = ref["conversions"]
    keys = ("min", "q1", "median", "q3", "max", "n")
    a, q1, m, q3, b, n = (np.asarray(c[k], float) for k in keys)
    checks = {
        "mean_range": mean_from_range(a, m, b, n),
        "mean_iqr": mean_from_iqr(q1, m, q3, n),
        "mean_five": mean_from_five(a, q1, m, q3, b, n),
        "sd_range": sd_from_range(a, b, n),
        "sd_iqr": sd_from_iqr(q1, q3, n),
        "sd_five": sd_from_five(a, q1, q3, b, n),
    }
    for key, got in checks.items():
        np.testing.assert_allclose(got, c[key], rtol=0, atol=TOL, err_msg=key)


# Worked example for every formula: min 2, q1 4, median 5, q3 7, max 12, n 25.

def test_luo_mean_from_range_worked():
    # n^0.75 = 25^0.75 = 11.18034; w = 4 / (4 + 11.18034) = 0.2634987
    # mean = 0.2634987 * (2 + 12)/2 + (1 - 0.2634987) * 5 = 1.8444910 + 3.6825064 = 5.5269974
    assert float(mean_from_range(2, 5, 12, 25)) == pytest.approx(5.5269974, abs=1e-7)


def test_luo_mean_from_iqr_worked():
    # (0.7 + 0.39/25) = 0.7156; (0.3 - 0.39/25) = 0.2844
    # mean = 0.7156 * (4 + 7)/2 + 0.2844 * 5 = 3.9358 + 1.422 = 5.3578
    assert float(mean_from_iqr(4, 5, 7, 25)) == pytest.approx(5.3578, abs=1e-12)


def test_luo_mean_from_five_worked():
    # w1 = 2.2 / (2.2 + 11.18034) = 0.1644203; 25^0.55 = 5.8730947, w2 = 0.7 - 0.72/5.8730947
    #    = 0.5774071; mean = 0.1644203 * 7 + 0.5774071 * 5.5 + (1 - 0.1644203 - 0.5774071) * 5
    #    = 1.1509424 + 3.1757388 + 1.2908630 = 5.6175442
    assert float(mean_from_five(2, 4, 5, 7, 12, 25)) == pytest.approx(5.6175442, abs=1e-7)


def test_wan_sd_from_range_worked():
    # (25 - 0.375)/(25 + 0.25) = 0.9752475; Phi^-1(0.9752475) = 1.9642168; xi = 3.9284337
    # SD = (12 - 2) / 3.9284337 = 2.5455438
    assert float(sd_from_range(2, 12, 25)) == pytest.approx(2.5455438, abs=1e-7)


def test_wan_sd_from_iqr_worked():
    # (0.75 * 25 - 0.125)/(25 + 0.25) = 0.7376238; Phi^-1(0.7376238) = 0.6360367;
    # eta = 1.2720735; SD = (7 - 4) / 1.2720735 = 2.3583543
    assert float(sd_from_iqr(4, 7, 25)) == pytest.approx(2.3583543, abs=1e-7)


def test_wan_sd_from_five_worked():
    # SD = (12 - 2)/(2 * 3.9284337) + (7 - 4)/(2 * 1.2720735) = 1.2727719 + 1.1791772 = 2.4519491
    assert float(sd_from_five(2, 4, 7, 12, 25)) == pytest.approx(2.4519491, abs=1e-7)


def test_iqr_of_a_normal_sample_gives_its_sd_for_large_n():
    # For a normal distribution the IQR is 1.34898 SD, the eta limit as n grows.
    assert float(sd_from_iqr(-0.6744898, 0.6744898, 1e9)) == pytest.approx(1.0, abs=1e-6)


def test_conversions_vectorise_and_reject_tiny_n():
    got = mean_from_range([2, 2], [5, 5], [12, 12], [25, 0])
    assert got.shape == (2,) and np.isfinite(got[0]) and np.isnan(got[1])
    assert np.isnan(sd_from_range(1, 3, 1))


# --- units ----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "outcome_class, outcome, unit, value, expected, common",
    [
        ("acute_phase", "CRP", "mg/dL", 0.35, 3.5, "mg/L"),
        ("acute_phase", "CRP", "µg/mL", 2.0, 2.0, "mg/L"),
        ("acute_phase", "CRP", "nmol/L", 95.2, 10.0, "mg/L"),
        ("acute_phase", "CRP", "mg/L", 1.2, 1.2, "mg/L"),
        ("cytokine", "IL-6", "ng/L", 4.2, 4.2, "pg/mL"),
        ("cytokine", "TNF-α", "ng/mL", 0.004, 4.0, "pg/mL"),
        ("neurotrophic", "BDNF", "ng/mL", 25.0, 25000.0, "pg/mL"),
        ("neuroendocrine", "cortisol", "µg/dL", 10.0, 275.9, "nmol/L"),
        ("neuroendocrine", "cortisol", "ng/mL", 100.0, 275.9, "nmol/L"),
        ("neuroendocrine", "ACTH", "ng/mL", 0.02, 20.0, "pg/mL"),
        ("kynurenine", "kynurenine", "nmol/L", 1800.0, 1.8, "µmol/L"),
        ("clinical_scale", "HAMD17", "points", 24.0, 24.0, "points"),
    ],
)
def test_to_common_unit(outcome_class, outcome, unit, value, expected, common):
    got, unit_out = to_common_unit(value, outcome_class, outcome, unit)
    assert float(got) == pytest.approx(expected, rel=1e-12)
    assert unit_out == common


def test_arbitrary_units_are_not_convertible():
    got, unit_out = to_common_unit([1.0, 2.0], "cytokine", "IL-6", "AU")
    assert np.isnan(got).all() and unit_out is None
    # A unit the class does not accept, or a molar hormone other than cortisol.
    factor, common = unit_factor("cytokine", "IL-6", "mg/dL")
    assert math.isnan(factor) and common is None
    assert unit_factor("neuroendocrine", "ACTH", "nmol/L")[1] is None


def test_unit_spellings():
    # U+03BC GREEK MU is the same as U+00B5 MICRO SIGN; ug and lower case are accepted.
    assert unit_factor("acute_phase", "CRP", "\u03bcg/mL") == (1.0, "mg/L")
    assert unit_factor("neuroendocrine", "Cortisol", "ug/dl") == (27.59, "nmol/L")
    assert unit_factor("cytokine", "IL-6", "pg/ml") == (1.0, "pg/mL")


def test_to_common_unit_vectorised_over_rows():
    values = np.array([0.3, 3.0, 4.0, 1.0, 10.0])
    classes = ["acute_phase", "acute_phase", "cytokine", "cytokine", "neuroendocrine"]
    outcomes = ["CRP", "CRP", "IL-6", "IL-6", "cortisol"]
    units = ["mg/dL", "mg/L", "ng/L", "AU", "µg/dL"]
    got, common = to_common_unit(values, classes, outcomes, units)
    np.testing.assert_allclose(got, [3.0, 3.0, 4.0, np.nan, 275.9])
    assert common.tolist() == ["mg/L", "mg/L", "pg/mL", None, "nmol/L"]
    # One label for a whole column broadcasts.
    got, common = to_common_unit([[0.1, 0.2]], "acute_phase", "CRP", ["mg/dL", "mg/L"])
    np.testing.assert_allclose(got, [[1.0, 0.2]])
    assert common.tolist() == [["mg/L", "mg/L"]]


def test_common_units_cover_the_dictionary_classes():
    assert COMMON_UNITS["cytokine"] == "pg/mL" and COMMON_UNITS["acute_phase"] == "mg/L"
