"""Tests of ectqa.forensics: worked examples with their arithmetic, and property tests."""

import subprocess
import sys
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ectqa.forensics import (
    decimals_of_float,
    decimals_of_number_format,
    decimals_of_text,
    grim_check,
    grim_percent_check,
    grimmer_check,
    p_check,
    p_interval,
    recompute_p,
    rounding_interval,
    sd_ci_check,
    sd_possibly_se,
    sd_se_check,
)

SRC = Path(__file__).resolve().parents[1] / "src"
ROUNDINGS = [ROUND_HALF_UP, ROUND_HALF_EVEN]


def rounded(value: Fraction | Decimal, decimals: int, mode: str) -> float:
    """An exact value rounded the way a paper would, as the float a spreadsheet holds."""
    if isinstance(value, Fraction):
        with localcontext() as ctx:
            ctx.prec = 60
            value = Decimal(value.numerator) / Decimal(value.denominator)
    return float(value.quantize(Decimal(1).scaleb(-decimals), rounding=mode))


# ---------------------------------------------------------------------------------------------
# precision


@pytest.mark.parametrize(
    ("text", "decimals"),
    [
        ("24.50", 2),  # trailing zero counts: the text is the only place it survives
        ("24", 0),
        ("2,5", 1),  # decimal comma
        ("1.234,5", 1),  # point groups thousands, comma is decimal
        ("1,234.5", 1),
        ("1e-3", 3),  # 0.001
        ("2.5e-4", 5),  # 0.00025
        ("1.5e3", 0),  # 1500
        ("<.001", 3),  # a p written with its relation
        ("45.5%", 1),
        (" -3.25 ", 2),
        ("−0.40", 2),  # Unicode minus
        (None, -1),
        ("", -1),
        ("n.r.", -1),
        (24.5, 1),  # a float falls back to its shortest repr
        (3, 0),
    ],
)
def test_decimals_of_text(text, decimals):
    assert decimals_of_text(np.array([text], dtype=object))[0] == decimals


def test_decimals_of_text_keeps_shape_and_takes_scalars():
    assert decimals_of_text("24.50") == 2
    assert decimals_of_text(np.array([["1.0", "2"], [None, "3.125"]], dtype=object)).tolist() == [
        [1, 0],
        [-1, 3],
    ]


@pytest.mark.parametrize(
    ("fmt", "decimals"),
    [
        ("0.00", 2),
        ("0", 0),
        ("General", None),
        ("#,##0.0", 1),
        ("0.00%", 2),  # displayed decimals; the stored fraction has 2 more
        ("0.000E+00", 3),
        ("#,##0.00_);[Red](#,##0.00)", 2),
        ('"n = "0', 0),
        ("[Red]0.0;-0.0", 1),
        ("@", None),
        ("yyyy-mm-dd", None),
        ("", None),
        (None, None),
    ],
)
def test_decimals_of_number_format(fmt, decimals):
    assert decimals_of_number_format(fmt) == decimals


def test_decimals_of_float():
    values = [24.5, 24.0, 1e-5, 0.1 + 0.2, float("nan"), 1.5e-7]
    # 0.1 + 0.2 = 0.30000000000000004 has 17 decimals: capped at 10
    assert decimals_of_float(values).tolist() == [1, 0, 5, 10, -1, 8]
    assert decimals_of_float(24.5) == 1


def test_rounding_interval():
    lo, hi = rounding_interval([24.5, 24.5, np.nan], [2, -1, 1])
    # 24.50 -> 24.495..24.505; unknown decimals fall back to the float's 1 -> 24.45..24.55
    np.testing.assert_allclose(lo[:2], [24.495, 24.45])
    np.testing.assert_allclose(hi[:2], [24.505, 24.55])
    assert np.isnan(lo[2]) and np.isnan(hi[2])


# ---------------------------------------------------------------------------------------------
# GRIM


