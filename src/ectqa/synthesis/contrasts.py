"""Which extracted rows enter each contrast of a synthesis, as numbers ready for an effect size.

Four contrasts per outcome, all in the ECT group (``group == "ect"``):

* ``acute``: session 1, ``hours_after_session`` inside the acute window (default 1 to 6 h,
  inclusive); of several rows, the one closest to 3 h, the earlier on a tie; versus baseline.
* ``end_of_course``: of several rows, the one whose ``hours_after_last_session`` is closest to
  48 h (the earlier on a tie; a row without hours ranks after every row with them); versus
  baseline.
* ``follow_up``: the earliest ``weeks_after_course``; versus baseline.
* ``ect_vs_control``: the ECT group's baseline versus the control group's baseline.

Before selection each row is made poolable (``prepare``): values rescaled to the outcome class's
common unit (``conversions.unit_factor``: mg/dL x10 -> mg/L, ng/L = pg/mL, ng/mL x1000 ->
pg/mL, ...); a missing mean estimated from the median with quartiles and/or range (Luo 2018) and
a missing SD from the SE (x sqrt(n)), the 95% CI (t quantile) or the quartiles and/or range
(Wan 2014), each such row marked ``converted`` with what was done. Rows that cannot be pooled are
left out with a reason: stimulated samples (study ``sample_type`` ``whole_blood_stimulated``,
ex vivo production rather than circulating levels), arbitrary units (``AU``), a unit that cannot
be converted, no estimable mean.

Reports of one cohort (same ``cohort_id``) enter each pooling once: ``one_per_cohort`` keeps the
one with the largest n (the earlier study on a tie) and says which it kept.

Everything is vectorised pandas (sort, drop_duplicates, merge); the only loop is over the few
distinct unit labels inside ``to_common_unit``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ectqa.lean import scipy_special
from ectqa.synthesis.conversions import (
    mean_from_five,
    mean_from_iqr,
    mean_from_range,
    sd_from_five,
    sd_from_iqr,
    sd_from_range,
    to_common_unit,
)

stdtrit = scipy_special().stdtrit

__all__ = [
    "ACUTE_TARGET_HOURS",
    "CONTRASTS",
    "END_TARGET_HOURS",
    "STIMULATED",
    "WITHIN_CONTRASTS",
    "one_per_cohort",
    "order_outcomes",
    "prepare",
    "select_between",
    "select_within",
]

CONTRASTS = ("acute", "end_of_course", "follow_up", "ect_vs_control")
WITHIN_CONTRASTS = ("acute", "end_of_course", "follow_up")
ACUTE_TARGET_HOURS = 3.0
END_TARGET_HOURS = 48.0
STIMULATED = "whole_blood_stimulated"

KEY = ["study_id", "outcome"]
EXCLUSION_COLUMNS = ["study_id", "outcome", "reason"]

_NUMBERS = ["mean", "sd", "se", "median", "q1", "q3", "min", "max", "ci_lower", "ci_upper"]
_STUDY_COLUMNS = ["sample_type", "cohort_id", "n_ect"]


def _exclusions(frame: pd.DataFrame, reason: pd.Series | str) -> pd.DataFrame:
    out = frame[["study_id", "outcome"]].copy()
    out["reason"] = reason
    return out[EXCLUSION_COLUMNS]


def _text(x: pd.Series) -> pd.Series:
    """Numbers as people write them (12, 0.5), for messages."""
    return x.map("{:g}".format)


def prepare(
    measurements: pd.DataFrame,
    studies: pd.DataFrame | None,
    outcome_class: Mapping[str, str],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ECT and control rows in common units with a mean and SD where they can be had.

    Returns ``(rows, excluded)``. ``rows`` keeps the measurement columns and adds ``order`` (the
    position in the table), ``study_order`` (position of the study in ``studies``, else of its
    first row), ``cohort`` (``cohort_id``, or the study_id when empty), ``common_unit``,
    ``mean_c`` and ``sd_c`` (in the common unit; NaN where not estimable), ``converted`` (bool),
    ``conversion`` (what was estimated, or "") and ``conversion_mean`` (its part for the mean). ``excluded`` has one row per study, outcome
    and reason.
    """
    m = measurements.reset_index(drop=True).copy()
    m["order"] = np.arange(len(m))
    m = m[m["group"].isin(["ect", "control"])].copy()

    if studies is not None and len(studies):
        info = studies.drop_duplicates("study_id")[["study_id", *_STUDY_COLUMNS]].copy()
        info["study_order"] = np.arange(len(info))
        m = m.merge(info, on="study_id", how="left", validate="many_to_one")
    else:
        for c in _STUDY_COLUMNS:
            m[c] = np.nan
        m["study_order"] = np.nan
    first_row = m.groupby("study_id")["order"].transform("min")
    m["study_order"] = m["study_order"].fillna(len(m) + first_row)
    m["cohort"] = m["cohort_id"].where(m["cohort_id"].notna(), m["study_id"])

    # Units: one factor per row, applied to every location and dispersion figure.
    m["cls"] = m["outcome"].map(outcome_class).fillna("")
    if len(m):
        factor, common = to_common_unit(
            np.ones(len(m)), m["cls"].to_numpy(object), m["outcome"].to_numpy(object),
            m["unit"].fillna("").to_numpy(object),
        )
    else:
        factor, common = np.array([], dtype=float), np.array([], dtype=object)
    m["factor"] = factor
    m["common_unit"] = common
    for c in _NUMBERS:
        m[c] = m[c].astype(float) * m["factor"]
    n = m["n"].astype(float).to_numpy()

    # Means: reported, else Luo 2018 from the median with all five numbers, the quartiles or
    # the range.
    has = {c: m[c].notna().to_numpy() for c in _NUMBERS}
    iqr = has["median"] & has["q1"] & has["q3"]
    rng = has["median"] & has["min"] & has["max"]
    mean_ok = has["mean"]
    with np.errstate(invalid="ignore", divide="ignore"):
        five_mean = mean_from_five(m["min"], m["q1"], m["median"], m["q3"], m["max"], n)
        iqr_mean = mean_from_iqr(m["q1"], m["median"], m["q3"], n)
        range_mean = mean_from_range(m["min"], m["median"], m["max"], n)
    mean_cases = [mean_ok, ~mean_ok & iqr & rng, ~mean_ok & iqr, ~mean_ok & rng]
    m["mean_c"] = np.select(mean_cases, [m["mean"], five_mean, iqr_mean, range_mean], np.nan)
    mean_note = np.select(
        mean_cases[1:],
        ["mean from median, quartiles and range (Luo 2018)",
         "mean from median and quartiles (Luo 2018)",
         "mean from median and range (Luo 2018)"],
        "",
    )

    # SDs: reported, else from the SE, the 95% CI of the mean, or Wan 2014.
    q_iqr = has["q1"] & has["q3"]
    q_rng = has["min"] & has["max"]
    ci = has["ci_lower"] & has["ci_upper"]
    with np.errstate(invalid="ignore", divide="ignore"):
        root_n = np.sqrt(n)
        t = np.where(n >= 2, stdtrit(np.maximum(n - 1, 1), 0.975), np.nan)
        ci_sd = root_n * (m["ci_upper"] - m["ci_lower"]).to_numpy() / (2 * t)
        five_sd = sd_from_five(m["min"], m["q1"], m["q3"], m["max"], n)
        iqr_sd = sd_from_iqr(m["q1"], m["q3"], n)
        range_sd = sd_from_range(m["min"], m["max"], n)
    sd_ok = has["sd"]
    se_ok = ~sd_ok & has["se"]
    ci_ok = ~sd_ok & ~has["se"] & ci
    rest = ~sd_ok & ~has["se"] & ~ci
    sd_cases = [sd_ok, se_ok, ci_ok, rest & q_iqr & q_rng, rest & q_iqr, rest & q_rng]
    m["sd_c"] = np.select(
        sd_cases, [m["sd"], m["se"] * root_n, ci_sd, five_sd, iqr_sd, range_sd], np.nan
    )
    sd_note = np.select(
        sd_cases[1:],
        ["SD from SE", "SD from 95% CI",
         "SD from quartiles and range (Wan 2014)", "SD from quartiles (Wan 2014)",
         "SD from range (Wan 2014)"],
        "",
    )
    both = (mean_note != "") & (sd_note != "")
    m["conversion"] = np.where(both, np.char.add(np.char.add(mean_note.astype(str), "; "),
                                                 sd_note.astype(str)),
                               np.char.add(mean_note.astype(str), sd_note.astype(str)))
    m["conversion_mean"] = mean_note.astype(str)
    m["converted"] = m["conversion"] != ""

    # Rows that cannot be pooled, the first reason that applies.
    unit = m["unit"].fillna("")
    stimulated = (m["sample_type"] == STIMULATED).to_numpy() & (m["cls"] != "clinical_scale").to_numpy()
    arbitrary = (unit == "AU").to_numpy()
    no_unit = ~np.isfinite(m["factor"].to_numpy())
    no_mean = ~np.isfinite(m["mean_c"].to_numpy())
    reasons = np.select(
        [stimulated, arbitrary, no_unit, no_mean],
        [
            "stimulated samples (whole_blood_stimulated): ex vivo production, not circulating levels",
            "arbitrary units (AU): not comparable across studies",
            "unit " + unit + " cannot be converted to a common unit for " + m["outcome"],
            "no mean, and no median with quartiles or range to estimate one",
        ],
        "",
    )
    bad = reasons != ""
    excluded = _exclusions(m[bad], reasons[bad])
    rows = m[~bad].drop(columns=["factor"]).reset_index(drop=True)
    return rows, excluded.drop_duplicates().reset_index(drop=True)


