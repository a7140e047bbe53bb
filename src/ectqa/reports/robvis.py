"""`--robvis FILE.csv`: the judgements as the summary table robvis reads, to draw the figure in R.

robvis's "Generic" template: the first column `Study`, one column per domain, `Overall` second to
last and `Weight` last; judgements written "Low", "Some concerns", "High", "No information".
`Weight` is the study's `n_ect` (patients who started ECT); where `n_ect` is unknown (empty or a
schema error) it is 1, as robvis suggests when no weight is available. In R:

    data <- read.csv("robvis.csv", header = TRUE, check.names = FALSE, fileEncoding = "UTF-8")
    robvis::rob_traffic_light(data, tool = "Generic")
    robvis::rob_summary(data, tool = "Generic", overall = TRUE, weighted = TRUE)

Cells never start with a character a spreadsheet would run as a formula (`excel_safe.csv_text`).
Written atomically.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import Any

from ..findings import DOMAINS
from .excel_safe import csv_text, refuse_input_as_output
from .terminal import LABEL

# column names survive read.csv unchanged (no spaces), and robvis uses them as domain names
DOMAIN_COLUMN = {
    "sample_size": "Sample_size",
    "confounding": "Confounding",
    "comparison": "Comparison",
    "timing": "Timing",
    "measurement": "Measurement",
    "reporting": "Reporting",
}
COLUMNS = ("Study", *(DOMAIN_COLUMN[d] for d in DOMAINS), "Overall", "Weight")


def study_weights(report) -> dict[str, Any]:
    """study_id -> n_ect as a number (first row of each study), from every dataset of the report."""
    out: dict[str, Any] = {}
    for ds in getattr(report, "datasets", None) or [report.dataset]:
        t = ds.tables.get("studies")
        if t is None or t.frame is None or "n_ect" not in t.frame.columns or "study_id" not in t.frame.columns:
            continue
        for sid, n in zip(t.frame["study_id"].tolist(), t.frame["n_ect"].tolist()):
            if not isinstance(sid, str) or sid in out:
                continue
            if isinstance(n, (int, float)) and not isinstance(n, bool) and math.isfinite(n) and n > 0:
                out[sid] = int(n) if float(n).is_integer() else float(n)
    return out


def robvis_rows(report) -> list[list[str]]:
    weights = study_weights(report)
    rows = []
    for q in report.quality:
        weight = weights.get(q["study_id"], 1)
        rows.append([
            csv_text(q["study_id"]),
            *(LABEL[q["domains"][d]] for d in DOMAINS),
            LABEL[q["overall"]],
            csv_text(weight),
        ])
    return rows


def render(report) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(robvis_rows(report))
    return buf.getvalue()


def write_robvis(report, path: Path) -> None:
    from ..outputs import write_text

    refuse_input_as_output(report, path, "robvis CSV")
    write_text(Path(path), render(report))