def test_grim_worked_examples():
    means = [5.19, 5.18, 5.20, 5.2, 2.68]
    ns = [28, 28, 28, 28, 40]
    decimals = [2, 2, 2, 1, 2]
    ok, lower, upper = grim_check(means, ns, decimals)
    # 5.19 x 28 = 145.32: 145/28 = 5.1786 -> 5.18; 146/28 = 5.2143 -> 5.21: impossible
    assert not ok[0]
    assert (lower[0], upper[0]) == (5.18, 5.21)
    # 5.18: 145/28 = 5.1786 -> 5.18: possible
    assert ok[1] and np.isnan(lower[1]) and np.isnan(upper[1])
    # "5.20" (two decimals as printed): 145/28 -> 5.18, 146/28 -> 5.21: impossible ...
    assert not ok[2]
    assert (lower[2], upper[2]) == (5.18, 5.21)
    # ... but "5.2" (one decimal) cannot be judged: 10**1 <= 28, every 0.1 step is reachable
    assert ok[3]
    # 2.68 with n = 40: 107/40 = 2.675 exactly -> 2.68 (half-up, and half-even: 7 is odd).
    # In floats 107/40 = 2.67499999..., and Python's round(107/40, 2) gives 2.67: judged on
    # integers, it passes.
    assert ok[4]


def test_grim_half_even_and_half_up_each_accepted():
    ok, lower, upper = grim_check([2.12, 2.13, 2.11], 40, 2)
    # 85/40 = 2.125 exactly: half-even -> 2.12, half-up -> 2.13; 84/40 = 2.10, 86/40 = 2.15.
    # 2.12 is reproduced only by half-even rounding, 2.13 only by half-up: both possible.
    assert ok[0] and ok[1]
    # 2.11: 84/40 = 2.10, 85/40 -> 2.12/2.13: impossible; nearest 2.10 and 2.13 (half-up)
    assert not ok[2]
    assert (lower[2], upper[2]) == (2.10, 2.13)


def test_grim_items_and_negative_means():
    ok, _, _ = grim_check([2.43, 2.43], 10, 2, items=[3, 1])
    # 3 items: N = 30, 73/30 = 2.4333 -> 2.43 possible; 1 item: 24/10 = 2.40, 25/10 = 2.50
    assert ok.tolist() == [True, False]
    # a change score of -5.19 (n = 28) mirrors 5.19: impossible, nearest -5.21 and -5.18
    ok, lower, upper = grim_check(-5.19, 28, 2)
    assert not ok
    assert (float(lower), float(upper)) == (-5.21, -5.18)


def test_grim_not_applicable():
    means = [5.19, np.nan, 5.19, 5.19, 5.19, 5.19]
    ns = [150, 28, np.nan, 28, 0, 28.5]
    decimals = [2, 2, 2, -1, 2, 2]
    # 10**2 <= 150 (every mean possible); NaN mean; NaN n; unknown decimals; n = 0; n not whole
    ok, lower, upper = grim_check(means, ns, decimals)
    assert ok.all()
    assert np.isnan(lower).all() and np.isnan(upper).all()


def test_grim_scalars_shapes_and_object_input():
    ok, lower, upper = grim_check(5.19, 28, 2)
    assert ok.shape == () and not ok and float(lower) == 5.18
    ok, _, _ = grim_check(np.array([[5.19], [5.18]]), np.array([28, 150]), 2)
    assert ok.shape == (2, 2)
    assert ok.tolist() == [[False, True], [True, True]]
    ok, _, _ = grim_check(np.array([5.19, None], dtype=object), [28, 28], [2, 2])
    assert ok.tolist() == [False, True]


def test_pandas_columns_with_missing_values():
    pd = pytest.importorskip("pandas")
    n = pd.Series([28, pd.NA, 28], dtype="Int64")
    mean = pd.Series([5.19, 5.19, None])
    decimals = pd.Series([2, 2, pd.NA], dtype="Int64")
    ok, _, _ = grim_check(mean, n, decimals)
    assert ok.tolist() == [False, True, True]
    ok, _, _ = grimmer_check(mean, pd.Series([1.08, 1.0, 1.0]), n, decimals, 2)
    assert ok.all()
    statistic = pd.Series(["t", pd.NA], dtype="string")
    ok, decision = p_check(
        pd.Series([0.05, None]), pd.Series(["<", None]), statistic, [1.5, 2.0], 2, n[:2], np.nan, 2
    )
    assert ok.tolist() == [False, True] and decision.tolist() == [True, False]
    assert decimals_of_text(pd.Series(["2.50", pd.NA, None], dtype=object)).tolist() == [2, -1, -1]


