"""Write a large invented extraction dataset for the speed benchmarks (issue #9).

    python benchmarks/make_large.py N [--out DIR] [--seed S] [--no-xlsx] [--no-csv]

Writes DIR/extraction.xlsx (sheets `studies` and `measurements`) and DIR/extraction/ (the same
rows as studies.csv and measurements.csv), with exactly N measurement rows and about N/20 studies
(default DIR: benchmarks/data/N/, which git ignores).

Built from the clean sample (sample_data/clean/, no schema error, a realistic spread of quality
flags): each study is copied with a new id (`Varga2004_00017`), a new DOI, PubMed id and cohort id,
and its measurement rows; each copy also gets a second panel of its cytokine and rating-scale rows
under a sister outcome (IL-6 -> IL-8, HAMD17 -> MADRS, ...; rows whose key the study already has
are dropped), which brings a study to about 20 rows, as in the larger published studies. Then 1%
of the rows of each table get one schema error each, of varied kinds: type, range, vocabulary,
unit, reference, cross-field, required (and pattern in studies). Deterministic: the same N and
seed give the same files.

In the workbook numbers are numbers (whole numbers as integers), missing cells are empty, and a
planted type error is a text cell. Written with xlsxwriter in constant-memory mode (pip install
xlsxwriter; about 25 s per 100,000 rows on a busy 2-core machine, so the benchmark stops at
100,000 rows for workbooks). The CSV is written with pandas: 1,000,000 rows take about 15 s.
"""

from __future__ import annotations

import argparse
import time
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
CLEAN = ROOT / "sample_data" / "clean"
ROWS_PER_STUDY = 20

# A second outcome measured in the same panel: same class, so the units still suit it.
SISTER = {
    "IL-6": "IL-8", "IL-8": "IL-2", "TNF-α": "IL-10", "IL-10": "IL-4", "IL-1β": "IFN-γ",
    "IFN-γ": "IL-17", "HAMD17": "MADRS", "MADRS": "HAMD17",
}
MEASUREMENT_ERRORS = ("type", "range", "vocabulary", "unit", "reference", "cross-field", "required")
STUDY_ERRORS = ("type", "range", "vocabulary", "pattern", "cross-field", "required")


def numeric_columns() -> dict[str, set[str]]:
    """Per table, the columns whose type is integer or number (from schemas/*.toml)."""
    out = {}
    for table in ("studies", "measurements"):
        spec = tomllib.loads((ROOT / "schemas" / f"{table}.toml").read_text(encoding="utf-8"))
        out[table] = {c["name"] for c in spec["columns"] if c["type"] in ("integer", "number")}
    return out


def key_columns() -> list[str]:
    spec = tomllib.loads((ROOT / "schemas" / "measurements.toml").read_text(encoding="utf-8"))
    return list(spec["key"])


def template() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The clean sample, each study's rows plus its sister-outcome panel (about 20 rows a study)."""
    studies = pd.read_csv(CLEAN / "studies.csv", dtype=str, keep_default_na=False)
    rows = pd.read_csv(CLEAN / "measurements.csv", dtype=str, keep_default_na=False)
    rows["_order"] = np.arange(len(rows), dtype=float)
    sister = rows[rows["outcome"].isin(list(SISTER))].copy()
    sister["outcome"] = sister["outcome"].map(SISTER)
    sister["_order"] += 0.5  # right after the row it copies
    both = pd.concat([rows, sister], ignore_index=True)
    both = both.drop_duplicates(subset=key_columns(), keep="first")
    # keep the studies' order, rows in file order within each study
    first = {sid: i for i, sid in enumerate(studies["study_id"])}
    both["_study"] = both["study_id"].map(first).fillna(len(first)).astype(int)
    both = both.sort_values(["_study", "_order"], kind="stable").drop(columns=["_order", "_study"])
    return studies, both.reset_index(drop=True)


