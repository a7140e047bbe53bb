"""Number forensics rules: reported numbers that cannot be right ("warning, no impact").

They ask the reviewer to check a number against the paper: a typo of the extractor and an error
of the paper look the same, so they never move a judgement. Precision is the reported one: the
text a CSV cell holds, or a workbook cell's number format; each message says what it assumed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..forensics import (
    grim_check,
    grim_percent_check,
    grimmer_check,
    p_check,
    recompute_p,
    sd_ci_check,
    sd_possibly_se,
    sd_se_check,
)
from .common import cells
from .engine import Context, Hits
from .registry import rule

STATISTIC_FROM_TEST = {"paired_t": "t", "t": "t", "anova": "F", "rm_anova": "F", "correlation": "r", "chi_square": "chi2"}


def _dec(ctx: Context, table: str, column: str, index) -> np.ndarray:
    return ctx.decimals(table, column, index)


def _g(x: float, d: int | None = None) -> str:
    if d is not None and d >= 0:
        return f"{x:.{d}f}"
    return f"{x:.4g}"


def _plural(d: int) -> str:
    return f"{d} decimal" + ("" if d == 1 else "s")


@rule("sd-se-inconsistent", needs=("measurements",))
def sd_se_inconsistent(ctx: Context, p: dict) -> Hits | None:
    """sd against se x sqrt(n), and against a reported 95% CI, beyond the reported rounding."""
    m = ctx.measurements
    sd, se, n, lower, upper = (m[c].to_numpy() for c in ("sd", "se", "n", "ci_lower", "ci_upper"))
    with np.errstate(invalid="ignore"):
        se_rows = ~np.isnan(sd) & ~np.isnan(se) & ~np.isnan(n)
        ci_rows = ~np.isnan(sd) & ~np.isnan(lower) & ~np.isnan(upper) & (n >= 2) & np.isnan(se)
    with_se, with_ci = m.index[se_rows], m.index[ci_rows]
    index, messages = [], []
    if len(with_se):
        sd, se, n = sd[se_rows], se[se_rows], n[se_rows]
        d_sd, d_se = _dec(ctx, "measurements", "sd", with_se), _dec(ctx, "measurements", "se", with_se)
        ok, expected = sd_se_check(sd, se, n, d_sd, d_se)
        for i in np.flatnonzero(~np.asarray(ok)):
            index.append(with_se[i])
            messages.append(
                f"sd {_g(sd[i], d_sd[i])} does not match se x sqrt(n) = {_g(se[i], d_se[i])} x sqrt({int(n[i])}) = "
                f"{_g(float(expected[i]))} (precision assumed: sd {_plural(int(d_sd[i]))}, se {_plural(int(d_se[i]))}); check both against the paper"
            )
    if len(with_ci):
        sd, lower, upper, n = (m[c].to_numpy()[ci_rows] for c in ("sd", "ci_lower", "ci_upper", "n"))
        d_sd = _dec(ctx, "measurements", "sd", with_ci)
        d_ci = np.minimum(_dec(ctx, "measurements", "ci_lower", with_ci), _dec(ctx, "measurements", "ci_upper", with_ci))
        ok, expected = sd_ci_check(sd, lower, upper, n, d_sd, d_ci)
        for i in np.flatnonzero(~np.asarray(ok)):
            index.append(with_ci[i])
            messages.append(
                f"sd {_g(sd[i], d_sd[i])} does not match the 95% CI {_g(lower[i])} to {_g(upper[i])} with n = {int(n[i])}, "
                f"which implies sd of about {_g(float(expected[i]))} (t quantile, 5% tolerance); check against the paper"
            )
    if not index:
        return None
    return Hits("measurements", np.asarray(index), "sd", messages)


@rule("sd-possibly-se", needs=("measurements",))
def sd_possibly_se_rule(ctx: Context, p: dict) -> Hits | None:
    """Only sd given, a cytokine or CRP, n >= min_n, and sd / mean below the class's min_cv."""
    m = ctx.measurements
    # the class's min_cv for each row (NaN: not a class it is judged for)
    min_cv_of = {o: p["min_cv"][c] for o, c in ctx.dictionary.outcome_class.items() if c in p["min_cv"]}
    codes, outcomes = ctx.codes("outcome", m)
    # per distinct outcome, then per row; an empty outcome (code -1, the last entry) has none
    min_cv = np.array([min_cv_of.get(o, np.nan) for o in outcomes] + [np.nan], dtype="float64")[codes]
    sd, se, lower, upper, n, mean = (m[c].to_numpy() for c in ("sd", "se", "ci_lower", "ci_upper", "n", "mean"))
    only_sd = ~np.isnan(sd) & np.isnan(se) & np.isnan(lower) & np.isnan(upper)
    candidates = only_sd & ~np.isnan(min_cv) & (n >= p.get("min_n", 10)) & (mean > 0)
    if not candidates.any():
        return None
    index, sd, mean, n, min_cv = m.index[candidates], sd[candidates], mean[candidates], n[candidates], min_cv[candidates]
    hit = np.asarray(sd_possibly_se(sd, mean, n, min_cv))
    if not hit.any():
        return None
    outcome = m["outcome"].to_numpy(dtype=object)[candidates][hit]
    messages = [
        f"sd / mean = {s / mu:.2f} for {o} with n = {int(k)}, below {lim:g}: an SE reported as SD? "
        f"(as an SE it would mean sd = {s * np.sqrt(k):.3g}); check against the paper"
        for s, mu, o, k, lim in zip(sd[hit], mean[hit], outcome, n[hit], min_cv[hit])
    ]
    return Hits("measurements", index.to_numpy()[hit], "sd", messages)