def test_grim_percent_worked_examples():
    pcts = [45.5, 45.4, 50, 12, 13, 33.3, 101, 45.4]
    ns = [22, 22, 7, 8, 8, 3, 10, 1000]
    decimals = [1, 1, 0, 0, 0, 1, 0, 1]
    ok, lower, upper = grim_percent_check(pcts, ns, decimals)
    # 45.5% of 22: 10/22 = 45.45% -> 45.5: possible
    assert ok[0]
    # 45.4% of 22: 9/22 = 40.91% -> 40.9, 10/22 -> 45.5: impossible
    assert not ok[1] and (lower[1], upper[1]) == (40.9, 45.5)
    # 50% of 7: 3/7 = 42.86% -> 43, 4/7 = 57.14% -> 57: impossible
    assert not ok[2] and (lower[2], upper[2]) == (43, 57)
    # 1/8 = 12.5%: half-even -> 12, half-up -> 13: both possible
    assert ok[3] and ok[4]
    # 1/3 = 33.33% -> 33.3: possible
    assert ok[5]
    # 101% of 10: no count above 10; nearest 100%, none above
    assert not ok[6] and lower[6] == 100 and np.isnan(upper[6])
    # 10**(1 + 2) <= 1000: every 0.1% step is reachable, not applicable
    assert ok[7]


# ---------------------------------------------------------------------------------------------
# GRIMMER


def test_grimmer_worked_examples():
    means = [2.50, 2.50, 2.50, 5.21, 5.21]
    sds = [1.29, 1.30, 1.41, 1.07, 1.08]
    ns = [4, 4, 4, 28, 28]
    ok, lower, upper = grimmer_check(means, sds, ns, 2, 2)
    # Scores 1, 2, 3, 4: S = 10, Q = 1 + 4 + 9 + 16 = 30, SD = sqrt((30 - 100/4) / 3)
    # = sqrt(5/3) = 1.2910 -> 1.29: possible.
    assert ok[0]
    # 1.30: Q in [3 x 1.295^2 + 25, 3 x 1.305^2 + 25] = [30.031, 30.109]: no integer.
    # Nearest: Q = 30 -> 1.29; Q = 31 has the wrong parity (S even); Q = 32 -> sqrt(7/3) = 1.53
    assert not ok[1] and (lower[1], upper[1]) == (1.29, 1.53)
    # 1.41: Q in [3 x 1.405^2 + 25, 3 x 1.415^2 + 25] = [30.922, 31.007] holds 31, but 31 is odd
    # and S = 10 even: a sum of squares of integers has the parity of their sum. Impossible.
    assert not ok[2] and (lower[2], upper[2]) == (1.29, 1.53)
    # mean 5.21, n = 28: S = 146 (146/28 = 5.2143). S^2/n = 761.2857.
    # SD 1.07: Q in [27 x 1.065^2, 27 x 1.075^2] + 761.2857 = [791.91, 792.49]: Q = 792, even
    # like S: SD = sqrt((792 - 761.2857) / 27) = 1.0666 -> 1.07. Possible.
    assert ok[3]
    # SD 1.08: Q in [27 x 1.075^2, 27 x 1.085^2] + 761.2857 = [792.49, 793.07]: only 793, odd.
    # Nearest: Q = 792 -> 1.07, Q = 794 -> sqrt(32.714 / 27) = 1.1007 -> 1.10.
    assert not ok[4] and (lower[4], upper[4]) == (1.07, 1.10)


