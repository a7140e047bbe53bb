"""The synthesis of a checked dataset: contrasts -> effect sizes -> random-effects pooling ->
sensitivity analyses -> one verdict per outcome and contrast. Plain dicts out.

``synthesize(report, Settings())`` takes a ``check.Report`` (its typed tables and per-study
judgements) and returns::

    {"parameters": {...}, "results": [...], "excluded": [{"study_id", "outcome", "reason"}, ...]}

One result per outcome, contrast (``acute``, ``end_of_course``, ``follow_up``,
``ect_vs_control``), pre-post correlation ``r`` (SMCR; ``None`` for the SMD of ECT vs control)
and method (``DL``, ``PM``), with ``k``, total ``n``, ``estimate``, 95% CI, 95% prediction
interval, ``tau2``, ``i2`` (percent), ``verdict``, ``sensitivity`` (the same figures for each
analysis: without the studies judged high in the chosen domains, without overall high, the
other correlations, leave-one-out) and ``studies`` (``study_id``, ``n``, ``yi``, ``vi``,
``converted``, ``conversion``).

Rows with schema errors (and every row of a study whose studies row has one) are left out, as
the quality rules leave them out, and listed among the exclusions. Effects: SMCR (after minus
baseline, over the baseline SD; n = the smaller of the two rows' n) and Hedges' g for ECT
minus control at baseline (n = n_ect + n_control).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ectqa.errors import InputError
from ectqa.findings import DOMAINS
from ectqa.synthesis import contrasts
from ectqa.synthesis.effects import smcr, smd
from ectqa.synthesis.pooling import Pooled, leave_one_out, pool, verdict

__all__ = ["FIGURES", "Settings", "as_json", "figure_results", "synthesize", "valid_mask", "write_figures"]

METHODS = ("DL", "PM")
#: Keys of the pooled figures, in output order.
FIGURES = ("k", "n", "estimate", "ci_lower", "ci_upper", "pi_lower", "pi_upper", "tau2", "i2")
CONTRAST_LABEL = {
    "acute": "acute (session 1) vs baseline",
    "end_of_course": "end of course vs baseline",
    "follow_up": "follow-up vs baseline",
    "ect_vs_control": "ECT vs control at baseline",
}


@dataclass(frozen=True)
class Settings:
    """What the synthesis is asked to do (the command's options)."""

    r: float = 0.5
    r_sensitivity: tuple[float, ...] = (0.3, 0.7)
    acute_window: tuple[float, float] = (1.0, 6.0)
    sensitivity_domains: tuple[str, ...] = ("confounding", "timing")
    methods: tuple[str, ...] = METHODS

    def __post_init__(self) -> None:
        if not (-1.0 < self.r < 1.0):
            raise InputError(f"--r {self.r:g}: the pre-post correlation must lie between -1 and 1")
        lo, hi = self.acute_window
        if not (math.isfinite(lo) and math.isfinite(hi) and lo <= hi):
            raise InputError(f"--acute-window {lo:g} {hi:g}: give the earlier hour first, e.g. 1 6")
        unknown = [d for d in self.sensitivity_domains if d not in DOMAINS]
        if unknown:
            raise InputError(f"--sensitivity-domains {','.join(unknown)}: unknown domain; "
                             f"use {', '.join(DOMAINS)}")
        bad = [m for m in self.methods if m not in METHODS]
        if bad or not self.methods:
            raise InputError(f"--method {','.join(bad)}: use DL, PM or both")

    @property
    def correlations(self) -> tuple[float, ...]:
        """The main r first, then the sensitivity values (ascending, without the main one)."""
        others = sorted({float(x) for x in self.r_sensitivity} - {float(self.r)})
        return (float(self.r), *others)

    def as_dict(self) -> dict[str, Any]:
        return {
            "r": float(self.r),
            "r_sensitivity": list(self.correlations[1:]),
            "acute_window_hours": [float(self.acute_window[0]), float(self.acute_window[1])],
            "acute_target_hours": contrasts.ACUTE_TARGET_HOURS,
            "end_of_course_target_hours": contrasts.END_TARGET_HOURS,
            "sensitivity_domains": list(self.sensitivity_domains),
            "methods": list(self.methods),
        }


# --- inputs --------------------------------------------------------------------------------

def valid_mask(report: Any, table: str) -> np.ndarray:
    """True for the rows of ``table`` without a schema error (recomputed from the findings)."""
    t = report.dataset.tables[table]
    bad = {f.row for f in report.findings
           if f.kind == "schema" and f.severity == "error" and f.table == table and f.row is not None}
    return ~np.isin(np.asarray(t.rows), sorted(bad))


def _inputs(report: Any) -> tuple[pd.DataFrame, pd.DataFrame | None, pd.DataFrame]:
    tables = report.dataset.tables
    if "measurements" not in tables or tables["measurements"].frame is None:
        raise InputError(f"{report.path}: no measurements table to synthesise; "
                         "give a workbook or folder with studies and measurements")
    mt = tables["measurements"]
    meas = mt.frame
    needed = ["study_id", "group", "outcome", "timepoint", "n", "unit"]
    missing = [c for c in needed if c not in meas.columns]
    if missing:
        raise InputError(f"{mt.file}: measurements lack the column(s) {', '.join(missing)} "
                         "that the synthesis needs; add them")
    meas_ok = valid_mask(report, "measurements")
    excluded = []
    bad = meas[~meas_ok].assign(_row=np.asarray(mt.rows)[~meas_ok])
    if len(bad):
        rows = bad.groupby(["study_id", "outcome"], dropna=False, sort=False)["_row"].agg(
            lambda r: ", ".join(str(int(x)) for x in r)).reset_index()
        excluded.append(rows.assign(
            reason="schema errors in measurements row(s) " + rows["_row"] + ": left out"))
    meas = meas[meas_ok]

    studies = None
    if "studies" in tables and tables["studies"].frame is not None:
        st = tables["studies"]
        ok = valid_mask(report, "studies")
        studies = st.frame[ok]
        bad_studies = st.frame[~ok].assign(_row=np.asarray(st.rows)[~ok])[["study_id", "_row"]]
        hit = meas.merge(bad_studies, on="study_id")
        hit = hit[hit["group"].isin(["ect", "control"])].drop_duplicates(["study_id", "outcome"])
        if len(hit):
            excluded.append(hit.assign(
                reason="schema errors in studies row " + hit["_row"].map(str)
                + ": the study is left out"))
            meas = meas[~meas["study_id"].isin(bad_studies["study_id"])]
    cols = ["study_id", "outcome", "reason"]
    excl = pd.concat([e[cols] for e in excluded], ignore_index=True) if excluded else \
        pd.DataFrame(columns=cols)
    return meas, studies, excl


# --- effects -------------------------------------------------------------------------------

def _conversion_text(pairs: pd.DataFrame, parts: list[tuple[str, str]]) -> pd.Series:
    """'baseline: mean from ...; end_of_course: ...' from the per-row conversion columns."""
    out = pd.Series("", index=pairs.index, dtype=object)
    for column, label in parts:
        text = pairs[column].fillna("").astype(str)
        piece = np.where(text != "", label + ": " + text, "")
        out = np.where((out != "") & (piece != ""), out + "; " + piece, out + piece)
        out = pd.Series(out, index=pairs.index, dtype=object)
    return out


def _effects(pairs: pd.DataFrame, contrast: str, r: float | None) -> pd.DataFrame:
    if contrast == "ect_vs_control":
        yi, vi = smd(pairs["mean_c_ect"], pairs["sd_c_ect"], pairs["n_ect"],
                     pairs["mean_c_control"], pairs["sd_c_control"], pairs["n_control"])
        conversion = _conversion_text(pairs, [("conversion_ect", "ECT"),
                                              ("conversion_control", "control")])
    else:
        yi, vi = smcr(pairs["mean_c_after"], pairs["mean_c_before"], pairs["sd_c_before"],
                      pairs["n_effect"], r)
        # The later row contributes only its mean; the baseline row its mean and SD.
        conversion = _conversion_text(pairs, [("conversion_before", "baseline"),
                                              ("conversion_mean_after", contrast)])
    out = pd.DataFrame({
        "study_id": pairs["study_id"].to_numpy(),
        "n": pairs["n_effect"].to_numpy(dtype=float),
        "yi": np.asarray(yi, dtype=float),
        "vi": np.asarray(vi, dtype=float),
        "conversion": conversion.to_numpy(),
    })
    return out[np.isfinite(out["yi"]) & np.isfinite(out["vi"]) & (out["vi"] > 0)]


# --- pooling -------------------------------------------------------------------------------

def _num(x: Any) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def _figures(p: Pooled | None, n: float) -> dict[str, Any]:
    if p is None:
        return {"k": 0, "n": 0, **dict.fromkeys(FIGURES[2:])}
    return {
        "k": int(p.k), "n": int(n), "estimate": _num(p.estimate), "ci_lower": _num(p.ci_lower),
        "ci_upper": _num(p.ci_upper), "pi_lower": _num(p.pi_lower), "pi_upper": _num(p.pi_upper),
        "tau2": _num(p.tau2), "i2": _num(p.i2),
    }


def _pool(yi: np.ndarray, vi: np.ndarray, method: str) -> Pooled | None:
    return pool(yi, vi, method) if len(yi) else None


def _judgement(quality: dict[str, dict[str, Any]], study_id: str, domain: str | None) -> str:
    q = quality.get(study_id)
    if q is None:
        return "no_information"
    value = q.get("overall") if domain is None else (q.get("domains") or {}).get(domain)
    return str(value) if value is not None else "no_information"


def _result(outcome: str, contrast: str, r: float | None, method: str, eff: pd.DataFrame,
            alternatives: dict[float, pd.DataFrame], quality: dict[str, dict[str, Any]],
            settings: Settings) -> dict[str, Any]:
    ids = [str(s) for s in eff["study_id"]]
    n = eff["n"].to_numpy(dtype=float)
    yi = eff["yi"].to_numpy(dtype=float)
    vi = eff["vi"].to_numpy(dtype=float)
    full = _pool(yi, vi, method)
    analyses: list[tuple[str, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    if settings.sensitivity_domains:
        high = np.array([any(_judgement(quality, s, d) == "high"
                             for d in settings.sensitivity_domains) for s in ids], dtype=bool)
        analyses.append((f"without high: {', '.join(settings.sensitivity_domains)}",
                         ~high, yi, vi, n))
    overall_high = np.array([_judgement(quality, s, None) == "high" for s in ids], dtype=bool)
    analyses.append(("without overall high", ~overall_high, yi, vi, n))
    for other_r, other in alternatives.items():
        analyses.append((f"r = {other_r:g}", np.ones(len(other), dtype=bool),
                         other["yi"].to_numpy(dtype=float), other["vi"].to_numpy(dtype=float),
                         other["n"].to_numpy(dtype=float)))
    sensitivity = []
    pooled_sens: list[Pooled] = []
    for name, keep, y, v, nn in analyses:
        p = _pool(y[keep], v[keep], method)
        sensitivity.append({"analysis": name, **_figures(p, nn[keep].sum())})
        if p is not None:
            pooled_sens.append(p)
    if len(ids) >= 2:
        total_n = n.sum()
        for sid, n_i, p in zip(ids, n, leave_one_out(yi, vi, method), strict=True):
            sensitivity.append({"analysis": f"leave out {sid}", **_figures(p, total_n - n_i)})
            pooled_sens.append(p)
    return {
        "outcome": outcome,
        "contrast": contrast,
        "measure": "SMD" if contrast == "ect_vs_control" else "SMCR",
        "method": method,
        "r": r,
        **_figures(full, n.sum()),
        "verdict": verdict(full, pooled_sens) if full is not None else "too few studies",
        "sensitivity": sensitivity,
        "studies": [
            {"study_id": s, "n": int(k), "yi": _num(y), "vi": _num(v),
             "converted": bool(c), "conversion": c or None}
            for s, k, y, v, c in zip(ids, n, yi, vi, eff["conversion"], strict=True)
        ],
    }


def synthesize(report: Any, settings: Settings | None = None) -> dict[str, Any]:
    """The synthesis of ``report`` (a ``check.Report``) as plain, JSON-ready dicts."""
    settings = settings or Settings()
    dictionary = report.config.dictionary
    meas, studies, excluded_schema = _inputs(report)
    rows, excluded_rows = contrasts.prepare(meas, studies, dictionary.outcome_class)
    within, excluded_within = contrasts.select_within(rows, settings.acute_window)
    between, excluded_between = contrasts.select_between(rows)
    within, excluded_w_cohort = contrasts.one_per_cohort(within)
    between, excluded_b_cohort = contrasts.one_per_cohort(between)
    quality = {str(q["study_id"]): q for q in report.quality}

    results: list[dict[str, Any]] = []
    outcomes = contrasts.order_outcomes(
        [*within["outcome"], *between["outcome"]], dictionary.vocabularies["outcome"].terms)
    for outcome in outcomes:
        for contrast in contrasts.CONTRASTS:
            source = between if contrast == "ect_vs_control" else within
            pairs = source[(source["outcome"] == outcome) & (source["contrast"] == contrast)]
            if pairs.empty:
                continue
            if contrast == "ect_vs_control":
                by_r: dict[float | None, pd.DataFrame] = {None: _effects(pairs, contrast, None)}
            else:
                by_r = {r: _effects(pairs, contrast, r) for r in settings.correlations}
            for r, eff in by_r.items():
                if eff.empty:
                    continue
                alternatives = {o: e for o, e in by_r.items() if o is not None and o != r}
                for method in settings.methods:
                    results.append(_result(outcome, contrast, r, method, eff, alternatives,
                                           quality, settings))

    excluded = pd.concat(
        [excluded_schema, excluded_rows, excluded_within, excluded_between, excluded_w_cohort,
         excluded_b_cohort], ignore_index=True).drop_duplicates()
    excluded = excluded.sort_values(["study_id", "outcome", "reason"], kind="mergesort",
                                    na_position="last")
    return {
        "parameters": settings.as_dict(),
        "results": results,
        "excluded": [
            {"study_id": None if pd.isna(s) else str(s), "outcome": None if pd.isna(o) else str(o),
             "reason": str(why)}
            for s, o, why in excluded.itertuples(index=False)
        ],
    }


# --- output --------------------------------------------------------------------------------

def _clean(x: Any) -> Any:
    if isinstance(x, dict):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        return _num(x)
    if x is None or isinstance(x, str):
        return x if not isinstance(x, np.str_) else str(x)
    return str(x)


def as_json(synthesis: dict[str, Any]) -> str:
    """The synthesis as JSON text: ``{"parameters", "results", "excluded"}``; NaN as null."""
    data = _clean({"parameters": synthesis.get("parameters", {}),
                   "results": synthesis["results"], "excluded": synthesis["excluded"]})
    return json.dumps(data, ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def _slug(text: str) -> str:
    greek = {"β": "beta", "α": "alpha", "γ": "gamma", "µ": "u", "μ": "u"}
    for k, v in greek.items():
        text = text.replace(k, v)
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-") or "outcome"


def figure_results(synthesis: dict[str, Any]) -> list[dict[str, Any]]:
    """One result per outcome and contrast for the figures: the main r, PM when it was run."""
    params = synthesis.get("parameters", {})
    methods = params.get("methods", list(METHODS))
    method = "PM" if "PM" in methods else methods[0]
    r_main = params.get("r", 0.5)
    return [res for res in synthesis["results"]
            if res["method"] == method and (res["r"] is None or res["r"] == r_main)]


def write_figures(synthesis: dict[str, Any], report: Any, directory: Path) -> list[Path]:
    """Forest plots (one per outcome and contrast), the traffic-light plot and the weighted
    (n_ect) summary plot of the studies in the synthesis. Returns the PNG paths."""
    from ectqa.synthesis.figures import (
        JUDGEMENT_STYLE,
        forest_plot,
        summary_bar_plot,
        traffic_light_plot,
    )

    directory = Path(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"--figures {directory}: cannot create the folder ({exc.strerror}); "
                         "choose another") from None
    quality = {str(q["study_id"]): q for q in report.quality}

    def symbols(study_id: str) -> str:
        return " ".join(JUDGEMENT_STYLE.get(_judgement(quality, study_id, d),
                                            JUDGEMENT_STYLE["no_information"])[2]
                        for d in DOMAINS)

    written: list[Path] = []
    used: list[str] = []
    for res in figure_results(synthesis):
        rows = [dict(s) for s in res["studies"]]
        used.extend(s["study_id"] for s in rows)
        pooled = pool([s["yi"] for s in rows], [s["vi"] for s in rows], res["method"])
        r_text = f", r = {res['r']:g}" if res["r"] is not None else ""
        title = (f"{res['outcome']}: {CONTRAST_LABEL[res['contrast']]} "
                 f"({res['measure']}{r_text}; {res['verdict']})")
        stem = directory / f"forest_{_slug(res['outcome'])}_{res['contrast']}"
        png, _ = forest_plot(rows, pooled, stem, title,
                             judgements={s["study_id"]: symbols(s["study_id"]) for s in rows},
                             domains=list(DOMAINS))
        written.append(png)

    in_synthesis = set(used)
    order = [str(s) for s in report.dataset.tables["studies"].frame["study_id"]] \
        if "studies" in report.dataset.tables else []
    chosen = [quality[s] for s in dict.fromkeys(order) if s in in_synthesis and s in quality]
    chosen += [quality[s] for s in sorted(in_synthesis - set(order)) if s in quality]
    if chosen:
        plain = [{"study_id": str(q["study_id"]),
                  "domains": {d: str(v) for d, v in (q.get("domains") or {}).items()},
                  "overall": str(q.get("overall"))} for q in chosen]
        written.append(traffic_light_plot(plain, DOMAINS, directory / "traffic_light")[0])
        weights: dict[str, float] = {}
        if "studies" in report.dataset.tables:
            frame = report.dataset.tables["studies"].frame
            for s, n in zip(frame["study_id"], frame["n_ect"], strict=True):
                if isinstance(s, str) and math.isfinite(n):
                    weights.setdefault(s, float(n))
        written.append(summary_bar_plot(plain, DOMAINS, weights, directory / "summary")[0])
    return written