def replicate(n_rows: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Copies of the template studies, with new ids, until there are exactly n_rows rows."""
    studies, rows = template()
    per_study = rows.groupby("study_id", sort=False).size()
    rows_per_copy = int(per_study.sum())
    copies = -(-n_rows // rows_per_copy)  # ceiling
    n_studies = len(studies)

    copy_no = np.repeat(np.arange(1, copies + 1), n_studies)
    big_s = pd.concat([studies] * copies, ignore_index=True)
    suffix = pd.Series(copy_no).map("_{:05d}".format)
    big_s["study_id"] = big_s["study_id"] + suffix
    has_doi = big_s["doi"] != ""
    big_s.loc[has_doi, "doi"] = big_s.loc[has_doi, "doi"] + "." + pd.Series(copy_no).astype(str)[has_doi]
    has_pmid = big_s["pmid"] != ""
    serial = np.arange(len(big_s))
    big_s.loc[has_pmid, "pmid"] = (10_000_000 + serial[has_pmid.to_numpy()]).astype(str)
    has_cohort = big_s["cohort_id"] != ""
    big_s.loc[has_cohort, "cohort_id"] = big_s.loc[has_cohort, "cohort_id"] + suffix[has_cohort]

    big_m = pd.concat([rows] * copies, ignore_index=True)
    m_copy = np.repeat(np.arange(1, copies + 1), len(rows))
    big_m["study_id"] = big_m["study_id"] + pd.Series(m_copy).map("_{:05d}".format)
    big_m = big_m.iloc[:n_rows].reset_index(drop=True)
    # drop the studies after the last one with rows (the one cut short keeps its first rows)
    last = big_m["study_id"].iloc[-1]
    big_s = big_s.iloc[: int(np.flatnonzero(big_s["study_id"].to_numpy() == last)[0]) + 1]
    return big_s.reset_index(drop=True), big_m


def _split(rng: np.random.Generator, n: int, kinds: tuple[str, ...]) -> dict[str, np.ndarray]:
    """1% of n row positions, shared out among the kinds of error."""
    chosen = rng.choice(n, size=max(len(kinds), n // 100), replace=False) if n >= len(kinds) else np.arange(n)
    return {kind: chosen[i::len(kinds)] for i, kind in enumerate(kinds)}


def _num(series: pd.Series) -> pd.Series:
    return pd.to_numeric(series, errors="coerce")


def plant_measurement_errors(m: pd.DataFrame, rng: np.random.Generator) -> dict[str, int]:
    at = _split(rng, len(m), MEASUREMENT_ERRORS)
    col = m.columns.get_loc
    # type: a number with a letter in it, in n or mean
    idx = at["type"]
    half = len(idx) // 2
    m.iloc[idx[:half], col("n")] = m["n"].iloc[idx[:half]] + "a"
    m.iloc[idx[half:], col("mean")] = m["mean"].iloc[idx[half:]].replace("", "1") + " pg"
    # range: a negative sd, or a p value above 1
    idx = at["range"]
    half = len(idx) // 2
    sd = _num(m["sd"].iloc[idx[:half]]).fillna(1.0)
    m.iloc[idx[:half], col("sd")] = (-sd.abs() - 0.1).round(2).astype(str).to_numpy()
    m.iloc[idx[half:], col("p_value")] = "1.5"
    # vocabulary: terms that are not in the vocabulary (not merely another case)
    idx = at["vocabulary"]
    third = len(idx) // 3
    m.iloc[idx[:third], col("timepoint")] = "post_treatment"
    m.iloc[idx[third:2 * third], col("group")] = "patients"
    m.iloc[idx[2 * third:], col("outcome")] = "IL-99"
    # unit: a known unit that does not suit the outcome's class
    idx = at["unit"]
    scale = m["outcome"].iloc[idx].isin(["HAMD17", "MADRS", "HAMD21", "HAMD24", "BDI", "CGI-S"])
    m.iloc[idx, col("unit")] = np.where(scale, "pg/mL", "points")
    # reference: a study that is not in studies
    idx = at["reference"]
    m.iloc[idx, col("study_id")] = "Unlisted" + pd.Series(idx).astype(str).str.zfill(7).to_numpy()
    # cross-field: more rows below the detection limit than patients measured
    idx = at["cross-field"]
    n = _num(m["n"].iloc[idx]).fillna(10).astype(int)
    m.iloc[idx, col("n_below_lod")] = (n + 3).astype(str).to_numpy()
    # required: n left empty
    m.iloc[at["required"], col("n")] = ""
    return {kind: len(idx) for kind, idx in at.items()}


def plant_study_errors(s: pd.DataFrame, rng: np.random.Generator) -> dict[str, int]:
    at = _split(rng, len(s), STUDY_ERRORS)
    col = s.columns.get_loc
    s.iloc[at["type"], col("year")] = "2O04"
    s.iloc[at["range"], col("age_mean")] = "150"
    s.iloc[at["vocabulary"], col("design")] = "open_label_trial"
    s.iloc[at["pattern"], col("doi")] = "https://doi.org/10.5555/ectqa.demo"
    # cross-field: a control group size with control_type none
    s.iloc[at["cross-field"], col("control_type")] = "none"
    s.iloc[at["cross-field"], col("n_control")] = "20"
    s.iloc[at["required"], col("first_author")] = ""
    return {kind: len(idx) for kind, idx in at.items()}


def make(n_rows: int, seed: int = 9) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    rng = np.random.default_rng(seed)
    studies, rows = replicate(n_rows)
    planted = {"measurements": plant_measurement_errors(rows, rng),
               "studies": plant_study_errors(studies, rng)}
    return studies, rows, planted


def write_csv(studies: pd.DataFrame, rows: pd.DataFrame, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    studies.to_csv(folder / "studies.csv", index=False, lineterminator="\n")
    rows.to_csv(folder / "measurements.csv", index=False, lineterminator="\n")


def _cells(frame: pd.DataFrame, numeric: set[str]) -> list[list]:
    """Per column, the cell values: numbers as int/float, text as text, empty as None."""
    out = []
    for name in frame.columns:
        text = frame[name]
        if name in numeric:
            value = pd.to_numeric(text, errors="coerce")
            whole = value.notna() & (value == value.round()) & ~text.str.contains(".", regex=False)
            cells = np.where(text == "", None, text.to_numpy(dtype=object))
            cells = np.where(value.notna(), value.to_numpy(dtype=object), cells)
            cells = np.where(whole, value.fillna(0).astype("int64").to_numpy(dtype=object), cells)
        else:
            cells = np.where(text == "", None, text.to_numpy(dtype=object))
        out.append(cells.tolist())
    return out


def write_xlsx(studies: pd.DataFrame, rows: pd.DataFrame, path: Path) -> None:
    import xlsxwriter

    numeric = numeric_columns()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.xlsx")
    book = xlsxwriter.Workbook(str(tmp), {"constant_memory": True, "strings_to_numbers": False,
                                          "strings_to_formulas": False, "strings_to_urls": False})
    for name, frame in (("studies", studies), ("measurements", rows)):
        sheet = book.add_worksheet(name)
        sheet.write_row(0, 0, list(frame.columns))
        columns = _cells(frame, numeric[name])
        write = sheet.write
        for r, values in enumerate(zip(*columns), start=1):
            for c, value in enumerate(values):
                if value is not None:
                    write(r, c, value)
    about = book.add_worksheet("about")
    about.write(0, 0, "Invented benchmark data for ectqa (benchmarks/make_large.py); not real studies.")
    book.close()
    tmp.replace(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="measurement rows")
    parser.add_argument("--out", type=Path, help="folder (default benchmarks/data/N)")
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--no-xlsx", action="store_true", help="write the CSV folder only")
    parser.add_argument("--no-csv", action="store_true", help="write the workbook only")
    ns = parser.parse_args()
    out = ns.out or ROOT / "benchmarks" / "data" / str(ns.n)
    start = time.perf_counter()
    studies, rows, planted = make(ns.n, ns.seed)
    print(f"{len(studies):,} studies, {len(rows):,} measurement rows; planted errors: {planted}"
          f" ({time.perf_counter() - start:.1f} s)")
    if not ns.no_csv:
        start = time.perf_counter()
        write_csv(studies, rows, out / "extraction")
        print(f"wrote {out / 'extraction'}/ ({time.perf_counter() - start:.1f} s)")
    if not ns.no_xlsx:
        start = time.perf_counter()
        write_xlsx(studies, rows, out / "extraction.xlsx")
        print(f"wrote {out / 'extraction.xlsx'} ({time.perf_counter() - start:.1f} s)")


if __name__ == "__main__":
    main()