def test_grimmer_only_after_grim_and_not_applicable():
    # 5.19 with n = 28 fails GRIM, so GRIMMER is not judged; n = 1 has no SD; NaN SD; unknown
    # decimals
    ok, lower, upper = grimmer_check(
        [5.19, 3.0, 2.5, 2.5], [1.08, 0.0, np.nan, 1.41], [28, 1, 4, 4], [2, 0, 2, 2], [2, 2, 2, -1]
    )
    assert ok.all() and np.isnan(lower).all() and np.isnan(upper).all()


def test_grimmer_zero_sd_and_several_sums():
    # SD 0.00 needs all scores equal, so an integer mean: 3.00 (n = 5) yes, 3.20 no
    ok, _, _ = grimmer_check([3.00, 3.20], [0.00, 0.00], 5, 2, 2)
    assert ok.tolist() == [True, False]
    # 3.5 to one decimal with n = 20: GRIM cannot judge (10 <= 20), and two sums are
    # candidates: S = 69 (69/20 = 3.45 -> 3.5 half-up) and S = 70 (3.50); S^2/n = 238.05 and 245.
    # Q = S^2/n + 19 x SD^2 must be an integer of S's parity:
    # SD 1.20 (1.195..1.205, 19 x SD^2 in [27.13, 27.59]): S = 69: [265.18, 265.64],
    #   S = 70: [272.13, 272.59]: no integer in either.
    # SD 1.21 (19 x SD^2 in [27.59, 28.05]): S = 69: [265.64, 266.10] holds 266, even, S odd;
    #   S = 70: [272.59, 273.05] holds 273, odd, S even: no.
    # SD 1.22 (19 x SD^2 in [28.05, 28.51]): [266.10, 266.56] and [273.05, 273.51]: no integer.
    # SD 1.23 (19 x SD^2 in [28.51, 28.98]): S = 70: [273.51, 273.98] none, but S = 69:
    #   [266.56, 267.03] holds 267, odd like 69: possible through the second sum only.
    ok, _, _ = grimmer_check(3.5, [1.20, 1.21, 1.22, 1.23], 20, 1, 2)
    assert ok.tolist() == [False, False, False, True]


def test_grimmer_items():
    # Two items per person, n = 3 people with totals 2, 3, 7 (item means 1, 1.5, 3.5):
    # S = 12 over N = 6 responses, mean 2.00; totals' SD = sqrt((4 + 9 + 49 - 48) / 2)
    # = sqrt(7) = 2.6458, per item 1.3229 -> 1.32: possible.
    ok, _, _ = grimmer_check(2.00, [1.32, 1.33], 3, 2, 2, items=2)
    # 1.33: totals' SD in [2.65, 2.67]: Q in [48 + 2 x 2.65^2, 48 + 2 x 2.67^2]
    # = [62.05, 62.26]: no integer.
    assert ok.tolist() == [True, False]


# ---------------------------------------------------------------------------------------------
# p values


def test_recompute_p_against_tables():
    statistic = np.array(["t", "F", "r", "chi2", "z", "Z", "T"], dtype=object)
    value = [2.086, 2.086**2, 0.444, 3.841, 1.96, -1.96, -2.086]
    df1 = [20, 1, 18, 1, np.nan, np.nan, 20]
    df2 = [np.nan, 20, np.nan, np.nan, np.nan, np.nan, np.nan]
    p = recompute_p(statistic, value, df1, df2)
    # t_.975(20) = 2.086; F(1, 20) = t^2 = 4.351; r = .444 with df 18: t = .444 x
    # sqrt(18 / (1 - .197)) = 2.102; chi2_.95(1) = 3.841; z_.975 = 1.96: all p = .05
    np.testing.assert_allclose(p, 0.05, atol=2e-4)
    # F with df1 = 2: F_.95(2, 20) = 3.49; chi2_.99(1) = 6.635; z_.995 = 2.576
    np.testing.assert_allclose(
        recompute_p(["F", "chi2", "z"], [3.49, 6.635, 2.576], [2, 1, np.nan], [20, np.nan, np.nan]),
        [0.05, 0.01, 0.01],
        atol=2e-4,
    )


