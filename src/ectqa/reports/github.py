"""`--format github`: one workflow command per finding, so annotations land on the cell's line."""

from __future__ import annotations

LEVEL = {"error": "error", "warning": "warning", "info": "notice"}


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(report) -> str:
    lines = []
    for f in report.findings:
        props = [f"file={_escape_property(f.file or '')}"]
        if f.row is not None:
            props.append(f"line={f.row}")
        props.append(f"title={_escape_property(f.rule)}")
        where = f" [{f.cell}]" if f.cell else ""
        study = f" ({f.study_id})" if f.study_id and f.kind == "quality" else ""
        waived = f" [waived: {f.waiver_reason}]" if f.waived else ""
        level = "notice" if f.waived else LEVEL[f.severity]
        lines.append(f"::{level} {','.join(props)}::{_escape_data(f.message + study + where + waived)}")
    return "\n".join(lines) + ("\n" if lines else "")
