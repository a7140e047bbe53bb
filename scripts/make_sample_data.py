#!/usr/bin/env python3
"""Write ectqa's INVENTED sample data set (deterministically).

Every study, author, DOI and number written by this script is invented for
demonstration and tests; none describes a real publication or patient.

    python scripts/make_sample_data.py            # rewrites sample_data/
    python scripts/make_sample_data.py --out DIR  # writes the same files into DIR

Outputs (relative to the output folder):
    extraction.xlsx                 workbook: studies, measurements, about
    extraction/studies.csv          CSV twin of the workbook (same rows, same order)
    extraction/measurements.csv
    clean/studies.csv               the same data with every deliberate schema
    clean/measurements.csv          error corrected and every spelling canonical
    README.md                       what was planted where

Only the standard library, openpyxl and scipy are used. The output is
byte-identical from run to run: every random draw comes from a
``random.Random`` seeded with a fixed string, the workbook's document
properties carry a fixed date and the zip entries a fixed timestamp.
"""

from __future__ import annotations

import argparse
import copy
import csv
import io
import math
import random
import re
import statistics
import sys
import zipfile
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

from openpyxl import Workbook
from scipy.special import stdtr, stdtrit

SEED = "ectqa-sample-data-v1"
FIXED_DATE = (2026, 1, 1, 0, 0, 0)
FIXED_ISO = "2026-01-01T00:00:00Z"

STUDY_COLUMNS = [
    "study_id", "first_author", "year", "doi", "pmid", "design", "diagnosis",
    "diagnostic_criteria", "treatment_resistant", "n_ect", "n_control", "control_type",
    "controls_matched_on", "cohort_id", "age_mean", "age_sd", "female_pct", "bmi_mean",
    "electrode_placement", "pulse_width", "sessions_mean", "sessions_per_week", "anesthetic",
    "sample_type", "assay", "same_batch", "sampling_time_standardized", "fasting",
    "bmi_handling", "smoking_handling", "medication_handling", "age_sex_handling",
    "inflammatory_disease_handling", "medication_status", "medication_changed_during_course",
    "clinical_response_linked", "multiplicity_corrected", "extracted_by", "checked_by", "notes",
]
MEASUREMENT_COLUMNS = [
    "study_id", "group", "outcome", "timepoint", "session", "hours_after_session",
    "hours_after_last_session", "weeks_after_course", "n", "mean", "sd", "se", "median", "q1",
    "q3", "min", "max", "ci_lower", "ci_upper", "unit", "assay", "lod", "n_below_lod",
    "p_value", "p_relation", "test", "statistic", "test_statistic", "df1", "df2", "source",
    "source_detail", "notes",
]
INT_COLUMNS = {"year", "pmid", "n_ect", "n_control", "session", "n", "n_below_lod"}
NUM_COLUMNS = {
    "age_mean", "age_sd", "female_pct", "bmi_mean", "sessions_mean", "sessions_per_week",
    "hours_after_session", "hours_after_last_session", "weeks_after_course", "mean", "sd", "se",
    "median", "q1", "q3", "min", "max", "ci_lower", "ci_upper", "lod", "p_value",
    "test_statistic", "df1", "df2",
} | INT_COLUMNS

OUTCOME_CLASS = {
    **{o: "cytokine" for o in ["IL-1β", "IL-6", "IL-8", "IL-10", "TNF-α", "IFN-γ", "MCP-1", "IP-10"]},
    "CRP": "acute_phase",
    "NK_activity": "cellular",
    "kynurenine": "kynurenine", "tryptophan": "kynurenine",
    "cortisol": "neuroendocrine", "ACTH": "neuroendocrine",
    "BDNF": "neurotrophic",
    "HAMD17": "clinical_scale", "MADRS": "clinical_scale",
}
IMMUNE = {"cytokine", "acute_phase", "cellular"}
STUDY_NOTE = "Invented study for ectqa's sample data (not a real publication)."


# --------------------------------------------------------------------------- numbers

def fmt(x: float | Fraction, d: int) -> str:
    """Round half-up to d decimals and return the reported text ("24.50")."""
    if isinstance(x, Fraction):
        q = Decimal(x.numerator) / Decimal(x.denominator)
    else:
        q = Decimal(repr(float(x)))
    q = q.quantize(Decimal(1).scaleb(-d), rounding=ROUND_HALF_UP)
    s = format(q, "f")
    if s.startswith("-") and float(s) == 0:
        s = s[1:]
    return s


def dec_of(s: str) -> int:
    return len(s.split(".")[1]) if "." in s else 0


def col_letter(i: int) -> str:
    """0-based column index -> Excel letters."""
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def p_two_tailed_t(t: float, df: float) -> float:
    return float(2 * stdtr(df, -abs(t)))


def fmt_p(p: float) -> tuple[str, str]:
    if p < 0.001:
        return "0.001", "<"
    return fmt(p, 3), "="


# --------------------------------------------------------------------------- model

@dataclass
class Study:
    sid: str
    author: str
    year: int
    n: int
    rng: random.Random
    fields: dict = field(default_factory=dict)
    rows: list = field(default_factory=list)  # measurement dicts
    plants: list = field(default_factory=list)  # (rule, what, row-selector or None)
    n_eoc: int | None = None
    n_fu: int | None = None
    style: str = "sd"  # sd | se | sd+se | ci | median
    dec: dict = field(default_factory=dict)  # outcome -> decimals
    source_detail: str = "Table 2"
    ptest: bool = False


B = ("baseline",)


def A(session: int, h: float):
    return ("acute", session, h)


def D(session: int):
    return ("during_course", session)


def E(h: float | None):
    return ("end_of_course", h)


def F(w: float):
    return ("follow_up", w)


def num_text(x) -> str:
    if x is None:
        return ""
    if isinstance(x, int) or float(x).is_integer():
        return str(int(x))
    return repr(float(x))


def point_cells(pt) -> dict:
    c = {"timepoint": pt[0]}
    if pt[0] == "acute":
        c["session"] = str(pt[1])
        c["hours_after_session"] = num_text(pt[2])
    elif pt[0] == "during_course":
        c["session"] = str(pt[1])
    elif pt[0] == "end_of_course":
        c["hours_after_last_session"] = num_text(pt[1])
    elif pt[0] == "follow_up":
        c["weeks_after_course"] = num_text(pt[1])
    return c


# typical change relative to baseline (invented, shaped like the literature)
def factor(outcome: str, pt) -> float:
    kind = pt[0]
    if kind == "baseline":
        return 1.0
    if kind == "acute":
        h = pt[2]
        table = {
            "IL-6": [(0, 1.0), (0.5, 1.15), (1, 1.45), (2, 1.7), (3, 1.9), (4, 1.8), (6, 1.5), (12, 1.2), (99, 1.05)],
            "IL-1β": [(0, 1.0), (1, 1.2), (3, 1.4), (6, 1.35), (99, 1.1)],
            "TNF-α": [(0, 1.0), (1, 0.95), (3, 0.88), (6, 0.9), (99, 0.95)],
            "IL-10": [(0, 1.0), (1, 1.1), (3, 1.15), (6, 1.1), (99, 1.0)],
            "IL-8": [(0, 1.0), (1, 1.2), (3, 1.25), (6, 1.15), (99, 1.05)],
            "IFN-γ": [(0, 1.0), (3, 1.05), (99, 1.0)],
            "CRP": [(0, 1.0), (6, 1.03), (24, 1.15), (99, 1.1)],
            "cortisol": [(-1, 1.0), (0, 1.0), (0.25, 1.6), (0.5, 1.75), (1, 1.45), (99, 1.1)],
            "ACTH": [(-1, 1.0), (0, 1.0), (0.25, 2.4), (0.5, 2.0), (1, 1.3), (99, 1.0)],
            "NK_activity": [(-1, 1.0), (0, 1.0), (0.25, 1.4), (0.5, 1.3), (1, 1.1), (99, 1.0)],
            "kynurenine": [(0, 1.0), (1, 1.06), (3, 1.08), (99, 1.0)],
            "tryptophan": [(0, 1.0), (1, 0.97), (3, 0.95), (99, 1.0)],
        }.get(outcome, [(99, 1.0)])
        for limit, f in table:
            if h <= limit:
                return f
        return table[-1][1]
    late = {
        "IL-6": 0.9, "TNF-α": 0.86, "IL-1β": 0.95, "IL-10": 1.05, "IL-8": 0.95, "IFN-γ": 0.92,
        "CRP": 0.9, "cortisol": 0.92, "ACTH": 0.95, "BDNF": 1.18, "kynurenine": 0.94,
        "tryptophan": 1.04, "MCP-1": 0.93, "IP-10": 0.95, "NK_activity": 1.0,
    }.get(outcome, 1.0)
    if kind == "during_course":
        return (1 + late) / 2
    return late


