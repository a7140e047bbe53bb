"""Rendering a `Comparison`: terminal (rich), JSON, Markdown (pull-request comment) and the
reconciliation workbook. Decides nothing: everything shown comes from the comparison."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np

FORMAT_VERSION = 1
RECONCILE_SHEET = "reconcile"
ABOUT_SHEET = "about"
ONLY_IN_B_PREFIX = "only_in_b_"
RECONCILE_COLUMNS = (
    "id", "table", "kind", "study_id", "record", "column", "a_value", "b_value", "agreed",
    "a_location", "b_location", "a_file", "a_row", "b_file", "b_row",
)
KIND_CELL, KIND_ONLY_A, KIND_ONLY_B = "cell", "only_in_a", "only_in_b"
TAKE_A, TAKE_B, TAKE_BLANK = "[A]", "[B]", "[blank]"


# ------------------------------------------------------------------ values and locations


def display_values(table, decimals, column: str, positions) -> list[str]:
    """Cells as reported: CSV text as written, workbook numbers with their displayed decimals."""
    positions = np.asarray(positions, dtype=np.int64)
    if column not in table.raw.columns:
        return [""] * len(positions)
    values = table.raw[column].to_numpy(dtype=object)[positions]
    decs = decimals(table.name, column)[positions]
    return [_show(v, int(d)) for v, d in zip(values.tolist(), decs.tolist())]


def _show(v: Any, d: int) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return ""
    if isinstance(v, str):
        return v.strip()
    if isinstance(v, bool):
        return str(v).upper()
    if isinstance(v, (int, float)):
        if d >= 0:
            return f"{float(v):.{d}f}"
        return str(int(v)) if float(v).is_integer() else repr(float(v))
    return str(v)


def locations(table, column: str | None, positions) -> list[str]:
    """Workbook cells (`measurements!K12`), or for CSV `file line N, column`."""
    positions = np.asarray(positions, dtype=np.int64)
    cells = table.cells(positions, column)
    rows = table.rows[positions].tolist()
    header = table.headers.get(column, column) if column else None
    out = []
    for cell, row in zip(cells, rows):
        if cell:
            out.append(cell)
        else:
            out.append(f"{Path(table.file).name} line {row}" + (f", {header}" if header else ""))
    return out


def record_labels(frame, key: tuple[str, ...], positions) -> list[str]:
    """A record as a person names it: `Varga2004 · ect · IL-6 · acute · session 1 · 1 h`."""
    positions = np.asarray(positions, dtype=np.int64)
    labels: list[list[str]] = [[] for _ in range(len(positions))]
    suffix = {"session": ("session ", ""), "hours_after_session": ("", " h after session"),
              "hours_after_last_session": ("", " h after last session"), "weeks_after_course": ("", " wk after course")}
    for col in key:
        if col not in frame.columns:
            continue
        values = frame[col].to_numpy(dtype=object)[positions].tolist()
        pre, post = suffix.get(col, ("", ""))
        for lab, v in zip(labels, values):
            if v is None or (isinstance(v, float) and v != v):
                continue
            if isinstance(v, float) and v.is_integer():
                v = int(v)
            lab.append(f"{pre}{v}{post}")
    return [" · ".join(lab) for lab in labels]


def _decimals(report):
    from ..check import _decimals_lookup

    cache = getattr(report, "_compare_decimals", None)
    if cache is None:
        cache = _decimals_lookup(report.dataset)
        try:
            report._compare_decimals = cache
        except AttributeError:
            pass
    return cache


def rows(cmp) -> list[dict[str, Any]]:
    """Every disagreement as one row: cells that differ, then records present on one side."""
    out: list[dict[str, Any]] = []
    dec_a, dec_b = _decimals(cmp.a), _decimals(cmp.b)
    for name, d in cmp.tables.items():
        ta, tb = cmp.a.dataset.tables[name], cmp.b.dataset.tables[name]
        dis = d.disagreements
        if len(dis):
            a_pos = dis["a_pos"].to_numpy(dtype=np.int64)
            b_pos = dis["b_pos"].to_numpy(dtype=np.int64)
            labels = record_labels(ta.frame, d.key, a_pos)
            studies = ta.frame["study_id"].to_numpy(dtype=object)[a_pos].tolist()
            a_rows, b_rows = ta.rows[a_pos].tolist(), tb.rows[b_pos].tolist()
            va = [""] * len(dis)
            vb = [""] * len(dis)
            la = [""] * len(dis)
            lb = [""] * len(dis)
            cols = dis["column"].to_numpy(dtype=object)
            for col in dict.fromkeys(cols.tolist()):
                idx = np.flatnonzero(cols == col)
                for i, v, w, x, y in zip(idx.tolist(), display_values(ta, dec_a, col, a_pos[idx]),
                                         display_values(tb, dec_b, col, b_pos[idx]),
                                         locations(ta, col, a_pos[idx]), locations(tb, col, b_pos[idx])):
                    va[i], vb[i], la[i], lb[i] = v, w, x, y
            for i, col in enumerate(cols.tolist()):
                out.append({
                    "table": name, "kind": KIND_CELL, "study_id": studies[i], "record": labels[i], "column": col,
                    "a_value": va[i], "b_value": vb[i], "a_location": la[i], "b_location": lb[i],
                    "a_file": ta.file, "a_row": a_rows[i], "b_file": tb.file, "b_row": b_rows[i],
                    "a_pos": a_pos[i].item(), "b_pos": b_pos[i].item(),
                })
        for side, positions in (("a", d.only_a), ("b", d.only_b)):
            if not len(positions):
                continue
            t = ta if side == "a" else tb
            labels = record_labels(t.frame, d.key, positions)
            studies = t.frame["study_id"].to_numpy(dtype=object)[positions].tolist()
            locs = locations(t, None, positions)
            if t.sheet is not None:
                locs = [f"{t.sheet}!{r}:{r}" for r in t.rows[positions].tolist()]
            for i, pos in enumerate(positions.tolist()):
                row = {
                    "table": name, "kind": KIND_ONLY_A if side == "a" else KIND_ONLY_B, "study_id": studies[i],
                    "record": labels[i], "column": None,
                    "a_value": "present" if side == "a" else "absent", "b_value": "present" if side == "b" else "absent",
                    "a_location": locs[i] if side == "a" else "", "b_location": locs[i] if side == "b" else "",
                    "a_file": ta.file, "a_row": int(t.rows[pos]) if side == "a" else None,
                    "b_file": tb.file, "b_row": int(t.rows[pos]) if side == "b" else None,
                    "a_pos": pos if side == "a" else None, "b_pos": pos if side == "b" else None,
                }
                out.append(row)
    for i, r in enumerate(out, start=1):
        r["id"] = i
    return out


def version_changes(cmp) -> dict[str, Any]:
    """The comparison read as a change: added, removed and edited records."""
    added, removed, edited = [], [], []
    for r in rows(cmp):
        if r["kind"] == KIND_ONLY_B:
            added.append({"table": r["table"], "record": r["record"], "where": r["b_location"]})
        elif r["kind"] == KIND_ONLY_A:
            removed.append({"table": r["table"], "record": r["record"], "where": r["a_location"]})
        else:
            if edited and edited[-1]["table"] == r["table"] and edited[-1]["_pos"] == r["a_pos"]:
                edited[-1]["changes"].append({"column": r["column"], "old": r["a_value"], "new": r["b_value"]})
            else:
                edited.append({"table": r["table"], "record": r["record"], "where": _row_where(r),
                               "_pos": r["a_pos"], "changes": [{"column": r["column"], "old": r["a_value"], "new": r["b_value"]}]})
    for e in edited:
        e.pop("_pos")
    return {"added": added, "removed": removed, "edited": edited}


def _row_where(r: dict[str, Any]) -> str:
    return f"{Path(r['b_file']).name} row {r['b_row']}"


def _finding_dict(f) -> dict[str, Any]:
    return {"rule": f.rule, "severity": f.severity, "study_id": f.study_id, "outcome": f.outcome,
            "column": f.column, "message": f.message, "table": f.table, "row": f.row, "cell": f.cell}


# ------------------------------------------------------------------ JSON


def to_dict(cmp) -> dict[str, Any]:
    from .. import __version__

    la, lb = cmp.labels
    out: dict[str, Any] = {
        "ectqa_version": __version__,
        "format_version": FORMAT_VERSION,
        "mode": "versions" if cmp.versions else "extractors",
        la: {"path": str(cmp.a.path), "inputs": cmp.a.inputs, "summary": cmp.a.summary()},
        lb: {"path": str(cmp.b.path), "inputs": cmp.b.inputs, "summary": cmp.b.summary()},
        "tolerance": "half a unit of the less precise value" if cmp.tolerance is None else cmp.tolerance,
        "columns_ignored": list(cmp.ignored),
        "records": {
            name: {"matched": len(d.a_pos), f"only_in_{la}": len(d.only_a), f"only_in_{lb}": len(d.only_b),
                   "cells_disagreeing": len(d.disagreements)}
            for name, d in cmp.tables.items()
        },
        "identical": cmp.identical,
        "disagreements": [_public(r, la, lb) for r in rows(cmp)],
        "agreement": {"overall": cmp.overall, "columns": [c.to_dict() for c in cmp.columns]},
        "most_different_columns": [f"{c.table}.{c.column}" for c in cmp.most_different()],
        "judgements": {
            la: cmp.a.quality, lb: cmp.b.quality,
            "differences": [{"study_id": j["study_id"], "domain": j["domain"], la: j["a"], lb: j["b"]} for j in cmp.judgements],
        },
    }
    if cmp.versions:
        out["changes"] = {
            **version_changes(cmp),
            "findings_appeared": [_finding_dict(f) for f in cmp.findings_appeared],
            "findings_disappeared": [_finding_dict(f) for f in cmp.findings_disappeared],
            "judgements_changed": out["judgements"]["differences"],
            "synthesis": cmp.synthesis,
        }
    return out


def _public(r: dict[str, Any], la: str, lb: str) -> dict[str, Any]:
    out = {}
    for k, v in r.items():
        if k in ("a_pos", "b_pos"):
            continue
        if k.startswith("a_"):
            k = f"{la}_{k[2:]}"
        elif k.startswith("b_"):
            k = f"{lb}_{k[2:]}"
        out[k] = v
    return out


def render_json(cmp) -> str:
    from ..findings import json_value

    return json.dumps(to_dict(cmp), ensure_ascii=False, indent=2, default=json_value) + "\n"


# ------------------------------------------------------------------ terminal


def render_terminal(cmp, console, *, limit: int = 40, outputs: list[str] | None = None) -> None:
    from rich.table import Table

    la, lb = cmp.labels
    head = "Changes" if cmp.versions else "Comparison"
    console.print(f"[bold]{head}[/bold]: {la} = {cmp.a.path}   {lb} = {cmp.b.path}")
    tol = "half a unit of the less precise value" if cmp.tolerance is None else f"±{cmp.tolerance:g}"
    console.print(f"numbers agree within {tol}; terms compared after normalising spellings"
                  + (f"; not compared: {', '.join(cmp.ignored)}" if cmp.ignored else ""))
    for name, d in cmp.tables.items():
        console.print(f"  {name}: {len(d.a_pos)} matched, {len(d.only_a)} only in {la}, {len(d.only_b)} only in {lb}, "
                      f"{len(d.disagreements)} cell(s) differ")
    all_rows = rows(cmp)
    if cmp.versions:
        _terminal_versions(cmp, console, limit)
    else:
        if all_rows:
            t = Table(title=f"Disagreements ({len(all_rows)})", show_lines=False)
            for c in ("table", "record", "column", la, lb, f"{la} cell", f"{lb} cell"):
                t.add_column(c, overflow="fold")
            for r in all_rows[:limit]:
                t.add_row(r["table"], r["record"], r["column"] or "(record)", r["a_value"], r["b_value"], r["a_location"], r["b_location"])
            console.print(t)
            if len(all_rows) > limit:
                console.print(f"... {len(all_rows) - limit} more: see --format json or --excel")
        t = Table(title="Agreement per column (cells filled on at least one side)")
        for c in ("column", "cells", "agree", "% agreement", "kappa"):
            t.add_column(c, justify="left" if c == "column" else "right")
        for c in cmp.columns:
            if c.compared == 0:
                continue
            t.add_row(f"{c.table}.{c.column}", str(c.compared), str(c.agreed), _pct(c.percent),
                      "" if c.kappa is None else f"{c.kappa:.3f}")
        console.print(t)
        o = cmp.overall
        console.print(f"Overall: {o['agree']}/{o['cells']} cells agree ({_pct(o['percent_agreement'])}%)"
                      + (f"; kappa over term cells {o['kappa_terms']:.3f}" if o["kappa_terms"] is not None else ""))
        worst = cmp.most_different()
        if worst:
            console.print("Columns that differ most: " + ", ".join(f"{c.table}.{c.column} ({c.disagreed})" for c in worst))
    if cmp.judgements:
        t = Table(title="Judgements that differ" if not cmp.versions else "Judgements that change")
        for c in ("study", "domain", la, lb):
            t.add_column(c)
        for j in cmp.judgements:
            t.add_row(j["study_id"], j["domain"], j["a"] or "-", j["b"] or "-")
        console.print(t)
    else:
        console.print("Judgements: the same on both sides")
    for line in outputs or []:
        console.print(line)
    if cmp.identical:
        console.print(f"[bold green]{la} and {lb} agree[/bold green]")
    elif not cmp.versions:
        console.print(f"[bold]{cmp.n_disagreements} cell(s) disagree, {sum(cmp.n_only)} record(s) on one side only[/bold]")


def _terminal_versions(cmp, console, limit: int) -> None:
    ch = version_changes(cmp)
    console.print(f"[bold]{len(ch['added'])} added, {len(ch['removed'])} removed, {len(ch['edited'])} edited record(s)[/bold]")
    for title, items in (("Added", ch["added"]), ("Removed", ch["removed"])):
        for r in items[:limit]:
            console.print(f"  {title.lower()}: {r['table']} {r['record']} ({r['where']})")
    for e in ch["edited"][:limit]:
        edits = "; ".join(f"{c['column']} {c['old'] or '(blank)'} -> {c['new'] or '(blank)'}" for c in e["changes"])
        console.print(f"  edited: {e['table']} {e['record']} ({e['where']}): {edits}")
    for title, items in (("Findings that appear", cmp.findings_appeared), ("Findings that disappear", cmp.findings_disappeared)):
        console.print(f"[bold]{title}: {len(items)}[/bold]")
        for f in items[:limit]:
            console.print(f"  {f.severity} {f.rule} {f.study_id or ''} {f.outcome or ''}: {f.message}")
    if cmp.synthesis is not None:
        s = cmp.synthesis
        if not s["available"]:
            console.print(s["note"])
        else:
            console.print(f"[bold]Pooled estimates that move: {len(s['moved'])}[/bold]")
            for m in s["moved"]:
                console.print(f"  {m['analysis']}: {_est(m['old'])} -> {_est(m['new'])}")


def _pct(x: float | None) -> str:
    return "" if x is None else f"{x:.1f}"


def _est(p: dict[str, Any]) -> str:
    def f(v):
        return "?" if v is None else f"{v:.3f}"

    return f"{f(p.get('estimate'))} [{f(p.get('ci_lower'))}, {f(p.get('ci_upper'))}] k={p.get('k')}"


# ------------------------------------------------------------------ Markdown


def _md(v: Any) -> str:
    text = "" if v is None else str(v)
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ").replace("<", "&lt;")


def render_markdown(cmp, limit: int = 50) -> str:
    """A Markdown summary for a pull-request comment or $GITHUB_STEP_SUMMARY."""
    la, lb = cmp.labels
    lines = [f"## ectqa: {'changes' if cmp.versions else 'comparison'}",
             "", f"`{_md(cmp.a.path)}` ({la}) → `{_md(cmp.b.path)}` ({lb})", ""]
    if cmp.versions:
        ch = version_changes(cmp)
        lines += ["| | records |", "|---|---:|", f"| added | {len(ch['added'])} |", f"| removed | {len(ch['removed'])} |",
                  f"| edited | {len(ch['edited'])} |", f"| findings that appear | {len(cmp.findings_appeared)} |",
                  f"| findings that disappear | {len(cmp.findings_disappeared)} |", f"| judgements that change | {len(cmp.judgements)} |", ""]
        if ch["added"] or ch["removed"]:
            lines += ["### Records added or removed", "", "| | table | record | where |", "|---|---|---|---|"]
            lines += [f"| added | {r['table']} | {_md(r['record'])} | {_md(r['where'])} |" for r in ch["added"][:limit]]
            lines += [f"| removed | {r['table']} | {_md(r['record'])} | {_md(r['where'])} |" for r in ch["removed"][:limit]]
            lines.append("")
        if ch["edited"]:
            lines += ["### Edited records", "", "| table | record | column | old | new |", "|---|---|---|---|---|"]
            for e in ch["edited"][:limit]:
                for c in e["changes"]:
                    lines.append(f"| {e['table']} | {_md(e['record'])} | {c['column']} | {_md(c['old'])} | {_md(c['new'])} |")
            lines.append("")
        for title, items in (("Findings that appear", cmp.findings_appeared), ("Findings that disappear", cmp.findings_disappeared)):
            if items:
                lines += [f"### {title}", "", "| severity | rule | study | outcome | message |", "|---|---|---|---|---|"]
                lines += [f"| {f.severity} | `{f.rule}` | {_md(f.study_id)} | {_md(f.outcome)} | {_md(f.message)} |" for f in items[:limit]]
                if len(items) > limit:
                    lines.append(f"\n... and {len(items) - limit} more")
                lines.append("")
        if cmp.synthesis is not None:
            s = cmp.synthesis
            lines += ["### Pooled estimates", ""]
            if not s["available"]:
                lines += [f"_{_md(s['note'])}_", ""]
            elif s["moved"]:
                lines += ["| analysis | old | new |", "|---|---|---|"]
                lines += [f"| {_md(m['analysis'])} | {_est(m['old'])} | {_est(m['new'])} |" for m in s["moved"]]
                lines.append("")
            else:
                lines += ["No pooled estimate moves.", ""]
    else:
        o = cmp.overall
        lines += [f"**{cmp.n_disagreements} cell(s) disagree, {sum(cmp.n_only)} record(s) on one side only.** "
                  f"Agreement {_pct(o['percent_agreement'])}% of {o['cells']} cells"
                  + (f", kappa (terms) {o['kappa_terms']:.3f}" if o["kappa_terms"] is not None else ""), ""]
        all_rows = rows(cmp)
        if all_rows:
            lines += ["| table | record | column | A | B |", "|---|---|---|---|---|"]
            lines += [f"| {r['table']} | {_md(r['record'])} | {r['column'] or '(record)'} | {_md(r['a_value'])} | {_md(r['b_value'])} |"
                      for r in all_rows[:limit]]
            lines.append("")
    if cmp.judgements:
        lines += [f"### Judgements that {'change' if cmp.versions else 'differ'}", "", f"| study | domain | {la} | {lb} |", "|---|---|---|---|"]
        lines += [f"| {_md(j['study_id'])} | {j['domain']} | {j['a'] or '–'} | {j['b'] or '–'} |" for j in cmp.judgements]
        lines.append("")
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------ reconciliation workbook


def file_digest(report) -> str:
    """sha256 over the files a dataset was read from (workbook, or the tables' CSVs in order)."""
    h = hashlib.sha256()
    files = list(dict.fromkeys(str(t.source_path or t.file) for t in report.dataset.tables.values()))
    for f in files:
        h.update(Path(f).read_bytes())
    return h.hexdigest()


def text_cell(ws, row: int, column: int, value: Any):
    """Write a value; strings from user data are always text, never a formula."""
    from ..reports.excel_safe import put

    return put(ws.cell(row=row, column=column), value)


def write_excel(cmp, path: Path) -> None:
    """RECONCILE.xlsx: one row per disagreement, A's and B's values, an empty `agreed` column."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    from .. import __version__
    from ..outputs import atomic_write

    if cmp.versions:
        from ..errors import InputError

        raise InputError("--excel writes a reconciliation workbook for two extractions; leave out --as-versions")
    all_rows = rows(cmp)
    wb = Workbook()
    ws = wb.active
    ws.title = RECONCILE_SHEET
    bold = Font(bold=True)
    for j, name in enumerate(RECONCILE_COLUMNS, start=1):
        text_cell(ws, 1, j, name).font = bold
    fill = PatternFill("solid", fgColor="FFF2CC")
    agreed_col = RECONCILE_COLUMNS.index("agreed") + 1
    for i, r in enumerate(all_rows, start=2):
        for j, name in enumerate(RECONCILE_COLUMNS, start=1):
            if name == "agreed":
                ws.cell(row=i, column=j).fill = fill
                continue
            text_cell(ws, i, j, r.get(name))
    ws.freeze_panes = "A2"
    for j, width in enumerate((6, 13, 10, 16, 44, 18, 14, 14, 14, 22, 22, 30, 7, 30, 7), start=1):
        ws.column_dimensions[ws.cell(row=1, column=j).column_letter].width = width
    ws.cell(row=1, column=agreed_col).fill = fill

    # B's records that A lacks: their values, so that `keep` can add them to A
    for name, d in cmp.tables.items():
        if not len(d.only_b):
            continue
        tb = cmp.b.dataset.tables[name]
        sheet = wb.create_sheet(f"{ONLY_IN_B_PREFIX}{name}")
        cols = [c.name for c in cmp.a.config.dictionary.tables[name].columns]
        ids = [r["id"] for r in all_rows if r["table"] == name and r["kind"] == KIND_ONLY_B]
        text_cell(sheet, 1, 1, "id").font = bold
        for j, c in enumerate(cols, start=2):
            text_cell(sheet, 1, j, c).font = bold
        values = {c: display_values(tb, _decimals(cmp.b), c, d.only_b) for c in cols}
        for i, rid in enumerate(ids):
            text_cell(sheet, i + 2, 1, rid)
            for j, c in enumerate(cols, start=2):
                if values[c][i] != "":
                    text_cell(sheet, i + 2, j, values[c][i])

    about = wb.create_sheet(ABOUT_SHEET)
    meta = [
        ("format", "ectqa-reconcile"), ("format_version", FORMAT_VERSION), ("ectqa_version", __version__),
        ("a", str(cmp.a.path)), ("a_kind", cmp.a.dataset.kind), ("a_sha256", file_digest(cmp.a)),
        ("b", str(cmp.b.path)), ("b_kind", cmp.b.dataset.kind), ("b_sha256", file_digest(cmp.b)),
        ("tolerance", "precision" if cmp.tolerance is None else cmp.tolerance),
        ("how", f"Fill `agreed` in every row of '{RECONCILE_SHEET}': the consensus value as it should be written; "
                f"{TAKE_A} or {TAKE_B} takes that side's value, {TAKE_BLANK} empties the cell. For records on one side "
                "only: keep or drop. Then run: ectqa reconcile THIS.xlsx --base A --out CONSENSUS"),
    ]
    for i, (k, v) in enumerate(meta, start=1):
        text_cell(about, i, 1, k).font = bold
        text_cell(about, i, 2, v)
    about.column_dimensions["A"].width = 16
    about.column_dimensions["B"].width = 90
    atomic_write(Path(path), lambda tmp: wb.save(tmp))
