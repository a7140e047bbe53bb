"""ectqa compare / reconcile: two extractions built in code from the clean sample's rows."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest

from ectqa.check import Options, run_check
from ectqa.compare import compare
from ectqa.compare.agreement import cohens_kappa, percent_agreement
from ectqa.compare.reconcile import reconcile
from ectqa.compare.report import (
    RECONCILE_COLUMNS,
    RECONCILE_SHEET,
    render_markdown,
    rows,
    write_excel,
)
from ectqa.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
CLEAN = ROOT / "sample_data" / "clean"
EXTRACTION = ROOT / "sample_data" / "extraction"
STUDIES = ("Varga2004", "Okonkwo2011", "Lindqvist2016")


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames), list(reader)


def _write(folder: Path, tables: dict[str, tuple[list[str], list[dict[str, str]]]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, (header, records) in tables.items():
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=header, lineterminator="\n")
        w.writeheader()
        w.writerows(records)
        (folder / f"{name}.csv").write_text(buf.getvalue(), encoding="utf-8")
    return folder


def _base() -> dict[str, tuple[list[str], list[dict[str, str]]]]:
    sh, studies = _read(CLEAN / "studies.csv")
    mh, meas = _read(CLEAN / "measurements.csv")
    studies = [s for s in studies if s["study_id"] in STUDIES]
    meas = [m for m in meas if m["study_id"] in STUDIES]
    # sample types set here so that kappa can be worked out by hand below
    for s, t in zip(studies, ("serum", "serum", "plasma")):
        s["sample_type"] = t
    return {"studies": (sh, studies), "measurements": (mh, meas)}


def _find(records, **where):
    hits = [r for r in records if all(r[k] == v for k, v in where.items())]
    assert len(hits) == 1, where
    return hits[0]


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """A and B: B differs in known cells, rows and spellings."""
    tmp_path = tmp_path_factory.mktemp("pair")
    a = _base()
    b = _base()
    bs, bm = b["studies"][1], b["measurements"][1]
    # real differences
    _find(bs, study_id="Varga2004")["age_mean"] = "64.1"  # A 63.3
    _find(bs, study_id="Varga2004")["sample_type"] = "plasma"  # A serum
    mean_row = _find(bm, study_id="Varga2004", outcome="IL-6", timepoint="acute", hours_after_session="3")
    mean_row["mean"] = "5.92"  # A 4.92
    dropped = _find(bm, study_id="Varga2004", outcome="IL-6", timepoint="acute", hours_after_session="6")
    bm.remove(dropped)  # only in A
    extra = dict(_find(bm, study_id="Okonkwo2011", outcome="IL-6", timepoint="baseline", group="ect"))
    extra.update(timepoint="follow_up", weeks_after_course="4", notes="=HYPERLINK(\"http://x\")")
    bm.append(extra)  # only in B (its notes look like a formula: must stay text)
    # differences that are not differences
    _find(bs, study_id="Okonkwo2011")["design"] = "Pre_Post"  # case: normalises to pre_post
    lind = _find(bs, study_id="Lindqvist2016")
    assert lind["female_pct"] == "60.0"
    lind["female_pct"] = "60"  # fewer decimals, same value
    base_row = _find(bm, study_id="Varga2004", outcome="IL-6", timepoint="baseline")
    base_row["outcome"] = "IL6"  # a key spelling: still the same record
    base_row["unit"] = "pg/ml"
    assert base_row["mean"] == "2.58"
    base_row["mean"] = "2.6"  # within half a unit of the less precise value (2.6: 2.55 to 2.65)
    _find(bs, study_id="Varga2004")["extracted_by"] = "ZZ"  # the extractor's initials: not compared
    return _write(tmp_path / "A", a), _write(tmp_path / "B", b)


@pytest.fixture(scope="module")
def checked(pair):
    """Both sides checked once; each test compares them as it needs."""
    return tuple(run_check(p, Options()) for p in pair)


def _compare(pair, checked, **kw):
    return compare(*pair, reports=checked, **kw)


def _cells(cmp):
    return sorted((r["table"], r["study_id"], r["column"], r["a_value"], r["b_value"]) for r in rows(cmp) if r["kind"] == "cell")


def test_compare_finds_exactly_the_differences(pair, checked):
    cmp = _compare(pair, checked)
    assert _cells(cmp) == [
        ("measurements", "Varga2004", "mean", "4.92", "5.92"),
        ("studies", "Varga2004", "age_mean", "63.3", "64.1"),
        ("studies", "Varga2004", "sample_type", "serum", "plasma"),
    ]
    only = sorted((r["kind"], r["record"]) for r in rows(cmp) if r["kind"] != "cell")
    assert only == [
        ("only_in_a", "Varga2004 · ect · IL-6 · acute · session 1 · 6 h after session"),
        ("only_in_b", "Okonkwo2011 · ect · IL-6 · follow_up · 4 wk after course"),
    ]
    assert not cmp.identical
    assert {f"{c.table}.{c.column}" for c in cmp.most_different()} == {"studies.age_mean", "studies.sample_type", "measurements.mean"}
    # locations in both files
    r = next(r for r in rows(cmp) if r["column"] == "mean")
    assert r["a_location"] == f"measurements.csv line {r['a_row']}, mean"
    assert r["b_location"].startswith("measurements.csv line ")


def test_explicit_tolerance(pair, checked):
    # absolute tolerance 0: 2.58 against 2.6 is now a difference too
    cmp = _compare(pair, checked, tolerance=0)
    assert ("measurements", "Varga2004", "mean", "2.58", "2.6") in _cells(cmp)
    # a wide tolerance swallows the numeric differences, not the term
    wide = _compare(pair, checked, tolerance=2)
    assert [c[2] for c in _cells(wide)] == ["sample_type"]


def test_identical_datasets_agree(pair, checked):
    cmp = compare(pair[0], pair[0], reports=(checked[0], checked[0]))
    assert cmp.identical and cmp.judgements == [] and cmp.overall["percent_agreement"] == 100.0


def test_kappa_and_percent_agreement_by_hand(pair, checked):
    # 10 items, two categories: both yes 4, A yes/B no 2, A no/B yes 1, both no 3
    a = ["y"] * 4 + ["y"] * 2 + ["n"] * 1 + ["n"] * 3
    b = ["y"] * 4 + ["n"] * 2 + ["y"] * 1 + ["n"] * 3
    # p_o = 7/10; p_A(y) = 6/10, p_B(y) = 5/10; p_e = .6*.5 + .4*.5 = .5; kappa = (.7-.5)/(1-.5) = .4
    assert cohens_kappa(a, b) == pytest.approx(0.4)
    assert percent_agreement(7, 10) == pytest.approx(70.0)
    assert cohens_kappa(["x", "x"], ["x", "x"]) is None  # p_e = 1: undefined
    # perfect agreement on two categories -> 1
    assert cohens_kappa(["a", "b"], ["a", "b"]) == pytest.approx(1.0)

    cmp = _compare(pair, checked)
    by = {(c.table, c.column): c for c in cmp.columns}
    # sample_type: A serum, serum, plasma; B plasma, serum, plasma
    # p_o = 2/3; p_A = (serum 2/3, plasma 1/3), p_B = (serum 1/3, plasma 2/3)
    # p_e = 2/3*1/3 + 1/3*2/3 = 4/9; kappa = (2/3 - 4/9) / (1 - 4/9) = (2/9)/(5/9) = 0.4
    st = by[("studies", "sample_type")]
    assert (st.compared, st.agreed) == (3, 2)
    assert st.percent == pytest.approx(200 / 3)
    assert st.kappa == pytest.approx(0.4)
    # design: all three agree (Pre_Post is pre_post); A pre_post, pre_post, controlled_pre_post on
    # both sides: p_o = 1, p_e = (2/3)^2 + (1/3)^2 = 5/9, kappa = (1 - 5/9)/(1 - 5/9) = 1
    d = by[("studies", "design")]
    assert (d.compared, d.agreed, d.kappa) == (3, 3, pytest.approx(1.0))
    # age_mean: 3 filled, 2 agree -> 66.7 %, no kappa for a number column
    am = by[("studies", "age_mean")]
    assert (am.compared, am.agreed, am.kappa) == (3, 2, None)
    # female_pct 60.0 vs 60 agrees
    assert by[("studies", "female_pct")].agreed == by[("studies", "female_pct")].compared == 3
    # overall: every compared cell, and the three that disagree
    o = cmp.overall
    assert o["disagree"] == 3
    assert o["percent_agreement"] == pytest.approx(round(100 * (o["cells"] - 3) / o["cells"], 4))


def _fill(xlsx: Path, choose) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(xlsx)
    ws = wb[RECONCILE_SHEET]
    head = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        rec = dict(zip(head, (c.value for c in row)))
        value = choose(rec)
        if value is not None:
            row[head.index("agreed")].value = value
    wb.save(xlsx)


def test_reconcile_round_trip_csv(pair, checked, tmp_path):
    a, b = pair
    cmp = _compare(pair, checked)
    xlsx = tmp_path / "RECONCILE.xlsx"
    write_excel(cmp, xlsx)

    from openpyxl import load_workbook

    wb = load_workbook(xlsx)
    ws = wb[RECONCILE_SHEET]
    assert tuple(c.value for c in ws[1]) == RECONCILE_COLUMNS
    assert ws.max_row == 1 + 5  # three cells, two records
    assert all(c.value is None for c in ws["I"][1:])  # agreed: empty
    only_b = wb["only_in_b_measurements"]
    notes = [c for c in only_b[2] if isinstance(c.value, str) and c.value.startswith("=")]
    assert notes and all(c.data_type == "s" for c in notes)  # text, not a formula

    # one decision missing: refused, naming it
    _fill(xlsx, lambda r: None if r["column"] == "mean" else ("keep" if r["kind"] != "cell" else "[B]"))
    a_before = {p.name: p.read_bytes() for p in a.iterdir()}
    with pytest.raises(InputError, match=r"1 disagreement\(s\) have no agreed value: row \d+ \(measurements .* mean\)"):
        reconcile(xlsx, a, tmp_path / "CONSENSUS")
    assert not (tmp_path / "CONSENSUS").exists()

    # every decision: B's values (typed one way or another) and both one-sided records resolved
    def choose(r):
        if r["kind"] == "only_in_a":
            return "drop"
        if r["kind"] == "only_in_b":
            return "keep"
        return {"mean": "5.92", "age_mean": 64.1, "sample_type": "[B]"}[r["column"]]

    _fill(xlsx, choose)
    report = reconcile(xlsx, a, tmp_path / "CONSENSUS")
    assert report.exit_code == 0 and report.summary()["errors"] == 0
    assert {p.name: p.read_bytes() for p in a.iterdir()} == a_before  # A untouched
    # the consensus equals the expected dataset (B, which carries every agreed value)
    again = compare(tmp_path / "CONSENSUS", b, reports=(report, checked[1]))
    assert _cells(again) == [] and again.n_only == (0, 0)
    notes = _find(_read(tmp_path / "CONSENSUS" / "measurements.csv")[1], study_id="Okonkwo2011", timepoint="follow_up")["notes"]
    assert notes == '=HYPERLINK("http://x")'


def _to_workbook(folder: Path, path: Path) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for name in ("studies", "measurements"):
        header, records = _read(folder / f"{name}.csv")
        ws = wb.create_sheet(name)
        ws.append(header)
        for r in records:
            row = []
            for h in header:
                v = r[h]
                try:
                    row.append(float(v) if v != "" and h not in ("study_id", "doi") else (v or None))
                except ValueError:
                    row.append(v)
            ws.append(row)
        for i, h in enumerate(header, start=1):  # numbers show what was reported: 2 decimals
            if h in ("mean", "sd"):
                for c in ws.iter_cols(min_col=i, max_col=i, min_row=2):
                    for cell in c:
                        cell.number_format = "0.00"
    wb.save(path)
    return path


def test_reconcile_round_trip_workbook(pair, checked, tmp_path):
    a_folder, b = pair
    a = _to_workbook(a_folder, tmp_path / "A.xlsx")
    cmp = compare(a, b, reports=(run_check(a, Options()), checked[1]))
    assert sorted(c[2] for c in _cells(cmp)) == ["age_mean", "mean", "sample_type"]
    r = next(r for r in rows(cmp) if r["column"] == "mean")
    assert r["a_value"] == "4.92" and r["a_location"].startswith("measurements!J")
    xlsx = tmp_path / "R.xlsx"
    write_excel(cmp, xlsx)
    _fill(xlsx, lambda r: {"only_in_a": "drop", "only_in_b": "keep"}.get(r["kind"]) or "[B]")
    out = tmp_path / "CONSENSUS.xlsx"
    report = reconcile(xlsx, a, out)
    assert report.exit_code == 0
    again = compare(out, b, reports=(report, checked[1]))
    assert _cells(again) == [] and again.n_only == (0, 0)
    from openpyxl import load_workbook

    ws = load_workbook(out)["measurements"]
    formula_like = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("=")]
    assert formula_like and all(c.data_type == "s" for c in formula_like)
    # a workbook made for another A is refused
    with pytest.raises(InputError, match="not the A this workbook was made from"):
        reconcile(xlsx, a_folder, tmp_path / "X")


@pytest.fixture(scope="module")
def versions(tmp_path_factory):
    root = tmp_path_factory.mktemp("versions")
    old, new = root / "old", root / "new"
    shutil.copytree(EXTRACTION, old)
    shutil.copytree(EXTRACTION, new)
    text = (new / "studies.csv").read_text(encoding="utf-8")
    line = next(ln for ln in text.splitlines() if ln.startswith("Lindqvist2016,"))
    edited = line.replace(",hs_elisa,yes,yes,", ",hs_elisa,yes,no,")  # sampling_time_standardized
    assert edited != line
    (new / "studies.csv").write_text(text.replace(line, edited), encoding="utf-8")
    return old, new, compare(old, new, versions=True)


def test_version_view_of_a_small_edit(versions):
    cmp = versions[2]
    from ectqa.compare.report import version_changes

    ch = version_changes(cmp)
    assert ch["added"] == [] and ch["removed"] == []
    assert ch["edited"] == [{"table": "studies", "record": "Lindqvist2016", "where": "studies.csv row 4",
                             "changes": [{"column": "sampling_time_standardized", "old": "yes", "new": "no"}]}]
    assert [(f.rule, f.study_id) for f in cmp.findings_appeared] == [("sampling-time-not-standardized", "Lindqvist2016")]
    assert cmp.findings_disappeared == []
    assert cmp.judgements == [{"study_id": "Lindqvist2016", "domain": "timing", "a": "low", "b": "some_concerns"}]
    md = render_markdown(cmp)
    assert "| studies | Lindqvist2016 | sampling_time_standardized | yes | no |" in md
    assert "`sampling-time-not-standardized`" in md
    assert "| Lindqvist2016 | timing | low | some_concerns |" in md


def test_synthesis_flag(versions, monkeypatch):
    cmp = versions[2]
    import ectqa.compare as c

    monkeypatch.setattr(c, "synthesis_entry", lambda: None)
    s = c.synthesis_changes(cmp.a, cmp.b)
    assert not s["available"] and "synthesis unavailable" in s["note"]

    calls = iter([
        {"results": [{"outcome": "IL-6", "contrast": "acute", "measure": "SMCR", "method": "DL", "r": 0.5, "estimate": 0.3, "ci_lower": 0.1, "ci_upper": 0.5, "k": 4}]},
        {"results": [{"outcome": "IL-6", "contrast": "acute", "measure": "SMCR", "method": "DL", "r": 0.5, "estimate": 0.4, "ci_lower": 0.2, "ci_upper": 0.6, "k": 4}]},
    ])
    monkeypatch.setattr(c, "synthesis_entry", lambda: lambda report: next(calls))
    s = c.synthesis_changes(cmp.a, cmp.b)
    assert s["available"] and [m["analysis"] for m in s["moved"]] == ["IL-6 · acute · SMCR · DL · r=0.5"]


def test_cli_compare_json_and_exit_codes(pair, tmp_path):
    from click.testing import CliRunner

    from ectqa.cli import main

    a, b = pair
    runner = CliRunner()
    res = runner.invoke(main, ["compare", str(a), str(b), "--format", "json", "--excel", str(tmp_path / "R.xlsx")])
    assert res.exit_code == 1, res.output
    data = json.loads(res.stdout)
    assert data["records"]["studies"] == {"matched": 3, "only_in_A": 0, "only_in_B": 0, "cells_disagreeing": 2}
    assert len(data["disagreements"]) == 5 and (tmp_path / "R.xlsx").exists()
    res = runner.invoke(main, ["reconcile", str(tmp_path / "R.xlsx"), "--base", str(a), "--out", str(tmp_path / "C")])
    assert res.exit_code == 2 and "have no agreed value" in res.output