BASE = {  # (low, high) of a plausible baseline mean, unit, decimals, cv range
    "IL-6": (1.6, 5.5, "pg/mL", 2, (0.4, 0.8)),
    "TNF-α": (3.0, 14.0, "pg/mL", 1, (0.35, 0.7)),
    "IL-1β": (0.9, 2.8, "pg/mL", 2, (0.45, 0.85)),
    "IL-10": (1.8, 5.5, "pg/mL", 2, (0.4, 0.8)),
    "IL-8": (6.0, 18.0, "pg/mL", 1, (0.4, 0.75)),
    "IFN-γ": (3.5, 11.0, "pg/mL", 2, (0.45, 0.85)),
    "MCP-1": (160.0, 380.0, "pg/mL", 0, (0.35, 0.6)),
    "IP-10": (90.0, 210.0, "pg/mL", 0, (0.4, 0.7)),
    "CRP": (1.6, 5.5, "mg/L", 2, (0.6, 0.9)),
    "cortisol": (280.0, 420.0, "nmol/L", 0, (0.25, 0.4)),
    "ACTH": (16.0, 32.0, "pg/mL", 1, (0.4, 0.65)),
    "NK_activity": (22.0, 38.0, "%", 1, (0.3, 0.45)),
    "BDNF": (12.0, 24.0, "ng/mL", 1, (0.3, 0.5)),
    "kynurenine": (1.7, 2.6, "µmol/L", 2, (0.2, 0.3)),
    "tryptophan": (46.0, 68.0, "µmol/L", 1, (0.15, 0.25)),
}


class Builder:
    def __init__(self):
        self.studies: list[Study] = []

    # ------------------------------------------------------------------ studies
    def study(self, sid, author, year, n, **kw) -> Study:
        rng = random.Random(f"{SEED}/{sid}")
        st = Study(sid, author, year, n, rng)
        idx = len(self.studies) + 1
        female = rng.randint(round(0.45 * n), round(0.75 * n))
        age = rng.uniform(44, 68)
        f = {
            "study_id": sid,
            "first_author": author,
            "year": str(year),
            "doi": f"10.5555/ectqa.demo.{idx:03d}",
            "pmid": str(99900000 + idx) if idx % 2 else "",
            "design": "pre_post",
            "diagnosis": "mdd",
            "diagnostic_criteria": "dsm_iii" if year < 1994 else ("dsm_iv" if year < 2014 else "dsm_5"),
            "treatment_resistant": "yes" if idx % 3 else "not_reported",
            "n_ect": str(n),
            "n_control": "",
            "control_type": "none",
            "controls_matched_on": "",
            "cohort_id": "",
            "age_mean": fmt(age, 1),
            "age_sd": fmt(rng.uniform(9, 15), 1),
            "female_pct": fmt(Fraction(100 * female, n), 1),
            "bmi_mean": fmt(rng.uniform(23.5, 28.5), 1),
            "electrode_placement": ["bitemporal", "right_unilateral", "bifrontal", "mixed"][idx % 4],
            "pulse_width": "sine_wave" if year < 1992 else ("ultrabrief" if idx % 5 == 0 and year > 2005 else "brief"),
            "sessions_mean": fmt(rng.uniform(7.5, 12.5), 1),
            "sessions_per_week": "3" if idx % 3 else "2",
            "anesthetic": ("methohexital" if year < 2000 else ["propofol", "thiopental", "etomidate", "propofol"][idx % 4]),
            "sample_type": "serum",
            "assay": "elisa",
            "same_batch": "yes",
            "sampling_time_standardized": "yes",
            "fasting": "yes" if idx % 4 else "not_reported",
            "bmi_handling": ["adjusted", "excluded", "adjusted", "restricted"][idx % 4],
            "smoking_handling": ["adjusted", "restricted", "excluded"][idx % 3],
            "medication_handling": ["restricted", "adjusted", "excluded"][idx % 3],
            "age_sex_handling": "adjusted",
            "inflammatory_disease_handling": "excluded",
            "medication_status": ["washout", "stable_regimen", "drug_free", "stable_regimen"][idx % 4],
            "medication_changed_during_course": "no",
            "clinical_response_linked": "yes" if idx % 2 else "no",
            "multiplicity_corrected": "",  # set at the end from the outcomes
            "extracted_by": ["AB", "CD", "EF"][idx % 3],
            "checked_by": ["GH", "IJ", "KL"][idx % 3],
            "notes": STUDY_NOTE,
        }
        for k, v in kw.items():
            if k in ("n_eoc", "n_fu", "style", "source_detail", "ptest"):
                setattr(st, k, v)
            else:
                assert k in STUDY_COLUMNS, k
                f[k] = v
        if f["control_type"] != "none" and not f["design"].startswith(("controlled", "case", "cohort", "rct")):
            f["design"] = "controlled_pre_post"
        st.fields = f
        if st.n_eoc is None:
            st.n_eoc = n - rng.randint(0, int(0.15 * n))
        if st.n_fu is None:
            st.n_fu = st.n_eoc
        self.studies.append(st)
        return st

    # ------------------------------------------------------------------ helpers
    @staticmethod
    def n_at(st: Study, pt, group: str) -> int:
        if group == "control":
            return int(st.fields["n_control"])
        if pt[0] in ("baseline", "acute"):
            return st.n
        if pt[0] == "during_course":
            return st.n - (st.n - st.n_eoc) // 2
        if pt[0] == "end_of_course":
            return st.n_eoc
        return st.n_fu

    @staticmethod
    def new_row(st: Study, group: str, outcome: str, pt, n: int, unit: str) -> dict:
        r = {c: "" for c in MEASUREMENT_COLUMNS}
        r.update(study_id=st.sid, group=group, outcome=outcome, n=str(n), unit=unit,
                 source="table", source_detail=st.source_detail)
        r.update(point_cells(pt))
        return r

    # ------------------------------------------------------------------ biomarkers
    def series(self, st: Study, outcome: str, points, group="ect", base=None, unit=None,
               dec=None, cv=None, style=None, ns=None, extra=None, scale=1.0):
        rng = st.rng
        lo, hi, unit0, dec0, cvr = BASE[outcome]
        unit = unit or unit0
        dec = st.dec.get(outcome, dec0) if dec is None else dec
        bases = st.__dict__.setdefault("bases", {})
        if group == "control" and base is None and outcome in bases:
            base = bases[outcome] * (0.8 if outcome not in ("BDNF", "tryptophan") else 1.15)
        if group.startswith("ect_") and base is None and outcome in bases:
            base = bases[outcome] * scale
        base = base if base is not None else rng.uniform(lo, hi) * scale
        if group == "ect":
            bases[outcome] = base
        cv = cv if cv is not None else rng.uniform(*cvr)
        style = style or st.style
        rows = []
        for i, pt in enumerate(points):
            n = ns[i] if ns else self.n_at(st, pt, group)
            f = 1.0 if group == "control" else factor(outcome, pt)
            m = base * f * (rng.gauss(1, 0.03) if pt[0] != "baseline" else 1.0)
            sd = m * cv * rng.uniform(0.92, 1.08)
            r = self.new_row(st, group, outcome, pt, n, unit)
            if style == "median":
                med = m * 0.85
                q1, q3 = med * rng.uniform(0.55, 0.72), med * rng.uniform(1.4, 1.8)
                r.update(median=fmt(med, dec), q1=fmt(q1, dec), q3=fmt(q3, dec))
                assert float(r["q1"]) < float(r["median"]) < float(r["q3"])
            else:
                ms, sds = fmt(m, dec), fmt(sd, dec)
                if OUTCOME_CLASS[outcome] in ("cytokine", "acute_phase"):
                    # keep clear of sd-possibly-se: between-subject CV >= 0.32
                    if float(sds) < 0.32 * float(ms):
                        sds = fmt(0.36 * float(ms), dec)
                assert float(sds) > 0 and float(ms) > 0, (st.sid, outcome)
                r["mean"] = ms
                self.dispersion(r, ms, sds, n, dec, style)
            if extra:
                r.update(extra)
            rows.append(r)
        if st.ptest and style != "median" and group == "ect":
            self.add_t_test(rows)
        if st.ptest and style == "median" and group == "ect":
            for r in rows[1:]:
                if r["timepoint"] == "end_of_course":
                    p = rng.uniform(0.004, 0.4)
                    r.update(p_value=fmt(p, 3), p_relation="=", test="wilcoxon")
        st.rows.extend(rows)
        return rows

    @staticmethod
    def dispersion(r, ms, sds, n, dec, style):
        if style in ("sd", "sd+se", "ci"):
            r["sd"] = sds
        if style in ("se", "sd+se"):
            for ds in range(dec + 1, dec + 5):
                se = fmt(float(sds) / math.sqrt(n), ds)
                if style == "se" or fmt(float(se) * math.sqrt(n), dec) == sds:
                    break
            r["se"] = se
        if style == "ci":
            t = float(stdtrit(n - 1, 0.975))
            half = t * float(sds) / math.sqrt(n)
            for dc in range(dec, dec + 4):
                lo, hi = fmt(float(ms) - half, dc), fmt(float(ms) + half, dc)
                back = math.sqrt(n) * (float(hi) - float(lo)) / (2 * t)
                if fmt(back, dec) == sds:
                    break
            r["ci_lower"], r["ci_upper"] = lo, hi

    @staticmethod
    def add_t_test(rows):
        base = rows[0]
        if base["timepoint"] != "baseline" or not base.get("sd"):
            return
        for r in rows[1:]:
            if r["timepoint"] != "end_of_course" or not r.get("sd"):
                continue
            m0, s0, m1, s1, n = (float(base["mean"]), float(base["sd"]), float(r["mean"]),
                                 float(r["sd"]), int(r["n"]))
            sdiff = math.sqrt(s0 * s0 + s1 * s1 - s0 * s1)  # pre-post r = 0.5
            t = fmt((m1 - m0) / (sdiff / math.sqrt(n)), 2)
            p, rel = fmt_p(p_two_tailed_t(float(t), n - 1))
            r.update(test="paired_t", statistic="t", test_statistic=t, df1=str(n - 1),
                     p_value=p, p_relation=rel)

    # ------------------------------------------------------------------ clinical scales
    def scale(self, st: Study, outcome: str, points, mu0=None, mu_end=None, dec=2, group="ect",
              ns=None, test=True):
        """Means/SDs computed from simulated integer scores of exactly n patients."""
        rng = st.rng
        top = 52 if outcome == "HAMD17" else 60
        if mu0 is None:
            mu0 = rng.uniform(22, 28) if outcome == "HAMD17" else rng.uniform(31, 38)
        if mu_end is None:
            mu_end = rng.uniform(9, 13) if outcome == "HAMD17" else rng.uniform(13, 19)
        sd0 = rng.uniform(3.5, 5.5)
        base = [min(top, max(8, round(rng.gauss(mu0, sd0)))) for _ in range(st.n)]
        drop = [rng.gauss(statistics.mean(base) - mu_end, 4.5) for _ in range(st.n)]
        rows = []
        scores_by_pt = []
        for i, pt in enumerate(points):
            n = ns[i] if ns else self.n_at(st, pt, group)
            frac = {"baseline": 0.0, "acute": 0.0, "during_course": 0.55,
                    "end_of_course": 1.0, "follow_up": 0.95}[pt[0]]
            sc = [min(top, max(0, round(b - frac * d + rng.gauss(0, 1.2 if frac else 0))))
                  for b, d in zip(base[:n], drop[:n])]
            if frac == 0.0:
                sc = base[:n]
            scores_by_pt.append(sc)
            r = self.new_row(st, group, outcome, pt, n, "points")
            r["mean"] = fmt(Fraction(sum(sc), n), dec)
            r["sd"] = fmt(statistics.stdev(sc), dec)
            if pt[0] == "end_of_course" and test and st.ptest:
                k = len(sc)
                diffs = [e - b for e, b in zip(sc, base[:k])]
                t = fmt(statistics.mean(diffs) / (statistics.stdev(diffs) / math.sqrt(k)), 2)
                p, rel = fmt_p(p_two_tailed_t(float(t), k - 1))
                r.update(test="paired_t", test_statistic=t, df1=str(k - 1), p_value=p, p_relation=rel)
            rows.append(r)
        st.rows.extend(rows)
        st.__dict__.setdefault("scale_scores", {})[outcome] = (base, scores_by_pt)
        return rows


