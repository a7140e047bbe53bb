"""`--format junit`: one testcase per table and rule, failures carrying the findings.

The structure GitLab (`artifacts: reports: junit:`) and Jenkins (`junit` step) read:

    testsuites (tests, failures, errors)
      testsuite name="FILE:TABLE" (tests, failures, errors)
        testcase name=RULE classname=ectqa.TABLE file=FILE
          failure message="N finding(s): first message" type=RULE   the findings that fail
          system-out                                                  the others (kept for reading)

Every schema rule and every quality rule applied to a table is a testcase, so a rule that passes
shows as a passed test. A testcase fails when it has findings at or above --fail-on that are not
waived; with --fail-on never nothing fails. No timestamps or durations: the same input gives the
same bytes.
"""

from __future__ import annotations

from pathlib import PurePath
from xml.etree.ElementTree import Element, SubElement, indent, tostring

from ..findings import SEVERITY_RANK

LEVEL_TABLE = {"study": "studies", "series": "measurements", "row": "measurements"}


def render(report) -> str:
    from ..rules import catalogue

    threshold = None if report.fail_on == "never" else SEVERITY_RANK[report.fail_on]
    schema_rules = [r.id for r in catalogue.load().values() if r.kind == "schema"]
    groups: dict[tuple[str, str], dict[str, list]] = {}
    for f in report.findings:
        groups.setdefault((f.file or "", f.table or ""), {}).setdefault(f.rule, []).append(f)
    tables: list[tuple[str, str]] = []
    for ds in getattr(report, "datasets", [report.dataset]):
        for name, t in ds.tables.items():
            if (t.file, name) not in tables:
                tables.append((t.file, name))
    for key in groups:
        if key not in tables:
            tables.append(key)

    suites = Element("testsuites", name="ectqa")
    total_tests = total_failures = 0
    for file, table in tables:
        found_here = groups.get((file, table), {})
        rules = list(schema_rules)
        rules += [r.id for r in report.rules_applied if LEVEL_TABLE.get(r.level, "") == table and r.id not in rules]
        rules += [rule for rule in found_here if rule not in rules]
        shown_file = PurePath(file).as_posix() if file else ""
        suite = SubElement(suites, "testsuite", name=":".join(p for p in (shown_file, table) if p) or "ectqa")
        failures = 0
        for rule in rules:
            attrs = {"name": rule, "classname": f"ectqa.{table or 'file'}"}
            if shown_file:
                attrs["file"] = shown_file
            case = SubElement(suite, "testcase", attrs)
            found = found_here.get(rule, [])
            failing = [f for f in found if f.counts and threshold is not None and SEVERITY_RANK[f.severity] >= threshold]
            if failing:
                failures += 1
                failure = SubElement(case, "failure", message=f"{len(failing)} finding(s): {failing[0].message}", type=rule)
                failure.text = "\n".join(_line(f) for f in failing)
            failing_ids = {id(f) for f in failing}
            other = [f for f in found if id(f) not in failing_ids]
            if other:
                out = SubElement(case, "system-out")
                out.text = "\n".join(_line(f) for f in other)
        suite.set("tests", str(len(rules)))
        suite.set("failures", str(failures))
        suite.set("errors", "0")
        total_tests += len(rules)
        total_failures += failures
    suites.set("tests", str(total_tests))
    suites.set("failures", str(total_failures))
    suites.set("errors", "0")
    indent(suites, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(suites, encoding="unicode") + "\n"


def _line(f) -> str:
    where = f.cell or (f"line {f.row}" if f.row is not None else f.table or "")
    study = f" study {f.study_id}" if f.study_id else ""
    waived = f" (waived: {f.waiver_reason})" if f.waived else ""
    return f"{f.severity} {where}{study}: {f.message}{waived}"
