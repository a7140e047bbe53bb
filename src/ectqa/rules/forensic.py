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
    with_se = m.index[m["sd"].notna() & m["se"].notna() & m["n"].notna()]
    with_ci = m.index[m["sd"].notna() & m["ci_lower"].notna() & m["ci_upper"].notna() & m["n"].ge(2) & m["se"].isna()]
    index, messages = [], []
    if len(with_se):
        rows = m.loc[with_se]
        d_sd, d_se = _dec(ctx, "measurements", "sd", with_se), _dec(ctx, "measurements", "se", with_se)
        ok, expected = sd_se_check(rows["sd"].to_numpy(), rows["se"].to_numpy(), rows["n"].to_numpy(), d_sd, d_se)
        for i in np.flatnonzero(~np.asarray(ok)):
            r = rows.iloc[i]
            index.append(with_se[i])
            messages.append(
                f"sd {_g(r['sd'], d_sd[i])} does not match se x sqrt(n) = {_g(r['se'], d_se[i])} x sqrt({int(r['n'])}) = "
                f"{_g(float(expected[i]))} (precision assumed: sd {_plural(int(d_sd[i]))}, se {_plural(int(d_se[i]))}); check both against the paper"
            )
    if len(with_ci):
        rows = m.loc[with_ci]
        d_sd = _dec(ctx, "measurements", "sd", with_ci)
        d_ci = np.minimum(_dec(ctx, "measurements", "ci_lower", with_ci), _dec(ctx, "measurements", "ci_upper", with_ci))
        ok, expected = sd_ci_check(rows["sd"].to_numpy(), rows["ci_lower"].to_numpy(), rows["ci_upper"].to_numpy(), rows["n"].to_numpy(), d_sd, d_ci)
        for i in np.flatnonzero(~np.asarray(ok)):
            r = rows.iloc[i]
            index.append(with_ci[i])
            messages.append(
                f"sd {_g(r['sd'], d_sd[i])} does not match the 95% CI {_g(r['ci_lower'])} to {_g(r['ci_upper'])} with n = {int(r['n'])}, "
                f"which implies sd of about {_g(float(expected[i]))} (t quantile, 5% tolerance); check against the paper"
            )
    if not index:
        return None
    return Hits("measurements", np.asarray(index), "sd", messages)


@rule("sd-possibly-se", needs=("measurements",))
def sd_possibly_se_rule(ctx: Context, p: dict) -> Hits | None:
    """Only sd given, a cytokine or CRP, n >= min_n, and sd / mean below the class's min_cv."""
    m = ctx.measurements
    cls = ctx.outcome_class(m["outcome"])
    min_cv = cls.map(p["min_cv"]).astype("float64")
    only_sd = m["sd"].notna() & m["se"].isna() & m["ci_lower"].isna() & m["ci_upper"].isna()
    candidates = only_sd & min_cv.notna() & m["n"].ge(p.get("min_n", 10)) & m["mean"].gt(0)
    if not candidates.any():
        return None
    rows = m[candidates]
    flag = np.asarray(sd_possibly_se(rows["sd"].to_numpy(), rows["mean"].to_numpy(), rows["n"].to_numpy(), min_cv[candidates].to_numpy()))
    hit = rows[flag]
    if hit.empty:
        return None
    cv = hit["sd"] / hit["mean"]
    limits = min_cv[hit.index]
    messages = [
        f"sd / mean = {c:.2f} for {o} with n = {int(n)}, below {lim:g}: an SE reported as SD? "
        f"(as an SE it would mean sd = {s * np.sqrt(n):.3g}); check against the paper"
        for c, o, n, lim, s in zip(cv, hit["outcome"], hit["n"], limits, hit["sd"])
    ]
    return Hits("measurements", hit.index.to_numpy(), "sd", messages)


@rule("grim-inconsistent", needs=("studies",))
def grim_inconsistent(ctx: Context, p: dict) -> Hits | None:
    """female_pct impossible for n_ect patients (the study-level half of GRIM)."""
    s = ctx.studies
    rows = s[s["female_pct"].notna() & s["n_ect"].ge(1)]
    if rows.empty:
        return None
    dec = _dec(ctx, "studies", "female_pct", rows.index)
    ok, lo, hi = grim_percent_check(rows["female_pct"].to_numpy(), rows["n_ect"].to_numpy(), dec)
    bad = np.flatnonzero(~np.asarray(ok))
    if not len(bad):
        return None
    messages = [
        f"female_pct {_g(rows['female_pct'].iloc[i], dec[i])} is impossible for n_ect = {int(rows['n_ect'].iloc[i])} patients: "
        f"nearest possible {_g(lo[i], dec[i])} and {_g(hi[i], dec[i])} (precision assumed: {_plural(int(dec[i]))})"
        for i in bad
    ]
    return Hits("studies", rows.index.to_numpy()[bad], "female_pct", messages)