# =========================================================================== the data set

def build() -> tuple[list[dict], list[dict], list[Study]]:
    bld = Builder()
    S, ser, scl = bld.study, bld.series, bld.scale
    cyto3 = [B, A(1, 1), A(1, 3), A(1, 6), E(72)]

    # 1 small-sample (high)
    st = S("Varga2004", "Varga", 2004, 12, n_eoc=11)
    ser(st, "IL-6", cyto3); ser(st, "TNF-α", cyto3); scl(st, "HAMD17", [B, E(72)])
    st.plants.append(("small-sample", "n_ect = 12 (below critical_n 15): high", None))

    # 2 small-sample (some concerns), mean +- SD and SEM, t tests
    st = S("Okonkwo2011", "Okonkwo", 2011, 25, n_eoc=23, style="sd+se", ptest=True,
           sample_type="plasma", assay="multiplex_bead")
    pts = [B, A(1, 2), A(1, 4), E(96)]
    ser(st, "IL-6", pts); ser(st, "TNF-α", pts); ser(st, "IL-10", pts)
    scl(st, "MADRS", [B, E(96)])
    st.plants.append(("small-sample", "n_ect = 25 (below min_n 34, not below 15): some_concerns", None))

    # 3 small control group
    st = S("Lindqvist2016", "Lindqvist", 2016, 40, n_eoc=36, control_type="healthy",
           n_control="15", controls_matched_on="age;sex;bmi", assay="hs_elisa", ptest=True)
    for o in ("IL-6", "CRP", "TNF-α"):
        ser(st, o, [B, E(96)])
        ser(st, o, [B, E(None)], group="control")
    for r in st.rows:
        if r["outcome"] == "CRP":
            r["assay"] = "hs_elisa"
    scl(st, "HAMD17", [B, E(96)])
    st.plants.append(("small-control-group", "15 healthy controls (below 34)", None))

    # 4 attrition
    st = S("Haddad2009", "Haddad", 2009, 30, n_eoc=21, n_fu=20)
    ser(st, "IL-6", [B, A(1, 1), A(1, 3), E(120), F(4)]); ser(st, "CRP", [B, E(120)])
    scl(st, "HAMD17", [B, E(120), F(4)])
    st.plants.append(("attrition", "n 30 at baseline, 21 at end of course (-30%), 20 at 4-week follow-up (-33%): some_concerns in every ECT series", "series"))

    # 5 bmi not addressed
    st = S("Brennan1998", "Brennan", 1998, 20, bmi_handling="reported_only", n_eoc=19)
    ser(st, "IL-6", [B, A(1, 1), A(1, 3), E(48)]); ser(st, "TNF-α", [B, A(1, 1), A(1, 3), E(48)])
    scl(st, "HAMD17", [B, E(48)])
    st.plants.append(("bmi-not-addressed", "bmi_handling = reported_only, no control group: some_concerns", None))

    # 6 smoking not addressed, with controls -> high
    st = S("Takahashi2007", "Takahashi", 2007, 28, n_eoc=26, control_type="healthy",
           n_control="38", controls_matched_on="age;sex;bmi", smoking_handling="not_reported",
           sample_type="plasma", bmi_handling="matched")
    for o in ("IL-6", "TNF-α"):
        ser(st, o, [B, E(72)]); ser(st, o, [B, E(None)], group="control")
    scl(st, "HAMD17", [B, E(72)])
    st.plants.append(("smoking-not-addressed", "smoking_handling = not_reported with a healthy control group: high", None))

    # 7 medication not addressed, uncontrolled -> high
    st = S("Moreau2013", "Moreau", 2013, 22, medication_handling="not_reported",
           medication_status="uncontrolled")
    ser(st, "IL-6", [B, A(1, 3), A(1, 6), E(72)]); ser(st, "IL-10", [B, A(1, 3), A(1, 6), E(72)])
    scl(st, "MADRS", [B, E(72)])
    st.plants.append(("medication-not-addressed", "medication_handling = not_reported, medication_status = uncontrolled: high", None))

    # 8 inflammation not excluded; medians with quartiles
    st = S("Kowalczyk2019", "Kowalczyk", 2019, 26, inflammatory_disease_handling="reported_only",
           style="median", ptest=True, assay="hs_elisa", n_eoc=24)
    for o in ("IL-6", "CRP", "TNF-α"):
        ser(st, o, [B, E(96)])
    scl(st, "MADRS", [B, E(96)], test=False)
    st.plants.append(("inflammation-not-excluded", "inflammatory_disease_handling = reported_only", None))

    # 9 medication changed during course; multiplex panel
    st = S("Esposito2021", "Esposito", 2021, 32, medication_changed_during_course="yes",
           sample_type="plasma", assay="multiplex_bead", n_eoc=29)
    for o in ("IL-6", "TNF-α", "IL-1β", "IL-10", "IFN-γ"):
        ser(st, o, [B, E(48)])
    scl(st, "HAMD17", [B, E(48)])
    st.plants.append(("medication-changed-during-course", "medication_changed_during_course = yes", None))

    # 10 CRP suggests infection
    st = S("Andersen2005", "Andersen", 2005, 24, n_eoc=22)
    ser(st, "CRP", [B, E(96)], base=14.0, cv=0.7)
    ser(st, "IL-6", [B, E(96)]); scl(st, "HAMD17", [B, E(96)])
    st.plants.append(("crp-suggests-infection", "baseline CRP mean 14.00 mg/L (above 10)", ("CRP", "baseline")))

    # 11 no control group (otherwise clean; n >= 34), responders vs non-responders
    st = S("Ferreira2017", "Ferreira", 2017, 40, n_eoc=37, assay="hs_elisa",
           clinical_response_linked="yes", bmi_handling="adjusted", medication_status="washout")
    for o in ("IL-6", "CRP"):
        ser(st, o, [B, E(168)])
    for o in ("IL-6", "CRP"):
        ser(st, o, [B, E(168)], group="ect_responders", ns=[21, 21], scale=1.15)
        ser(st, o, [B, E(168)], group="ect_nonresponders", ns=[16, 16], scale=0.85)
    scl(st, "HAMD17", [B, E(168)])
    st.plants.append(("no-control-group", "control_type = none (n_ect 40, so small-sample stays quiet)", None))

    # 12 anesthetic not reported; IL-1beta and IL-6 at 3 and 6 h
    st = S("Dubois1996", "Dubois", 1996, 18, anesthetic="not_reported", n_eoc=17, sample_type="plasma")
    pts = [B, A(1, 3), A(1, 6), E(72)]
    ser(st, "IL-6", pts); ser(st, "IL-1β", pts); scl(st, "HAMD17", [B, E(72)])
    st.plants.append(("anesthetic-not-reported", "anesthetic = not_reported", None))

    # 13 controls measured at baseline only
    st = S("Petrov2010", "Petrov", 2010, 23, n_eoc=21, control_type="healthy", n_control="40",
           controls_matched_on="age;sex;bmi;smoking", sample_type="plasma", bmi_handling="matched",
           smoking_handling="matched")
    for o in ("TNF-α", "IL-6"):
        ser(st, o, [B, D(6), E(72)]); ser(st, o, [B], group="control")
    scl(st, "HAMD17", [B, D(6), E(72)])
    st.plants.append(("controls-baseline-only", "40 healthy controls sampled once, ECT group at baseline, session 6 and course end", None))

    # 14 missing baseline
    st = S("Silva2014", "Silva", 2014, 27, n_eoc=25, assay="multiplex_bead")
    pts = [B, A(1, 1), A(1, 3), E(72)]
    ser(st, "IL-6", pts); ser(st, "TNF-α", pts); ser(st, "IL-10", pts[1:])
    scl(st, "MADRS", [B, E(72)])
    st.plants.append(("missing-baseline", "IL-10 reported at 1 h, 3 h and course end, never at baseline", ("IL-10", None)))

    # 15 missing post-course
    st = S("Reinholt2008", "Reinholt", 2008, 21, n_eoc=20)
    pts = [B, A(1, 1), A(1, 4), E(96)]
    ser(st, "IL-6", pts); ser(st, "TNF-α", pts); ser(st, "BDNF", [B])
    scl(st, "HAMD17", [B, E(96)])
    st.plants.append(("missing-post-course", "BDNF only at baseline", ("BDNF", None)))

    # 16 sparse acute window
    st = S("Mwangi2018", "Mwangi", 2018, 19, n_eoc=18, sample_type="plasma")
    ser(st, "IL-6", [B, A(1, 12), E(72)]); ser(st, "TNF-α", [B, A(1, 12), E(72)])
    scl(st, "HAMD17", [B, E(72)])
    st.plants.append(("sparse-acute-window", "acute samples only 12 h after session 1 (one time, outside 1-6 h)", "series"))

    # 17 end-of-course timing unknown
    st = S("Kaplan2003", "Kaplan", 2003, 17, n_eoc=16)
    ser(st, "IL-6", [B, A(1, 1), A(1, 3), E(None)]); ser(st, "TNF-α", [B, A(1, 1), A(1, 3), E(None)])
    scl(st, "HAMD17", [B, E(None)])
    st.plants.append(("end-of-course-timing-unknown", "end-of-course rows without hours_after_last_session", ("*", "end_of_course")))

    # 18 end of course too soon (CRP at 24 h)
    st = S("Oyelaran2022", "Oyelaran", 2022, 29, n_eoc=27, assay="hs_elisa")
    ser(st, "CRP", [B, E(24)]); ser(st, "IL-6", [B, A(1, 1), A(1, 3), E(48)])
    scl(st, "HAMD17", [B, E(48)])
    st.plants.append(("end-of-course-too-soon", "CRP 24 h after the last session (CRP needs >= 72 h)", ("CRP", "end_of_course")))

    # 19 sampling time not standardised; medians
    st = S("Janssen2000", "Janssen", 2000, 15, n_eoc=14, sampling_time_standardized="no",
           style="median", ptest=True)
    pts = [B, A(1, 2), A(1, 4), E(72)]
    ser(st, "IL-6", pts); ser(st, "TNF-α", pts); scl(st, "HAMD17", [B, E(72)], dec=1, test=False)
    st.plants.append(("sampling-time-not-standardized", "sampling_time_standardized = no", None))

    # 20 assay not reported
    st = S("Rossi1993", "Rossi", 1993, 16, assay="not_reported", n_eoc=15)
    pts = [B, A(1, 1), A(1, 6), E(96)]
    ser(st, "IL-6", pts); ser(st, "IL-1β", pts); scl(st, "HAMD17", [B, E(96)], dec=1)
    st.plants.append(("assay-not-reported", "assay = not_reported", None))

    # 21 serial samples not batched
    st = S("Halvorsen2015", "Halvorsen", 2015, 33, same_batch="no", n_eoc=30, ptest=True)
    for o in ("IL-6", "TNF-α", "CRP"):
        ser(st, o, [B, E(168)])
    scl(st, "MADRS", [B, E(168)])
    st.plants.append(("serial-samples-not-batched", "same_batch = no", None))

    # 22 stimulated whole blood (LPS), sessions 1, 5, 11
    st = S("Lehmann1999", "Lehmann", 1999, 16, sample_type="whole_blood_stimulated", n_eoc=16,
           notes=STUDY_NOTE + " LPS-stimulated whole blood.")
    pts = [B, A(1, 0.5), A(1, 1), A(5, 0.5), A(5, 1), A(11, 0.5), A(11, 1)]
    stim = dict(notes="LPS-stimulated whole blood, 24 h culture")
    ser(st, "IL-6", pts, base=st.rng.uniform(9000, 15000), dec=0, extra=stim)
    ser(st, "TNF-α", pts, base=st.rng.uniform(1800, 3200), dec=0, extra=stim)
    ser(st, "IL-1β", pts, base=st.rng.uniform(2500, 5000), dec=0, extra=stim)
    st.plants.append(("stimulated-sample", "sample_type = whole_blood_stimulated", None))

    # 23 mixed sample types
    st = S("Castillo2012", "Castillo", 2012, 24, sample_type="mixed", n_eoc=22)
    ser(st, "IL-6", [B, E(96)], extra=dict(notes="plasma"))
    ser(st, "CRP", [B, E(96)], extra=dict(notes="serum"))
    scl(st, "HAMD17", [B, E(96)])
    st.plants.append(("mixed-sample-types", "sample_type = mixed (plasma IL-6, serum CRP)", None))

    # 24 below detection limit: IL-6 and IL-1beta at 2 and 4 h after sessions 1, 5, 10
    st = S("Ivanova2020", "Ivanova", 2020, 30, assay="hs_elisa", n_eoc=27)
    pts = [B, A(1, 2), A(1, 4), A(5, 2), A(5, 4), A(10, 2), A(10, 4), E(72)]
    il6 = ser(st, "IL-6", pts)
    il1 = ser(st, "IL-1β", pts, base=0.62)
    for r in il6:
        r.update(lod="0.15", n_below_lod="1")
    for i, r in enumerate(il1):
        r.update(lod="0.30", n_below_lod=str([18, 16, 15, 17, 16, 17, 17, 17][i]))
    scl(st, "HAMD17", [B, E(72)])
    st.plants.append(("below-detection-limit", "IL-1β: 15 to 18 of n samples below the LOD of 0.30 pg/mL (baseline 18 of 30 = 60%)", ("IL-1β", "*")))

    # 25 implausible value (ng/mL typed as pg/mL)
    st = S("Fischer2006", "Fischer", 2006, 20, n_eoc=19)
    rows = ser(st, "IL-6", [B, A(1, 1), A(1, 3), E(72)], dec=2)
    rows[2].update(mean="0.004", sd="0.002")
    ser(st, "TNF-α", [B, A(1, 1), A(1, 3), E(72)]); scl(st, "HAMD17", [B, E(72)])
    st.plants.append(("implausible-value", "IL-6 at 3 h: mean 0.004 pg/mL (the paper's ng/mL copied as pg/mL)", ("IL-6", "acute", "3")))

    # 26 insensitive CRP assay
    st = S("Boateng2017", "Boateng", 2017, 26, n_eoc=24)
    ser(st, "CRP", [B, E(96)], base=1.8, cv=0.75, extra=dict(assay="immunoturbidimetric"))
    ser(st, "IL-6", [B, E(96)]); scl(st, "MADRS", [B, E(96)])
    st.plants.append(("insensitive-crp-assay", "CRP by a conventional immunoturbidimetric assay, mean 1.80 mg/L (and about 1.6 at course end)", ("CRP", "*")))

    # 27 missing dispersion
    st = S("Novak2002", "Novak", 2002, 18, n_eoc=17)
    pts = [B, A(1, 1), A(1, 3), E(72)]
    ser(st, "IL-6", pts)
    for r in ser(st, "TNF-α", pts):
        r["sd"] = ""
        r["source"] = "text"
        r["source_detail"] = "Results, p. 4"
    scl(st, "HAMD17", [B, E(72)])
    st.plants.append(("missing-dispersion", "TNF-α means given without SD, SE or CI (extraction: sd = NR)", ("TNF-α", "*")))

    # 28 ECT parameters not reported
    st = S("Yilmaz2011", "Yilmaz", 2011, 22, electrode_placement="not_reported", pulse_width="",
           sample_type="plasma", n_eoc=20)
    pts = [B, A(1, 1), A(1, 3), E(72)]
    ser(st, "IL-6", pts); ser(st, "IL-8", pts); scl(st, "MADRS", [B, E(72)])
    st.plants.append(("ect-parameters-not-reported", "electrode_placement = not_reported, pulse_width empty", None))

    # 29 multiplicity not corrected; mean with 95% CI
    st = S("Sorensen2019", "Sorensen", 2019, 36, multiplicity_corrected="no", sample_type="plasma",
           assay="multiplex_bead", style="ci", n_eoc=33)
    for o in ("IL-6", "TNF-α", "IL-1β", "IL-8", "IL-10", "IFN-γ"):
        ser(st, o, [B, A(1, 1), A(1, 3), E(72)])
    scl(st, "HAMD17", [B, E(72)])
    st.plants.append(("multiplicity-not-corrected", "six cytokines, multiplicity_corrected = no", None))

    # 30 single extraction
    st = S("Abebe2023", "Abebe", 2023, 31, checked_by="", n_eoc=28, assay="hs_elisa")
    ser(st, "IL-6", [B, E(96)]); ser(st, "CRP", [B, E(96)]); ser(st, "BDNF", [B, E(96)])
    scl(st, "MADRS", [B, E(96)])
    st.plants.append(("single-extraction", "checked_by empty", None))

    # 31 study without measurements
    st = S("Ortega2024", "Ortega", 2024, 45, notes=STUDY_NOTE + " Data requested from the authors; none extracted yet.")
    st.plants.append(("study-without-measurements", "no rows in measurements", None))

    # 32/33 overlapping cohort (kynurenine pathway)
    st = S("Hirano2012", "Hirano", 2012, 34, cohort_id="hirano-cohort-1", assay="hplc",
           sample_type="plasma", n_eoc=31)
    pts = [B, A(1, 1), A(1, 3), E(72)]
    ser(st, "kynurenine", pts); ser(st, "tryptophan", pts); scl(st, "MADRS", [B, E(72)])
    st.plants.append(("overlapping-cohort", "shares cohort_id hirano-cohort-1 with Hirano2014", None))
    st = S("Hirano2014", "Hirano", 2014, 34, cohort_id="hirano-cohort-1", sample_type="plasma",
           n_eoc=31, n_fu=29)
    ser(st, "IL-6", [B, E(72), F(12)])
    for o in ("kynurenine", "tryptophan"):
        ser(st, o, [B, E(72), F(12)], extra=dict(assay="hplc"))
    scl(st, "MADRS", [B, E(72), F(12)])
    st.plants.append(("overlapping-cohort", "shares cohort_id hirano-cohort-1 with Hirano2012", None))

    # 34 figure digitised
    st = S("Lund2008", "Lund", 2008, 21, n_eoc=20, source_detail="Figure 2")
    for r in ser(st, "IL-6", [B, A(1, 1), A(1, 3), A(1, 6), E(72)]):
        r["source"] = "figure_digitized"
    for r in scl(st, "HAMD17", [B, E(72)]):
        r["source"], r["source_detail"] = "text", "Results"
    st.plants.append(("figure-digitized", "IL-6 read off Figure 2 with a digitiser", ("IL-6", "*")))

    # 35 SD that is really an SE
    st = S("Mendes2010", "Mendes", 2010, 30, n_eoc=28)
    rows = ser(st, "IL-6", [B, A(1, 1), A(1, 3), E(72)])
    rows[0].update(mean="4.2", sd="0.31")
    ser(st, "TNF-α", [B, A(1, 1), A(1, 3), E(72)]); scl(st, "HAMD17", [B, E(72)])
    st.plants.append(("sd-possibly-se", "IL-6 baseline n 30, mean 4.2, sd 0.31: sd/mean = 0.074 < 0.25 (0.31 x sqrt(30) = 1.70 would be the SD)", ("IL-6", "baseline")))

    # 36 SD inconsistent with SE
    st = S("Park2016", "Park", 2016, 20, n_eoc=20, style="sd+se")
    rows = ser(st, "IL-6", [B, E(72)])
    ser(st, "TNF-α", [B, E(72)]); scl(st, "MADRS", [B, E(72)])
    st.plants.append(("sd-se-inconsistent", "IL-6 at course end: se does not match sd / sqrt(n)", ("IL-6", "end_of_course")))

    # 37 GRIM-impossible HAMD17 mean
    st = S("Quinn2005", "Quinn", 2005, 17, n_eoc=16)
    ser(st, "IL-6", cyto3); ser(st, "TNF-α", cyto3); scl(st, "HAMD17", [B, E(72)])
    st.plants.append(("grim-inconsistent", "HAMD17 baseline mean impossible for n 17 (see below)", ("HAMD17", "baseline")))

    # 38 p-value decision error
    st = S("Wojcik2013", "Wojcik", 2013, 21, n_eoc=21)
    rows = ser(st, "IL-6", [B, A(1, 1), A(1, 3), E(72)])
    rows[-1].update(test="paired_t", statistic="t", test_statistic="1.50", df1="20",
                    p_value="0.03", p_relation="=")
    ser(st, "TNF-α", [B, A(1, 1), A(1, 3), E(72)]); scl(st, "HAMD17", [B, E(72)])
    st.plants.append(("p-value-inconsistent", "IL-6 at course end: t = 1.50, df 20, p reported 0.03 (recomputed 0.149): decision error", ("IL-6", "end_of_course")))

    # 39 cytokine array in arbitrary units
    st = S("Tanaka2019", "Tanaka", 2019, 15, n_eoc=15, assay="cytokine_array")
    for o, b in (("IL-6", 18), ("IL-8", 42), ("IL-10", 12), ("MCP-1", 55), ("IP-10", 30), ("TNF-α", 22)):
        ser(st, o, [B, E(72)], base=b * st.rng.uniform(0.8, 1.2), unit="AU", dec=1)
    scl(st, "HAMD17", [B, E(72)])

    # 40 CRP in mg/dL
    st = S("Schmidt1997", "Schmidt", 1997, 19, n_eoc=18)
    ser(st, "CRP", [B, A(1, 6), A(1, 24), E(96)], base=st.rng.uniform(0.25, 0.45), unit="mg/dL", dec=2, cv=0.75)
    ser(st, "IL-6", [B, A(1, 1), A(1, 6), E(96)]); scl(st, "HAMD17", [B, E(96)], dec=1)

    # 41 large fasting study with controls, covariate-adjusted
    st = S("Haugen2021", "Haugen", 2021, 86, n_eoc=78, control_type="healthy", n_control="57",
           controls_matched_on="age;sex", sample_type="plasma", assay="hs_elisa", fasting="yes",
           bmi_handling="adjusted", smoking_handling="adjusted", medication_handling="adjusted",
           design="cohort", multiplicity_corrected="yes")
    for o in ("CRP", "IL-1β", "IL-6", "IL-10", "TNF-α"):
        rows = ser(st, o, [B, E(168)])
        p = st.rng.uniform(0.01, 0.6)
        rows[-1].update(test="mixed_model", p_value=fmt(p, 3), p_relation="=")
        ser(st, o, [B, E(None)], group="control", ns=[57, 52])
    scl(st, "MADRS", [B, E(168)])

    # 42 NK activity, cortisol, ACTH around session 1 (the study with 'twelve')
    st = S("Dragan2001", "Dragan", 2001, 12, n_eoc=12, sample_type="plasma", anesthetic="etomidate")
    pts = [B, A(1, -0.5), A(1, 0.25), A(1, 1)]
    ser(st, "NK_activity", pts, extra=dict(assay="other", notes="chromium-release assay"))
    ser(st, "cortisol", pts, extra=dict(assay="other", notes="radioimmunoassay"))
    ser(st, "ACTH", pts, extra=dict(assay="other", notes="radioimmunoassay"))

    # study-level derived fields
    for st in bld.studies:
        outs = {r["outcome"] for r in st.rows}
        n_imm = sum(OUTCOME_CLASS[o] in IMMUNE for o in outs)
        if not st.fields["multiplicity_corrected"]:
            st.fields["multiplicity_corrected"] = "yes" if n_imm >= 3 else "not_applicable"

    studies = [st.fields for st in bld.studies]
    measurements = [r for st in bld.studies for r in st.rows]
    return studies, measurements, bld.studies