@rule("grim-inconsistent", needs=("studies",))
def grim_inconsistent(ctx: Context, p: dict) -> Hits | None:
    """female_pct impossible for n_ect patients (the study-level half of GRIM)."""
    s = ctx.studies
    rows = s.loc[s["female_pct"].notna() & s["n_ect"].ge(1), ["female_pct", "n_ect"]]
    if rows.empty:
        return None
    dec = _dec(ctx, "studies", "female_pct", rows.index)
    female_pct, n_ect = rows["female_pct"].to_numpy(), rows["n_ect"].to_numpy()
    ok, lo, hi = grim_percent_check(female_pct, n_ect, dec)
    bad = np.flatnonzero(~np.asarray(ok))
    if not len(bad):
        return None
    messages = [
        f"female_pct {_g(female_pct[i], dec[i])} is impossible for n_ect = {int(n_ect[i])} patients: "
        f"nearest possible {_g(lo[i], dec[i])} and {_g(hi[i], dec[i])} (precision assumed: {_plural(int(dec[i]))})"
        for i in bad
    ]
    return Hits("studies", rows.index.to_numpy()[bad], "female_pct", messages)


def _scale_rows(ctx: Context) -> pd.DataFrame:
    """Clinical-scale rows with a mean and n >= 1 (GRIM and GRIMMER), picked once per check."""
    if "scale_rows" not in ctx.cache:
        m = ctx.measurements
        scales = [o for o, c in ctx.dictionary.outcome_class.items() if c == "clinical_scale"]
        rows = ctx.among("outcome", scales, m) & m["mean"].notna().to_numpy() & m["n"].ge(1).to_numpy()
        ctx.cache["scale_rows"] = m.loc[rows, ["mean", "sd", "n"]]
    return ctx.cache["scale_rows"]


@rule("grim-inconsistent", needs=("measurements",), variant="measurements")
def grim_inconsistent_means(ctx: Context, p: dict) -> Hits | None:
    """A clinical-scale mean impossible for integer scores of n patients (GRIM)."""
    rows = _scale_rows(ctx)
    if rows.empty:
        return None
    items = int(p.get("items", 1))
    mean, n = rows["mean"].to_numpy(), rows["n"].to_numpy()
    dec = _dec(ctx, "measurements", "mean", rows.index)
    ok, lo, hi = grim_check(mean, n, dec, items)
    bad = np.flatnonzero(~np.asarray(ok))
    if not len(bad):
        return None
    messages = [
        f"mean {_g(mean[i], dec[i])} is impossible for n = {int(n[i])} integer scores: nearest possible "
        f"means are {_g(lo[i], dec[i])} and {_g(hi[i], dec[i])} (precision assumed: {_plural(int(dec[i]))}, items = {items})"
        for i in bad
    ]
    return Hits("measurements", rows.index.to_numpy()[bad], "mean", messages)