def _first(frame: pd.DataFrame, by: list[str], keys: list[str] = KEY) -> pd.DataFrame:
    return frame.sort_values([*keys, *by], kind="mergesort", na_position="last").drop_duplicates(
        keys, keep="first")


def _baseline(rows: pd.DataFrame, group: str) -> pd.DataFrame:
    base = rows[(rows["group"] == group) & (rows["timepoint"] == "baseline")]
    return _first(base, ["order"])


def select_within(
    rows: pd.DataFrame,
    acute_window: tuple[float, float] = (1.0, 6.0),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Pairs (after, baseline) in the ECT group for the acute, end-of-course and follow-up
    contrasts. Returns ``(pairs, excluded)``.

    ``pairs`` has one row per study, outcome and contrast with ``contrast``, the study columns
    (``study_order``, ``cohort``) and, suffixed ``_before`` and ``_after``, ``mean_c``, ``sd_c``,
    ``n``, ``common_unit``, ``conversion`` (what was estimated), ``conversion_mean`` (the mean's
    part of it), ``order`` and the chosen row's time
    (``hours_after_session``, ``hours_after_last_session``, ``weeks_after_course``).
    """
    lo, hi = acute_window
    ect = rows[rows["group"] == "ect"]
    base = _baseline(rows, "ect")

    session1 = ect[(ect["timepoint"] == "acute") & (ect["session"] == 1)]
    hours = session1["hours_after_session"]
    acute = session1[(hours >= lo) & (hours <= hi)].assign(
        _d=lambda f: (f["hours_after_session"] - ACUTE_TARGET_HOURS).abs())
    acute = _first(acute, ["_d", "hours_after_session", "order"])

    end = ect[ect["timepoint"] == "end_of_course"].assign(
        _d=lambda f: (f["hours_after_last_session"] - END_TARGET_HOURS).abs().fillna(np.inf))
    end = _first(end, ["_d", "hours_after_last_session", "order"])

    follow = _first(ect[ect["timepoint"] == "follow_up"], ["weeks_after_course", "order"])

    keep = ["study_id", "outcome", "study_order", "cohort", "mean_c", "sd_c", "n", "common_unit",
            "conversion", "conversion_mean", "order", "hours_after_session",
            "hours_after_last_session", "weeks_after_course"]
    after = pd.concat(
        [f.assign(contrast=c) for c, f in
         (("acute", acute), ("end_of_course", end), ("follow_up", follow))],
        ignore_index=True,
    )[[*keep, "contrast"]]
    before = base[keep].drop(columns=["study_order", "cohort"])
    pairs = after.merge(before, on=KEY, how="left", suffixes=("_after", "_before"),
                        indicator=True)
    pairs = pairs.rename(columns={"study_order_after": "study_order", "cohort_after": "cohort"})

    excluded = []
    # A study whose only acute samples of session 1 fall outside the window.
    outside = session1[~session1.set_index(KEY).index.isin(acute.set_index(KEY).index)]
    if len(outside):
        when = (outside.sort_values("hours_after_session").groupby(KEY, sort=False)
                ["hours_after_session"].agg(lambda h: ", ".join(_text(h.dropna())))).reset_index()
        excluded.append(_exclusions(
            when, f"acute: no sample {lo:g} to {hi:g} h after session 1 (sampled at "
            + when["hours_after_session"] + " h)"))
    no_base = pairs[pairs["_merge"] == "left_only"].drop_duplicates(KEY)
    excluded.append(_exclusions(no_base, "no baseline: change from baseline cannot be computed"))
    pairs = pairs[pairs["_merge"] == "both"].drop(columns="_merge")

    n_eff = np.fmin(pairs["n_before"], pairs["n_after"])
    sd_bad = ~(pairs["sd_c_before"] > 0)
    unit_bad = pairs["common_unit_before"] != pairs["common_unit_after"]
    n_bad = ~(n_eff >= 2)
    reason = np.select(
        [sd_bad, unit_bad, n_bad],
        [pairs["contrast"] + ": no usable baseline SD (no sd, se, CI, quartiles or range)",
         pairs["contrast"] + ": units differ between baseline ("
         + pairs["common_unit_before"].astype(str) + ") and the later sample ("
         + pairs["common_unit_after"].astype(str) + ")",
         pairs["contrast"] + ": fewer than 2 patients"],
        "",
    )
    bad = reason != ""
    excluded.append(_exclusions(pairs[bad], reason[bad]))
    pairs = pairs[~bad].assign(n_effect=n_eff[~bad])
    order = {c: i for i, c in enumerate(CONTRASTS)}
    pairs = pairs.sort_values(
        ["outcome", "contrast", "study_order"], key=lambda s: s.map(order) if s.name == "contrast" else s,
        kind="mergesort").reset_index(drop=True)
    return pairs, pd.concat(excluded, ignore_index=True).drop_duplicates()


def select_between(rows: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """ECT versus control at baseline: one pair per study and outcome (``_ect``/``_control``
    suffixes on ``mean_c``, ``sd_c``, ``n``, ``common_unit``, ``conversion``, ``order``).
    Returns ``(pairs, excluded)``."""
    keep = ["study_id", "outcome", "study_order", "cohort", "mean_c", "sd_c", "n", "common_unit",
            "conversion", "order"]
    ect = _baseline(rows, "ect")[keep]
    control = _baseline(rows, "control")[keep].drop(columns=["study_order", "cohort"])
    pairs = ect.merge(control, on=KEY, how="inner", suffixes=("_ect", "_control"))
    pairs = pairs.rename(columns={"study_order_ect": "study_order", "cohort_ect": "cohort"})
    pairs["contrast"] = "ect_vs_control"
    sd_bad = ~((pairs["sd_c_ect"] > 0) & (pairs["sd_c_control"] > 0))
    unit_bad = pairs["common_unit_ect"] != pairs["common_unit_control"]
    n_bad = ~((pairs["n_ect"] >= 1) & (pairs["n_control"] >= 1)
              & (pairs["n_ect"] + pairs["n_control"] >= 4))
    reason = np.select(
        [sd_bad, unit_bad, n_bad],
        ["ect_vs_control: no usable SD in one group (no sd, se, CI, quartiles or range)",
         "ect_vs_control: the groups are in different units",
         "ect_vs_control: too few patients"],
        "",
    )
    bad = reason != ""
    excluded = _exclusions(pairs[bad], reason[bad])
    pairs = pairs[~bad].assign(n_effect=lambda f: f["n_ect"] + f["n_control"])
    pairs = pairs.sort_values(["outcome", "study_order"], kind="mergesort").reset_index(drop=True)
    return pairs, excluded


def one_per_cohort(pairs: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Reports sharing a cohort enter each pooling (outcome x contrast) once: the one with the
    largest ``n_effect``, the earlier study (``study_order``) on a tie.

    Returns ``(kept, excluded)``; the reason names the contrast, the cohort and the study kept.
    """
    pool_key = ["outcome", "contrast", "cohort"]
    ranked = pairs.sort_values(
        [*pool_key, "n_effect", "study_order"], ascending=[True, True, True, False, True],
        kind="mergesort")
    first = ~ranked.duplicated(pool_key, keep="first")
    kept = ranked[first]
    dropped = ranked[~first].merge(
        kept[[*pool_key, "study_id", "n_effect"]], on=pool_key, suffixes=("", "_kept"))
    reason = (dropped["contrast"] + ": same cohort (" + dropped["cohort"].astype(str) + ") as "
              + dropped["study_id_kept"] + " (n " + _text(dropped["n_effect_kept"])
              + "), which enters instead")
    excluded = _exclusions(dropped, reason)
    kept = pairs[pairs.index.isin(kept.index)]
    return kept, excluded


def order_outcomes(outcomes: Sequence[str], known: Sequence[str]) -> list[str]:
    """Outcomes in the dictionary's order, unknown ones after them alphabetically."""
    rank = {o: i for i, o in enumerate(known)}
    return sorted(set(outcomes), key=lambda o: (rank.get(o, len(rank)), o))