# =========================================================================== planted problems

@dataclass
class Plant:
    rule: str
    table: str
    row_index: int  # 0-based record index
    column: str
    wrong: str
    clean: str
    seen: str


def find(rows, **kw) -> int:
    hits = [i for i, r in enumerate(rows) if all(r[k] == v for k, v in kw.items())]
    assert len(hits) == 1, (kw, hits)
    return hits[0]


def grim_possible(mean_text: str, n: int) -> bool:
    d = dec_of(mean_text)
    m = Decimal(mean_text)
    total = m * n
    for s in (math.floor(total), math.ceil(total)):
        if fmt(Fraction(s, n), d) == mean_text:
            return True
    return False


def plant_forensics(studies, meas, info):
    """Number problems that are part of the clean data too (not schema errors)."""
    # sd inconsistent with se (Park2016 IL-6 end of course)
    i = find(meas, study_id="Park2016", outcome="IL-6", timepoint="end_of_course")
    r = meas[i]
    n = int(r["n"])
    wrong_se = fmt(float(r["sd"]) / math.sqrt(n) * 1.9, 3)
    info["sdse"] = (i, r["sd"], r["se"], wrong_se, n)
    r["se"] = wrong_se
    # GRIM-impossible HAMD17 mean (Quinn2005 baseline)
    i = find(meas, study_id="Quinn2005", outcome="HAMD17", timepoint="baseline")
    r = meas[i]
    n = int(r["n"])
    true = r["mean"]
    cand = [fmt(Decimal(true) + Decimal(k) / 100, 2) for k in (1, -1, 2, -2, 3, -3, 4, -4)]
    bad = next(c for c in cand if not grim_possible(c, n))
    info["grim"] = (i, true, bad, n)
    r["mean"] = bad


