"""`--format junit`: one testcase per table and rule, failures carrying the findings.

The structure GitLab and Jenkins read: testsuites / testsuite (tests, failures) / testcase /
failure. A rule fails when it has findings at or above --fail-on that are not waived.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element, SubElement, tostring

from ..findings import SEVERITY_RANK

LEVEL_TABLE = {"study": "studies", "series": "measurements", "row": "measurements"}


def render(report) -> str:
    from ..rules import catalogue

    threshold = None if report.fail_on == "never" else SEVERITY_RANK[report.fail_on]
    schema_rules = [r for r in catalogue.load().values() if r.kind == "schema"]
    suites = Element("testsuites", name="ectqa")
    total_tests = total_failures = 0
    groups: dict[tuple[str, str], dict[str, list]] = {}
    for f in report.findings:
        groups.setdefault((f.file or "", f.table or ""), {}).setdefault(f.rule, []).append(f)
    tables = []
    for ds in getattr(report, "datasets", [report.dataset]):
        for name, t in ds.tables.items():
            tables.append((t.file, name))
    for key in groups:
        if key not in tables:
            tables.append(key)
    for file, table in tables:
        rules = [r.id for r in schema_rules]
        rules += [r.id for r in report.rules_applied if _table_of(r, table)]
        for rule in groups.get((file, table), {}):
            if rule not in rules:
                rules.append(rule)
        suite = SubElement(suites, "testsuite", name=f"{file}:{table}" if table else file)
        failures = 0
        for rule in rules:
            case = SubElement(suite, "testcase", name=rule, classname=f"ectqa.{table or 'file'}")
            found = groups.get((file, table), {}).get(rule, [])
            failing = [f for f in found if f.counts and threshold is not None and SEVERITY_RANK[f.severity] >= threshold]
            if failing:
                failures += 1
                failure = SubElement(case, "failure", message=f"{len(failing)} finding(s): {failing[0].message}", type=rule)
                failure.text = "\n".join(_line(f) for f in failing)
            other = [f for f in found if f not in failing]
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
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(suites, encoding="unicode") + "\n"


def _table_of(rule, table: str) -> bool:
    return LEVEL_TABLE.get(rule.level, "") == table


def _line(f) -> str:
    where = f.cell or (f"line {f.row}" if f.row is not None else f.table or "")
    study = f" study {f.study_id}" if f.study_id else ""
    waived = f" (waived: {f.waiver_reason})" if f.waived else ""
    return f"{f.severity} {where}{study}: {f.message}{waived}"