def test_recompute_p_not_applicable():
    p = recompute_p(
        ["q", None, "t", "r", "F", "chi2", "F"],
        [2, 2, np.nan, 1.2, -1, 3, 3],
        [20, 20, 20, 18, 1, -1, 1],
        [np.nan, np.nan, np.nan, np.nan, 20, np.nan, np.nan],
    )
    # unknown statistic, no statistic, NaN value, |r| > 1, negative F, negative df, F without df2
    assert np.isnan(p).all()
    assert recompute_p("r", 1.0, 18) == 0.0
    assert recompute_p("t", 0.0, 20) == 1.0


def test_p_check_equal():
    ok, decision = p_check(
        reported_p=[0.05, 0.04, 0.03, 0.000, 0.048, 0.048],
        relation=["=", "=", "", "=", "=", np.nan],
        statistic="t",
        value=[2.09, 2.09, 1.80, 5.0, 2.2, 2.20],
        value_decimals=[2, 2, 2, 1, 1, 2],
        df1=[20, 20, 20, 20, 10, 10],
        df2=np.nan,
        p_decimals=[2, 2, 2, 3, 3, 3],
    )
    # t(20) = 2.09 -> p = .0496, which rounds to .05: consistent
    # t(20) = 2.09 -> p in [.0490, .0501] for t in [2.085, 2.095]; .04 allows [.035, .045]:
    # inconsistent, but both sides significant: no decision error
    # t(20) = 1.80 -> p = .087; "p = .03" claims significance: decision error
    # t(20) = 5.0 -> p = .00007; "p = .000" stands for [0, .0005]: consistent
    # t(10) = 2.2 (one decimal) stands for [2.15, 2.25] -> p in [.0482, .0571]: .048 fits
    # t(10) = 2.20 (two decimals) -> p in [.0520, .0529]: .048 does not, and .048 claims
    # significance that p > .05 denies: decision error
    assert ok.tolist() == [True, False, False, True, True, False]
    assert decision.tolist() == [False, False, True, False, False, True]


def test_p_check_less_and_greater():
    ok, decision = p_check(
        reported_p=[0.05, 0.05, 0.10, 0.05, 0.05, 0.001],
        relation=["<", "<", "<", ">", ">", "<"],
        statistic=["t", "t", "t", "t", "t", "F"],
        value=[2.50, 1.50, 1.50, 1.50, 2.90, 4.35],
        value_decimals=2,
        df1=[20, 20, 20, 20, 20, 1],
        df2=[np.nan] * 5 + [20],
        p_decimals=np.nan,
    )
    # t(20) = 2.50 -> p = .021 < .05: consistent
    # t(20) = 1.50 -> p = .149, not < .05: inconsistent, and a decision error
    # t(20) = 1.50, "p < .10": inconsistent, but "p < .10" claims nothing about .05
    # t(20) = 1.50, "p > .05": consistent
    # t(20) = 2.90 -> p = .0089, not > .05: a decision error
    # F(1, 20) = 4.35 -> p = .050, "p < .001": inconsistent, both sides significant
    assert ok.tolist() == [True, False, False, True, False, False]
    assert decision.tolist() == [False, True, False, False, True, False]


def test_p_check_with_alpha_and_other_statistics():
    # chi2(1) = 3.84 -> p = .0500: "p = .05" fits; z = 2.58 -> p = .0099; r(18) = .60 -> t =
    # .6 x sqrt(18 / .64) = 3.18, p = .0052; F(2, 20) = 3.49 -> p = .050
    ok, decision = p_check(
        [0.05, 0.01, 0.005, 0.05, 0.03],
        "=",
        ["chi2", "z", "r", "F", "z"],
        [3.84, 2.58, 0.60, 3.49, 2.58],
        2,
        [1, np.nan, 18, 2, np.nan],
        [np.nan, np.nan, np.nan, 20, np.nan],
        [2, 2, 3, 2, 2],
    )
    assert ok.tolist() == [True, True, True, True, False]
    # z = 2.58 (p = .0099) reported as p = .03: inconsistent, but significant at .05 either way
    assert not decision[4]
    # at alpha = .01: z = 2.70 (p in [.0068, .0071] for z in [2.695, 2.705]) reported as p = .03
    # claims non-significance: a decision error. z = 2.58 would not be one: z = 2.575 gives
    # p = .01003, so the recomputed p may lie on either side of .01.
    ok, decision = p_check(0.03, "=", "z", [2.70, 2.58], 2, np.nan, np.nan, 2, alpha=0.01)
    assert not ok.any()
    assert decision.tolist() == [True, False]