def plant_errors(studies, meas) -> tuple[list[Plant], list[Plant], list[Plant]]:
    """Mutate copies into the extraction twin; return (errors, normalised, tokens)."""
    errs: list[Plant] = []
    norms: list[Plant] = []
    toks: list[Plant] = []

    def put(kind, rule, table, rows, idx, col, wrong, seen):
        clean = rows[idx][col]
        p = Plant(rule, table, idx, col, wrong, clean, seen)
        rows[idx][col] = wrong
        kind.append(p)

    S, M = studies, meas
    # --- schema errors
    i = find(S, study_id="Dragan2001")
    put(errs, "schema/type", "studies", S, i, "n_ect", "twelve",
        "n_ect must be an integer; got text 'twelve'")
    i = find(S, study_id="Ferreira2017")
    put(errs, "schema/pattern", "studies", S, i, "doi", S[i]["doi"].replace("10.5555", "10.555"),
        "doi does not match ^10\\.\\d{4,9}/\\S+$ (registrant 555 has only 3 digits)")
    i = find(M, study_id="Esposito2021", outcome="IFN-γ", timepoint="end_of_course")
    put(errs, "schema/range", "measurements", M, i, "sd", "-" + M[i]["sd"],
        "sd must be >= 0 (a minus sign copied from the change column)")
    i = find(M, study_id="Sorensen2019", outcome="IL-6", timepoint="acute", hours_after_session="3")
    put(errs, "schema/vocabulary", "measurements", M, i, "outcome", "IL-66",
        "unknown outcome 'IL-66'; did you mean 'IL-6'?")
    i = find(M, study_id="Halvorsen2015", outcome="CRP", timepoint="end_of_course")
    put(errs, "schema/unit", "measurements", M, i, "unit", "pg/mL",
        "unit 'pg/mL' does not suit CRP (acute_phase: mg/L, mg/dL, µg/mL, nmol/L)")
    i = find(M, study_id="Okonkwo2011", outcome="TNF-α", timepoint="acute", hours_after_session="4")
    put(errs, "schema/reference", "measurements", M, i, "study_id", "Okonkwo2101",
        "study_id 'Okonkwo2101' is not in studies (digits swapped; Okonkwo2011 meant)")
    i = find(M, study_id="Petrov2010", outcome="HAMD17", timepoint="during_course")
    put(errs, "schema/cross-field", "measurements", M, i, "n", "32",
        "n 32 is above the study's n_ect 23 (digits swapped)")
    i = find(M, study_id="Janssen2000", outcome="TNF-α", timepoint="acute", hours_after_session="2")
    r = M[i]
    wrong_q1 = fmt((float(r["median"]) + float(r["q3"])) / 2, dec_of(r["q1"]))
    put(errs, "schema/cross-field", "measurements", M, i, "q1", wrong_q1,
        f"q1 {wrong_q1} is above the median {r['median']} (quartiles out of order)")
    i = find(M, study_id="Ivanova2020", outcome="IL-6", timepoint="acute", session="5", hours_after_session="4")
    put(errs, "schema/required", "measurements", M, i, "hours_after_session", "",
        "hours_after_session is required for an acute row (empty)")
    j = find(M, study_id="Reinholt2008", outcome="IL-6", timepoint="acute", hours_after_session="1")
    i = find(M, study_id="Reinholt2008", outcome="IL-6", timepoint="acute", hours_after_session="4")
    errs.append(Plant("schema/unique", "measurements", j, "hours_after_session", "1", "1",
                      f"duplicated key (Reinholt2008, ect, IL-6, acute, session 1, 1 h): first of the pair; the other is row {i + 2}"))
    put(errs, "schema/unique", "measurements", M, i, "hours_after_session", "1",
        f"duplicated key: the 4 h row typed as 1 h, same key as row {j + 2}")

    # --- spellings that normalise
    i = find(M, study_id="Haugen2021", group="control", outcome="IL-6", timepoint="baseline")
    put(norms, "schema/normalised", "measurements", M, i, "outcome", "IL6", "IL6 -> IL-6")
    i = find(M, study_id="Takahashi2007", group="ect", outcome="TNF-α", timepoint="baseline")
    put(norms, "schema/normalised", "measurements", M, i, "outcome", "TNF-alpha", "TNF-alpha -> TNF-α")
    i = find(M, study_id="Lindqvist2016", group="ect", outcome="CRP", timepoint="baseline")
    put(norms, "schema/normalised", "measurements", M, i, "outcome", "hsCRP",
        "hsCRP -> CRP (row assay already hs_elisa)")
    i = find(M, study_id="Moreau2013", outcome="IL-10", timepoint="baseline")
    put(norms, "schema/normalised", "measurements", M, i, "unit", "pg/ml", "pg/ml -> pg/mL")
    i = find(S, study_id="Kaplan2003")
    put(norms, "schema/normalised", "studies", S, i, "sample_type", "Serum", "Serum -> serum (case)")
    i = find(M, study_id="Mwangi2018", outcome="HAMD17", timepoint="end_of_course")
    put(norms, "schema/normalised", "measurements", M, i, "outcome", "HAM-D", "HAM-D -> HAMD17")

    # --- missing-value tokens (read as missing; not findings)
    for k, idx in enumerate(i for i, r in enumerate(M) if r["study_id"] == "Novak2002" and r["outcome"] == "TNF-α"):
        put(toks, "", "measurements", M, idx, "sd", "NR", "NR = not reported = missing")
    i = find(S, study_id="Yilmaz2011")
    put(toks, "", "studies", S, i, "pmid", "NA", "NA = missing")
    return errs, norms, toks