def _scale_rows(ctx: Context) -> pd.DataFrame:
    m = ctx.measurements
    return m[ctx.outcome_class(m["outcome"]).eq("clinical_scale") & m["mean"].notna() & m["n"].ge(1)]


@rule("grim-inconsistent", needs=("measurements",), variant="measurements")
def grim_inconsistent_means(ctx: Context, p: dict) -> Hits | None:
    """A clinical-scale mean impossible for integer scores of n patients (GRIM)."""
    rows = _scale_rows(ctx)
    if rows.empty:
        return None
    items = int(p.get("items", 1))
    dec = _dec(ctx, "measurements", "mean", rows.index)
    ok, lo, hi = grim_check(rows["mean"].to_numpy(), rows["n"].to_numpy(), dec, items)
    bad = np.flatnonzero(~np.asarray(ok))
    if not len(bad):
        return None
    messages = [
        f"mean {_g(rows['mean'].iloc[i], dec[i])} is impossible for n = {int(rows['n'].iloc[i])} integer scores: nearest possible "
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
    d_mean = _dec(ctx, "measurements", "mean", rows.index)
    d_sd = _dec(ctx, "measurements", "sd", rows.index)
    ok, lo, hi = grimmer_check(rows["mean"].to_numpy(), rows["sd"].to_numpy(), rows["n"].to_numpy(), d_mean, d_sd, items)
    bad = np.flatnonzero(~np.asarray(ok))
    if not len(bad):
        return None
    messages = [
        f"sd {_g(rows['sd'].iloc[i], d_sd[i])} is impossible for integer scores with mean {_g(rows['mean'].iloc[i], d_mean[i])} and "
        f"n = {int(rows['n'].iloc[i])}: nearest possible SDs are {_g(lo[i], d_sd[i])} and {_g(hi[i], d_sd[i])}"
        for i in bad
    ]
    return Hits("measurements", rows.index.to_numpy()[bad], "sd", messages)


@rule("p-value-inconsistent", needs=("measurements",))
def p_value_inconsistent(ctx: Context, p: dict) -> Hits | None:
    """p recomputed from the statistic and df, two-tailed, against the reported p (statcheck)."""
    m = ctx.measurements
    statistic = m["statistic"].where(m["statistic"].notna(), m["test"].map(STATISTIC_FROM_TEST))
    usable = m["p_value"].notna() & m["test_statistic"].notna() & statistic.notna() & (m["df1"].notna() | statistic.eq("z"))
    usable &= ~(statistic.eq("F") & m["df2"].isna())
    if not usable.any():
        return None
    rows = m[usable]
    stat = statistic[usable].to_numpy(dtype=object)
    alpha = float(p.get("alpha", 0.05))
    d_p = _dec(ctx, "measurements", "p_value", rows.index)
    d_stat = _dec(ctx, "measurements", "test_statistic", rows.index)
    relation = rows["p_relation"].fillna("=").to_numpy(dtype=object)
    ok, decision = p_check(
        rows["p_value"].to_numpy(), relation, stat, rows["test_statistic"].to_numpy(), d_stat,
        rows["df1"].to_numpy(), rows["df2"].to_numpy(), d_p, alpha,
    )
    bad = np.flatnonzero(~np.asarray(ok))
    if not len(bad):
        return None
    computed = recompute_p(stat[bad], rows["test_statistic"].to_numpy()[bad], rows["df1"].to_numpy()[bad], rows["df2"].to_numpy()[bad])
    messages = []
    for j, i in enumerate(bad):
        r = rows.iloc[i]
        df = f"{_g(r['df1'])}, {_g(r['df2'])}" if stat[i] == "F" else ("" if stat[i] == "z" else _g(r["df1"]))
        what = f"{stat[i]}({df}) = {_g(r['test_statistic'], d_stat[i])}" if df else f"{stat[i]} = {_g(r['test_statistic'], d_stat[i])}"
        prefix = "decision error: " if decision[i] else ""
        side = " (significance flips at p <= 0.05)" if decision[i] else ""
        messages.append(
            f"{prefix}reported p {relation[i]} {_g(r['p_value'], d_p[i])}, but {what} gives p = {computed[j]:.4f} two-tailed{side}; check against the paper"
        )
    return Hits("measurements", rows.index.to_numpy()[bad], "p_value", messages, extra={"decision_error": [bool(decision[i]) for i in bad]})