def test_p_check_not_applicable_and_scalar():
    ok, decision = p_check(
        [np.nan, 0.05, 0.05, 0.05],
        ["=", "=", "~", "="],
        ["t", "q", "t", "t"],
        [2.0, 2.0, 2.0, np.nan],
        2,
        20,
        np.nan,
        2,
    )
    assert ok.all() and not decision.any()
    ok, decision = p_check(0.05, "=", "t", 2.086, 3, 20, np.nan, 2)
    assert ok.shape == () and ok and not decision


def test_p_interval_orders_ends():
    p_low, p_high = p_interval(["t", "r", "chi2"], [2.2, 0.99, 0.004], 1, [10, 3, 1])
    assert (p_low <= p_high).all()
    # r = .99 with one decimal spans [.985, 1]: |r| is capped at 1, where p = 0
    assert p_low[1] == 0.0


def test_scipy_stats_is_never_imported():
    code = (
        "import sys; import ectqa.forensics as f; "
        "f.recompute_p('t', 2.0, 20); f.p_check(0.05, '=', 'F', 4.0, 2, 1, 20, 2); "
        "f.sd_ci_check(5.0, 10.0, 14.0, 30, 1, 1); "
        "assert 'scipy.stats' not in sys.modules, 'scipy.stats imported'"
    )
    env = {"PYTHONPATH": str(SRC)}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


# ---------------------------------------------------------------------------------------------
# SD against SE and CI


def test_sd_se_check():
    ok, expected = sd_se_check(
        sd=[10.6, 1.9, 4.5, np.nan, 10.6],
        se=[1.9, 1.9, 1.0, 1.9, np.nan],
        n=31,
        sd_decimals=1,
        se_decimals=1,
    )
    # 1.9 x sqrt(31) = 1.9 x 5.568 = 10.58; SE in [1.85, 1.95] -> SD in [10.30, 10.86]: 10.6 fits
    # SD 1.9 equal to the SE: an SE reported as SD
    # 1.0 x sqrt(31) = 5.57, SE in [0.95, 1.05] -> [5.29, 5.85]: 4.5 (4.45..4.55) does not fit
    # NaN SD or SE: not applicable
    assert ok.tolist() == [True, False, False, True, True]
    np.testing.assert_allclose(expected[:3], [10.5788, 10.5788, 5.5678], atol=1e-4)
    assert np.isnan(expected[4])
    # rounding rescues: 1.0 x sqrt(20) = 4.47; SE [0.95, 1.05] -> [4.25, 4.70]: SD 4.5 fits
    ok, _ = sd_se_check(4.5, 1.0, 20, 1, 1)
    assert ok


def test_sd_ci_check():
    ok, expected = sd_ci_check(
        sd=[5.40, 5.10, 4.80, 0.98, 5.40],
        ci_lower=10.00,
        ci_upper=[14.00, 14.00, 14.00, 14.00, np.nan],
        n=30,
        sd_decimals=2,
        ci_decimals=2,
    )
    # t_.975(29) = 2.0452: SD = sqrt(30) x 4.00 / (2 x 2.0452) = 5.4772 x 4 / 4.0905 = 5.356
    # with the CI's rounding: width [3.99, 4.01] -> [5.343, 5.370]; 5% tolerance -> [5.08, 5.64]
    # 5.40 fits; 5.10 fits (4.8% below, e.g. a z-based CI); 4.80 does not; 0.98 is the SE
    # (5.356 / sqrt(30) = 0.978) reported as SD; a missing CI end: not applicable
    assert ok.tolist() == [True, True, False, False, True]
    np.testing.assert_allclose(expected[0], 5.3561, atol=1e-4)
    ok, _ = sd_ci_check(5.4, 10.0, 14.0, 1, 1, 1)  # n < 2: not applicable
    assert ok