# =========================================================================== writers

def write_csv(path: Path, columns, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for r in rows:
        for c in columns:
            assert "\n" not in r[c] and "\r" not in r[c], (c, r[c])
        w.writerow([r[c] for c in columns])
    path.write_bytes(buf.getvalue().encode("utf-8"))


NUM_RE = re.compile(r"^-?\d+(\.\d+)?$")


def cell_value(col: str, text: str):
    """(value, number_format) for a workbook cell."""
    if text == "":
        return None, None
    if col in NUM_COLUMNS and NUM_RE.match(text):
        if "." in text:
            return float(text), "0." + "0" * dec_of(text)
        return int(text), "0" if col not in INT_COLUMNS else "General"
    return text, "@" if col in NUM_COLUMNS else None


ABOUT = [
    "ectqa sample data: INVENTED for demonstration and tests.",
    "Every study, author, DOI, PubMed id and number in this workbook is invented; none describes a real "
    "publication, patient or measurement. DOIs use the 10.5555 prefix reserved for examples; PubMed ids "
    "start at 99900001, beyond any existing record.",
    "The data are shaped like published studies of electroconvulsive therapy (ECT) and the immune system, "
    "and carry deliberate schema errors and methodological weaknesses (see sample_data/README.md).",
    "Made by scripts/make_sample_data.py (fixed seed); regenerate with: python scripts/make_sample_data.py",
    "Sheets: studies (one row per study), measurements (one row per summary statistic). Header on row 1.",
]


def write_xlsx(path: Path, studies, meas):
    wb = Workbook()
    ws0 = wb.active
    ws0.title = "studies"
    for name, cols, rows, ws in (("studies", STUDY_COLUMNS, studies, ws0),
                                 ("measurements", MEASUREMENT_COLUMNS, meas, None)):
        if ws is None:
            ws = wb.create_sheet(name)
        ws.append(cols)
        for ri, r in enumerate(rows, start=2):
            for ci, c in enumerate(cols, start=1):
                v, nf = cell_value(c, r[c])
                if v is None:
                    continue
                cell = ws.cell(row=ri, column=ci, value=v)
                if nf:
                    cell.number_format = nf
        ws.freeze_panes = "A2"
    ab = wb.create_sheet("about")
    for line in ABOUT:
        ab.append([line])
    ab.column_dimensions["A"].width = 120
    fixed = __import__("datetime").datetime(*FIXED_DATE)
    wb.properties.created = fixed
    wb.properties.modified = fixed
    wb.properties.creator = "ectqa make_sample_data.py"
    wb.properties.title = "ectqa sample data (invented)"
    raw = io.BytesIO()
    wb.save(raw)
    # make the bytes stable: fixed modified date and fixed zip timestamps
    src = zipfile.ZipFile(io.BytesIO(raw.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                              rb"\g<1>" + FIXED_ISO.encode() + rb"\g<2>", data)
                data = re.sub(rb"(<dcterms:created[^>]*>)[^<]*(</dcterms:created>)",
                              rb"\g<1>" + FIXED_ISO.encode() + rb"\g<2>", data)
            zi = zipfile.ZipInfo(info.filename, date_time=FIXED_DATE)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, data)
    path.write_bytes(out.getvalue())


# =========================================================================== expected quality flags

def expected_quality(studies, meas) -> dict[str, list[str]]:
    """A simplified reading of the rule catalogue on the clean data, for the README."""
    out: dict[str, list[str]] = {}
    add = lambda rule, sid: out.setdefault(rule, []).append(sid) if sid not in out.get(rule, []) else None
    addressed = {"excluded", "restricted", "matched", "adjusted"}
    by_study: dict[str, list[dict]] = {}
    for r in meas:
        by_study.setdefault(r["study_id"], []).append(r)
    for s in studies:
        sid = s["study_id"]
        n = int(s["n_ect"])
        rows = by_study.get(sid, [])
        ctrl = s["control_type"] != "none"
        if n < 34:
            add("small-sample (some_concerns)" if n >= 15 else "small-sample (high)", sid)
        if ctrl and int(s["n_control"]) < 34:
            add("small-control-group", sid)
        for conf in ("bmi", "smoking"):
            if s[f"{conf}_handling"] not in addressed:
                add(f"{conf}-not-addressed", sid)
        if s["medication_handling"] not in addressed and s["medication_status"] not in ("drug_free", "washout"):
            add("medication-not-addressed", sid)
        if ctrl:
            m = set(s["controls_matched_on"].split(";"))
            if not ({"age", "sex"} <= m or s["age_sex_handling"] in addressed):
                add("age-sex-not-addressed", sid)
        if s["inflammatory_disease_handling"] not in addressed:
            add("inflammation-not-excluded", sid)
        if s["medication_changed_during_course"] == "yes":
            add("medication-changed-during-course", sid)
        if not ctrl:
            add("no-control-group", sid)
        if any(r["timepoint"] == "acute" for r in rows) and s["control_type"] != "anesthesia_only":
            add("anesthesia-not-controlled", sid)
        if s["anesthetic"] == "not_reported":
            add("anesthetic-not-reported", sid)
        ctl_rows = [r for r in rows if r["group"] == "control"]
        if ctl_rows and all(r["timepoint"] == "baseline" for r in ctl_rows) and any(
                r["group"] == "ect" and r["timepoint"] != "baseline" for r in rows):
            add("controls-baseline-only", sid)
        if s["sampling_time_standardized"] == "no":
            add("sampling-time-not-standardized", sid)
        if s["assay"] == "not_reported":
            add("assay-not-reported", sid)
        if s["same_batch"] == "no":
            add("serial-samples-not-batched", sid)
        if s["sample_type"] == "whole_blood_stimulated":
            add("stimulated-sample", sid)
        if s["sample_type"] == "mixed":
            add("mixed-sample-types", sid)
        if s["electrode_placement"] in ("", "not_reported") or s["pulse_width"] in ("", "not_reported"):
            add("ect-parameters-not-reported", sid)
        imm = {r["outcome"] for r in rows if OUTCOME_CLASS[r["outcome"]] in IMMUNE}
        if len(imm) >= 3 and s["multiplicity_corrected"] in ("no", "not_reported"):
            add("multiplicity-not-corrected", sid)
        if s["clinical_response_linked"] != "yes":
            add("response-not-linked", sid)
        if not s["checked_by"]:
            add("single-extraction", sid)
        if not rows:
            add("study-without-measurements", sid)
        if s["cohort_id"] and sum(t["cohort_id"] == s["cohort_id"] for t in studies) > 1:
            add("overlapping-cohort", sid)
        # series level (ECT group)
        ect = [r for r in rows if r["group"] == "ect"]
        for o in sorted({r["outcome"] for r in ect}):
            ser = [r for r in ect if r["outcome"] == o]
            tps = {r["timepoint"] for r in ser}
            base = [int(r["n"]) for r in ser if r["timepoint"] == "baseline"]
            late = [int(r["n"]) for r in ser if r["timepoint"] in ("end_of_course", "follow_up")]
            if base and late and late[-1] < 0.8 * base[0]:
                add("attrition", sid)
            if tps - {"baseline"} and "baseline" not in tps:
                add("missing-baseline", sid)
            if tps == {"baseline"}:
                add("missing-post-course", sid)
            acute = [float(r["hours_after_session"]) for r in ser if r["timepoint"] == "acute"]
            if acute:
                cls = OUTCOME_CLASS[o]
                win = {"cytokine": (1, 6), "acute_phase": (1, 6), "neuroendocrine": (0, 1), "cellular": (0, 1)}.get(cls)
                pos = {h for h in acute if h > 0}
                if len(pos) < 2 or (win and not any(win[0] <= h <= win[1] for h in acute)):
                    add("sparse-acute-window", sid)
                if {r["session"] for r in ser if r["timepoint"] == "acute"} == {"1"}:
                    add("acute-first-session-only", sid)
        for r in ect:
            o = r["outcome"]
            if r["timepoint"] == "end_of_course":
                h = r["hours_after_last_session"]
                if h == "":
                    add("end-of-course-timing-unknown", sid)
                elif float(h) < (72 if o == "CRP" else 48):
                    add("end-of-course-too-soon", sid)
        for r in rows:
            o = r["outcome"]
            centre = r["mean"] or r["median"]
            c = float(centre)
            crp_mgl = c * (10 if r["unit"] == "mg/dL" else 1) if o == "CRP" else None
            if o == "CRP" and r["timepoint"] == "baseline" and (
                    (r["mean"] and crp_mgl > 10) or (not r["mean"] and crp_mgl > 5)):
                add("crp-suggests-infection", sid)
            if r["lod"] and (c < float(r["lod"]) or (r["n_below_lod"] and int(r["n_below_lod"]) > 0.3 * int(r["n"]))):
                add("below-detection-limit", sid)
            if s["sample_type"] in ("serum", "plasma", "mixed"):
                rng_ = {"IL-6": (0.01, 100), "TNF-α": (0.01, 500), "IL-1β": (0.01, 500), "IL-10": (0.01, 500),
                        "IFN-γ": (0.01, 500), "IL-8": (0.01, 2000), "CRP": (0.1, 100), "cortisol": (20, 2000),
                        "HAMD17": (0, 52), "MADRS": (0, 60)}.get(o)
                val = crp_mgl if o == "CRP" else c
                if rng_ and r["unit"] in ("pg/mL", "mg/L", "mg/dL", "nmol/L", "points") and not rng_[0] <= val <= rng_[1]:
                    add("implausible-value", sid)
            assay = r["assay"] or s["assay"]
            if o == "CRP" and assay in ("immunoturbidimetric", "nephelometric") and crp_mgl < 3:
                add("insensitive-crp-assay", sid)
            if o == "CRP" and r["unit"] == "mg/L" and c < 0.5:
                add("crp-unit-suspect", sid)
            if (r["mean"] and not (r["sd"] or r["se"] or r["ci_lower"])) or (
                    not r["mean"] and not (r["q1"] or r["min"])):
                add("missing-dispersion", sid)
            if r["source"] == "figure_digitized":
                add("figure-digitized", sid)
            if r["sd"] and not r["se"] and not r["ci_lower"] and int(r["n"]) >= 10 and r["mean"]:
                cls = OUTCOME_CLASS[o]
                if cls in ("cytokine", "acute_phase") and float(r["sd"]) / c < (0.30 if o == "CRP" else 0.25):
                    add("sd-possibly-se", sid)
            if r["sd"] and r["se"]:
                n = int(r["n"])
                tol = 0.5 * 10 ** -dec_of(r["sd"]) + 0.5 * 10 ** -dec_of(r["se"]) * math.sqrt(n)
                if abs(float(r["sd"]) - float(r["se"]) * math.sqrt(n)) > tol:
                    add("sd-se-inconsistent", sid)
            if OUTCOME_CLASS[o] == "clinical_scale" and r["mean"] and not grim_possible(r["mean"], int(r["n"])):
                add("grim-inconsistent", sid)
            if r["test_statistic"] and r["p_value"]:
                p = p_two_tailed_t(float(r["test_statistic"]), float(r["df1"]))
                rep = float(r["p_value"])
                if r["p_relation"] == "<":
                    ok = p < rep
                else:
                    d = dec_of(r["p_value"])
                    ok = abs(p - rep) <= 0.5 * 10 ** -d + 1e-12
                if not ok:
                    add("p-value-inconsistent", sid)
        fp = s["female_pct"]
        if fp and not grim_possible(fp, n):
            add("grim-inconsistent", sid)
    return out


# =========================================================================== README

def md_escape(s: str) -> str:
    return s.replace("|", "\\|")


def cell_ref(table: str, idx: int, col: str) -> str:
    cols = STUDY_COLUMNS if table == "studies" else MEASUREMENT_COLUMNS
    return f"{table}!{col_letter(cols.index(col))}{idx + 2}"


def readme(studies, meas, errs, norms, toks, info, plants_where, expected, n_studies, n_meas) -> str:
    L = []
    a = L.append
    a("# ectqa sample data (INVENTED)")
    a("")
    a("**Everything here is invented.** Every study, author, DOI, PubMed id and number is made up for")
    a("demonstration and tests; none describes a real publication, patient or measurement. DOIs use the")
    a("`10.5555` prefix reserved for examples (`10.5555/ectqa.demo.NNN`); PubMed ids, where present, start at")
    a("99900001, far beyond any existing record. The data are shaped like the published ECT-immune")
    a("literature (small pre-post studies, serum/plasma cytokines by ELISA or multiplex, baseline then hours")
    a("after session 1, end of course, some follow-up), and carry deliberate problems listed below.")
    a("")
    a("## Files")
    a("")
    a("| path | what |")
    a("|---|---|")
    a("| `extraction.xlsx` | workbook: sheets `studies`, `measurements` (header on row 1, columns in the data dictionary's order) and `about` (says the data are invented). Numbers are numbers, with a number format showing the reported precision (24.50 is stored as 24.5 with format `0.00`). |")
    a("| `extraction/studies.csv`, `extraction/measurements.csv` | the CSV twin of the workbook: same rows in the same order (row N of a sheet = line N of its CSV), UTF-8 without BOM, `,`-separated, numbers as reported text, missing cells empty. Contains the same deliberate errors. |")
    a("| `clean/studies.csv`, `clean/measurements.csv` | the clean twin: every deliberate schema error corrected, every spelling canonical, no `NR`/`NA` tokens. It has no schema error; it keeps the quality problems and the planted number-forensics problems (they are part of the studies, not extraction slips). Same rows in the same order as the extraction. |")
    a("")
    a(f"Rows: {n_studies} studies, {n_meas} measurement rows (identical counts in all three versions).")
    a("")
    a("## How they were made")
    a("")
    a("`scripts/make_sample_data.py` writes all of it from fixed seeds (Python's `random.Random` seeded per")
    a("study; the workbook's created/modified dates are fixed at 2026-01-01 and the zip entries carry a fixed")
    a("timestamp), so the output is byte-identical on every run. To regenerate, from the repository root:")
    a("")
    a("```")
    a("python scripts/make_sample_data.py            # rewrites sample_data/")
    a("python scripts/make_sample_data.py --out DIR  # writes the same files elsewhere")
    a("```")
    a("")
    a("Consistency built in so that the number-forensics rules stay quiet except where planted: HAMD17 and")
    a("MADRS means and SDs are computed from simulated integer scores of exactly `n` patients (they pass GRIM")
    a("and GRIMMER); `female_pct` = round(100 k / n_ect, 1) for an integer k; `se` = sd / sqrt(n) with enough")
    a("decimals to reproduce the sd; 95% CIs are mean ± t(0.975, n-1) sd / sqrt(n); p values are")
    a("recomputed from the rounded t and df (two-tailed) and rounded to 3 decimals (`<` 0.001 below that);")
    a("cytokine and CRP SDs have CV >= 0.32; later `n` never exceeds `n_ect`, attrition stays below 20%")
    a("except where planted; responders + non-responders <= n_ect; ECT end-of-course rows are >= 48 h after")
    a("the last session (CRP >= 72 h) except where planted.")
    a("")
    a("Row numbers below are the row a person sees (header = row 1, first record = row 2); they are the same")
    a("in the workbook, the extraction CSVs and the clean CSVs. Cells name the workbook cell, the column letter")
    a("taken from the column's position in the dictionary order.")
    a("")
    a("## Deliberate schema errors (extraction.xlsx and extraction/ only)")
    a("")
    a("| rule | table | row | column | cell | wrong value | clean value | what a reviewer sees |")
    a("|---|---|---|---|---|---|---|---|")
    for p in errs:
        a(f"| `{p.rule}` | {p.table} | {p.row_index + 2} | {p.column} | `{cell_ref(p.table, p.row_index, p.column)}` | "
          f"`{md_escape(p.wrong)}` | `{md_escape(p.clean)}` | {md_escape(p.seen)} |")
    a("")
    a("An empty wrong value (``) means the cell is empty. The `schema/unique` pair is one mistake flagged on")
    a("both rows of the duplicate group.")
    a("")
    a("## Spellings that should normalise (`schema/normalised`, info, not errors)")
    a("")
    a("| rule | table | row | column | cell | written | canonical | note |")
    a("|---|---|---|---|---|---|---|---|")
    for p in norms:
        a(f"| `{p.rule}` | {p.table} | {p.row_index + 2} | {p.column} | `{cell_ref(p.table, p.row_index, p.column)}` | "
          f"`{md_escape(p.wrong)}` | `{md_escape(p.clean)}` | {md_escape(p.seen)} |")
    a("")
    a("## Missing-value tokens (read as missing; no finding expected)")
    a("")
    a("| table | row | column | cell | written | clean |")
    a("|---|---|---|---|---|---|")
    for p in toks:
        a(f"| {p.table} | {p.row_index + 2} | {p.column} | `{cell_ref(p.table, p.row_index, p.column)}` | `{p.wrong}` | (empty) |")
    a("")
    a("## Studies planted to trip quality rules")
    a("")
    a("Each rule has one designated study (rows are measurement rows, in all three versions). The last")
    a("column lists every study where a simplified reading of the catalogue (in the generator) expects the")
    a("rule to fire on the clean data; rules such as `small-sample` and `no-control-group` fire widely by")
    a("design, because the real literature is made of small uncontrolled studies.")
    a("")
    a("| rule | study | where | what was planted | expected to fire in (clean data) |")
    a("|---|---|---|---|---|")
    for rule, sid, where, what in plants_where:
        exp = []
        for k, v in expected.items():
            if k == rule or k.startswith(rule + " "):
                exp.extend(f"{x}{k[len(rule):]}" for x in v)
        a(f"| `{rule}` | {sid} | {where} | {md_escape(what)} | {', '.join(exp) or '-'} |")
    a("")
    planted = {p[0] for p in plants_where}
    others = [(k, v) for k, v in expected.items() if k.split(" ")[0] not in planted]
    if others:
        a("Other rules the simplified reading expects to fire (information rules that this literature trips")
        a("by its nature):")
        a("")
        for k, v in sorted(others):
            a(f"- `{k}`: {', '.join(v)}")
        a("")
    a("## Forensic details")
    a("")
    i, true, bad, n = info["grim"]
    d = Decimal(bad) * n
    lo, hi = math.floor(d), math.ceil(d)
    a(f"- **GRIM** (Quinn2005, HAMD17 baseline, measurements row {i + 2}, cell `{cell_ref('measurements', i, 'mean')}`): "
      f"mean {bad} with n {n}. {bad} x {n} = {d}; the integer sums nearest are {lo} and {hi}, "
      f"giving {lo}/{n} = {fmt(Fraction(lo, n), 2)} and {hi}/{n} = {fmt(Fraction(hi, n), 2)}: neither rounds to "
      f"{bad}, so no set of {n} integer scores has that mean. (The simulated scores give {true}.)")
    i, sd, se_ok, se_bad, n = info["sdse"]
    a(f"- **sd against se** (Park2016, IL-6 end of course, row {i + 2}, cell `{cell_ref('measurements', i, 'se')}`): "
      f"sd {sd}, n {n}, se {se_bad}; se x sqrt(n) = {float(se_bad) * math.sqrt(n):.3f}, not {sd} "
      f"(a consistent se would be {se_ok}).")
    i = find(meas, study_id="Mendes2010", outcome="IL-6", timepoint="baseline")
    a(f"- **sd possibly se** (Mendes2010, IL-6 baseline, row {i + 2}): n 30, mean 4.2, sd 0.31; sd/mean = "
      f"{0.31 / 4.2:.3f}, below 0.25; 0.31 x sqrt(30) = {0.31 * math.sqrt(30):.2f} is a plausible SD.")
    i = find(meas, study_id="Wojcik2013", outcome="IL-6", timepoint="end_of_course")
    a(f"- **p-value decision error** (Wojcik2013, IL-6 end of course, row {i + 2}, cell "
      f"`{cell_ref('measurements', i, 'p_value')}`): t = 1.50 with df 20 gives two-tailed p = "
      f"{p_two_tailed_t(1.5, 20):.4f}; the row reports p = 0.03, significant where the statistic is not.")
    i = find(meas, study_id="Fischer2006", outcome="IL-6", timepoint="acute", hours_after_session="3")
    a(f"- **implausible value** (Fischer2006, IL-6 3 h after session 1, row {i + 2}): mean 0.004 pg/mL, "
      f"below 0.01; the paper's 0.004 ng/mL (= 4 pg/mL) was copied with the wrong unit.")
    a("")
    a("Do not put an `ectqa.toml` here: the sample data are checked with the default configuration.")
    a("")
    return "\n".join(L)


# =========================================================================== main

def generate(out: Path) -> dict:
    studies, meas, sts = build()
    info: dict = {}
    plant_forensics(studies, meas, info)
    # the clean twin is fixed here; the extraction twin is a mutated copy
    clean_s, clean_m = copy.deepcopy(studies), copy.deepcopy(meas)
    ext_s, ext_m = copy.deepcopy(studies), copy.deepcopy(meas)
    errs, norms, toks = plant_errors(ext_s, ext_m)

    # where each planted quality problem sits
    plants_where = []
    for st in sts:
        for rule, what, sel in st.plants:
            if sel is None:
                where = f"studies row {find(clean_s, study_id=st.sid) + 2}"
            else:
                if sel == "series":
                    idx = [i for i, r in enumerate(clean_m) if r["study_id"] == st.sid and r["group"] == "ect"]
                else:
                    o, tp, hrs = (sel + (None,))[:3]
                    idx = [i for i, r in enumerate(clean_m) if r["study_id"] == st.sid and r["group"] == "ect"
                           and (o == "*" or r["outcome"] == o) and (tp in (None, "*") or r["timepoint"] == tp)
                           and (hrs is None or r["hours_after_session"] == hrs)]
                    if rule == "end-of-course-timing-unknown":
                        idx = [i for i in idx if clean_m[i]["hours_after_last_session"] == ""]
                rows = sorted(i + 2 for i in idx)
                where = f"measurements row {rows[0]}" if len(rows) == 1 else f"measurements rows {rows[0]}-{rows[-1]}"
            plants_where.append((rule, st.sid, where, what))

    expected = expected_quality(clean_s, clean_m)

    out.mkdir(parents=True, exist_ok=True)
    write_xlsx(out / "extraction.xlsx", ext_s, ext_m)
    write_csv(out / "extraction" / "studies.csv", STUDY_COLUMNS, ext_s)
    write_csv(out / "extraction" / "measurements.csv", MEASUREMENT_COLUMNS, ext_m)
    write_csv(out / "clean" / "studies.csv", STUDY_COLUMNS, clean_s)
    write_csv(out / "clean" / "measurements.csv", MEASUREMENT_COLUMNS, clean_m)
    text = readme(clean_s, clean_m, errs, norms, toks, info, plants_where, expected,
                  len(clean_s), len(clean_m))
    (out / "README.md").write_bytes(text.encode("utf-8"))
    return {"studies": len(clean_s), "measurements": len(clean_m), "errors": errs,
            "normalised": norms, "expected": expected}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "sample_data",
                    help="output folder (default: sample_data/ next to scripts/)")
    args = ap.parse_args(argv)
    res = generate(args.out)
    print(f"wrote {args.out}: {res['studies']} studies, {res['measurements']} measurement rows, "
          f"{len(res['errors'])} planted schema-error cells, {len(res['normalised'])} normalisable spellings")
    return 0


if __name__ == "__main__":
    sys.exit(main())
