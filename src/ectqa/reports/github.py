"""`--format github`: one GitHub Actions workflow command per finding, so that annotations land on
the finding's line in a pull request (CSV: the line on which the record starts).

`::error file=F,line=ROW,title=RULE::MESSAGE`, with `warning` and `notice` for the other
severities; a waived finding (config waiver or baseline) is a `notice` that says why. Property
values escape `%`, CR, LF, `:` and `,`; the message escapes `%`, CR, LF. GitHub shows at most 10
error and 10 warning annotations per step (50 per job): upload the JUnit report for the full list.
"""

from __future__ import annotations

from pathlib import PurePath

LEVEL = {"error": "error", "warning": "warning", "info": "notice"}


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(f) -> str:
    """The workflow command for one finding."""
    props = []
    if f.file:
        props.append(f"file={_escape_property(PurePath(f.file).as_posix())}")
        if f.row is not None:
            props.append(f"line={f.row}")
    props.append(f"title={_escape_property(f.rule)}")
    where = f" [{f.cell}]" if f.cell else ""
    study = f" ({f.study_id})" if f.study_id and f.kind == "quality" else ""
    waived = f" [waived: {f.waiver_reason}]" if f.waived else ""
    level = "notice" if f.waived else LEVEL[f.severity]
    return f"::{level} {','.join(props)}::{_escape_data(f.message + study + where + waived)}"


def render(report) -> str:
    lines = [command(f) for f in report.findings]
    return "\n".join(lines) + ("\n" if lines else "")