def test_sd_possibly_se():
    flagged = sd_possibly_se(
        sd=[0.4, 0.4, 1.2, 0.4, np.nan, 0.4, 0.4],
        mean=[3.0, 3.0, 3.0, 0.0, 3.0, np.nan, 3.0],
        n=[25, 8, 25, 25, 25, 25, 25],
        min_cv=[0.30, 0.30, 0.30, 0.30, 0.30, 0.30, 0.10],
    )
    # CRP 3.0 +- 0.4 (CV .13 < .30) with n 25: flagged; n 8: too small to tell; CV .40: fine;
    # mean 0 or NaN values: not judged; CV .13 against a min_cv of .10: fine
    assert flagged.tolist() == [True, False, False, False, False, False, False]
    assert sd_possibly_se(0.4, 3.0, 25, 0.25).shape == ()


# ---------------------------------------------------------------------------------------------
# properties


@settings(max_examples=250, deadline=None)
@given(
    values=st.lists(st.integers(0, 60), min_size=2, max_size=200),
    mean_decimals=st.sampled_from([1, 2]),
    sd_decimals=st.sampled_from([1, 2]),
    mean_mode=st.sampled_from(ROUNDINGS),
    sd_mode=st.sampled_from(ROUNDINGS),
)
def test_real_integer_samples_pass_grim_and_grimmer(
    values, mean_decimals, sd_decimals, mean_mode, sd_mode
):
    n, total, squares = len(values), sum(values), sum(v * v for v in values)
    mean = rounded(Fraction(total, n), mean_decimals, mean_mode)
    with localcontext() as ctx:
        ctx.prec = 60
        variance = Decimal(n * squares - total * total) / Decimal(n * (n - 1))
        sd = rounded(variance.sqrt(), sd_decimals, sd_mode)
    ok, _, _ = grim_check(mean, n, mean_decimals)
    assert ok, (mean, n)
    ok, _, _ = grimmer_check(mean, sd, n, mean_decimals, sd_decimals)
    assert ok, (mean, sd, n)


@settings(max_examples=250, deadline=None)
@given(
    statistic=st.sampled_from(["t", "F"]),
    value=st.floats(0.0, 8.0),
    df1=st.integers(1, 6),
    df2=st.integers(2, 200),
    value_decimals=st.sampled_from([2, 3]),
    p_decimals=st.sampled_from([2, 3]),
    mode=st.sampled_from(ROUNDINGS),
)
def test_correctly_reported_p_passes(statistic, value, df1, df2, value_decimals, p_decimals, mode):
    from scipy import special

    if statistic == "t":  # df1 holds a t test's df
        df1, df2 = df2, np.nan
        p = 2 * special.stdtr(df1, -value)
    else:
        p = special.fdtrc(df1, df2, value)
    reported_value = rounded(Decimal(value), value_decimals, mode)
    reported_p = rounded(Decimal(float(p)), p_decimals, mode)
    ok, decision = p_check(
        reported_p, "=", statistic, reported_value, value_decimals, df1, df2, p_decimals
    )
    assert ok and not decision, (reported_p, p)


@settings(max_examples=250, deadline=None)
@given(
    n=st.integers(1, 2000),
    share=st.floats(0.0, 1.0),
    decimals=st.sampled_from([0, 1, 2]),
    mode=st.sampled_from(ROUNDINGS),
)
def test_percent_of_whole_people_passes(n, share, decimals, mode):
    k = round(share * n)
    pct = rounded(Fraction(100 * k, n), decimals, mode)
    ok, _, _ = grim_percent_check(pct, n, decimals)
    assert ok, (k, n, pct)