@rule("grimmer-inconsistent", needs=("measurements",))
def grimmer_inconsistent(ctx: Context, p: dict) -> Hits | None:
    """A clinical-scale SD impossible for that mean and n (GRIMMER, after GRIM passes)."""
    rows = _scale_rows(ctx)
    rows = rows[rows["sd"].notna() & rows["n"].ge(2)]
    if rows.empty:
        return None
    items = int(p.get("items", 1))
    mean, sd, n = rows["mean"].to_numpy(), rows["sd"].to_numpy(), rows["n"].to_numpy()
    d_mean = _dec(ctx, "measurements", "mean", rows.index)
    d_sd = _dec(ctx, "measurements", "sd", rows.index)
    ok, lo, hi = grimmer_check(mean, sd, n, d_mean, d_sd, items)
    bad = np.flatnonzero(~np.asarray(ok))
    if not len(bad):
        return None
    messages = [
        f"sd {_g(sd[i], d_sd[i])} is impossible for integer scores with mean {_g(mean[i], d_mean[i])} and "
        f"n = {int(n[i])}: nearest possible SDs are {_g(lo[i], d_sd[i])} and {_g(hi[i], d_sd[i])}"
        for i in bad
    ]
    return Hits("measurements", rows.index.to_numpy()[bad], "sd", messages)


@rule("p-value-inconsistent", needs=("measurements",))
def p_value_inconsistent(ctx: Context, p: dict) -> Hits | None:
    """p recomputed from the statistic and df, two-tailed, against the reported p (statcheck)."""
    m = ctx.measurements
    reported, value, df1, df2 = (m[c].to_numpy(dtype="float64") for c in ("p_value", "test_statistic", "df1", "df2"))
    # the statistic (else the one the test implies) only of rows with a p value and a statistic's value
    rows = np.flatnonzero(~np.isnan(reported) & ~np.isnan(value))
    statistic = m["statistic"].to_numpy(dtype=object)[rows]
    implied = [STATISTIC_FROM_TEST.get(t) for t in m["test"].to_numpy(dtype=object)[rows]]
    statistic = np.where(pd.isna(statistic), np.array(implied, dtype=object), statistic)
    reported, value, df1, df2 = reported[rows], value[rows], df1[rows], df2[rows]
    usable = ~pd.isna(statistic) & (~np.isnan(df1) | (statistic == "z"))
    usable &= ~((statistic == "F") & np.isnan(df2))
    if not usable.any():
        return None
    index = m.index[rows[usable]]
    stat = statistic[usable]
    alpha = float(p.get("alpha", 0.05))
    d_p = _dec(ctx, "measurements", "p_value", index)
    d_stat = _dec(ctx, "measurements", "test_statistic", index)
    relation = cells(m, "p_relation", rows[usable], empty="=")
    reported, value, df1, df2 = reported[usable], value[usable], df1[usable], df2[usable]
    ok, decision = p_check(reported, relation, stat, value, d_stat, df1, df2, d_p, alpha)
    bad = np.flatnonzero(~np.asarray(ok))
    if not len(bad):
        return None
    computed = recompute_p(stat[bad], value[bad], df1[bad], df2[bad])
    messages = []
    for j, i in enumerate(bad):
        df = f"{_g(df1[i])}, {_g(df2[i])}" if stat[i] == "F" else ("" if stat[i] == "z" else _g(df1[i]))
        what = f"{stat[i]}({df}) = {_g(value[i], d_stat[i])}" if df else f"{stat[i]} = {_g(value[i], d_stat[i])}"
        prefix = "decision error: " if decision[i] else ""
        side = " (significance flips at p <= 0.05)" if decision[i] else ""
        messages.append(
            f"{prefix}reported p {relation[i]} {_g(reported[i], d_p[i])}, but {what} gives p = {computed[j]:.4f} two-tailed{side}; check against the paper"
        )
    return Hits("measurements", index.to_numpy()[bad], "p_value", messages, extra={"decision_error": [bool(decision[i]) for i in bad]})
