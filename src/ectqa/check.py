"""The check pipeline: read -> validate -> assess -> judge. Reporters render its `Report`."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import filterfalse
from operator import attrgetter
from pathlib import Path
from typing import Any

from .config import Config, load_config
from .findings import SEVERITY_RANK, Finding, sorted_findings

FAIL_ON = ("error", "warning", "never")
_SEVERITY, _WAIVED = attrgetter("severity"), attrgetter("waived")


@dataclass
class Options:
    table: str | None = None
    config: Path | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    fail_on: str = "error"


@dataclass
class Report:
    path: Path
    config: Config
    dataset: Any
    findings: list[Finding]
    quality: list[dict[str, Any]]
    rules_applied: list[Any]
    parameters: dict[str, dict[str, Any]]
    notes: list[str] = field(default_factory=list)
    rows_left_out: int = 0
    fail_on: str = "error"
    baseline_known: int = 0  # findings matched by a baseline (not counted)

    @property
    def inputs(self) -> list[str]:
        return self.dataset.files

    def counted(self) -> list[Finding]:
        return [f for f in self.findings if f.counts]

    def summary(self) -> dict[str, Any]:
        severities = self._counted_severities()
        tables = self.dataset.tables
        return {
            "errors": severities["error"],
            "warnings": severities["warning"],
            "infos": severities["info"],
            "waived": sum(f.waived for f in self.findings),
            "studies": len(tables["studies"]) if "studies" in tables else len(self.quality),
            "measurements": len(tables["measurements"]) if "measurements" in tables else 0,
            "rows_left_out": self.rows_left_out,
            "passed": self._exit_code(severities) == 0,
        }

    @property
    def exit_code(self) -> int:
        return self._exit_code(self._counted_severities())

    def _counted_severities(self) -> Counter[str]:
        # one pass, in C: at 100k rows there are tens of thousands of findings (`counts` is
        # `not waived`)
        return Counter(map(_SEVERITY, filterfalse(_WAIVED, self.findings)))

    def _exit_code(self, severities: Counter[str]) -> int:
        if self.fail_on == "never":
            return 0
        threshold = SEVERITY_RANK[self.fail_on]
        return 1 if any(SEVERITY_RANK[s] >= threshold for s, n in severities.items() if n) else 0


def select_rules(rules: list[Any], config: Config, select: tuple[str, ...], ignore: tuple[str, ...]) -> list[Any]:
    """Quality rules enabled by config and chosen by --select/--ignore (ids or domain names),
    with config's severity and impact applied."""
    from .errors import InputError

    known = {r.id for r in rules} | {r.domain for r in rules if r.domain}
    for sel in (*select, *ignore):
        if sel.startswith("schema/"):
            raise InputError(f"--select/--ignore {sel}: schema findings cannot be switched off; fix the data")
        if sel not in known:
            raise InputError(f"--select/--ignore {sel}: unknown rule id or domain (see `ectqa rules`)")
    out = []
    for r in rules:
        settings = config.rules.get(r.id, {})
        if not settings.get("enabled", True):
            continue
        if select and r.id not in select and r.domain not in select:
            continue
        if r.id in ignore or r.domain in ignore:
            continue
        changes = {}
        if "severity" in settings:
            changes["severity"] = settings["severity"]
        if "impact" in settings:
            changes["impact"] = None if settings["impact"] == "none" else settings["impact"]
        out.append(dataclasses.replace(r, **changes) if changes else r)
    return out


def parameters_for(rules: list[Any], config: Config) -> dict[str, dict[str, Any]]:
    params = {}
    for r in rules:
        p = _deep_copy(r.parameters)
        for k, v in config.rules.get(r.id, {}).items():
            if k in ("enabled", "severity", "impact"):
                continue
            if isinstance(v, dict) and isinstance(p.get(k), dict):
                p[k] = {**p[k], **v}
            else:
                p[k] = v
        params[r.id] = p
    return params


def _deep_copy(d: dict[str, Any]) -> dict[str, Any]:
    return {k: _deep_copy(v) if isinstance(v, dict) else (list(v) if isinstance(v, list) else v) for k, v in d.items()}


def _imports_to_come() -> tuple[Callable[[], object], ...]:
    """Imports for the time calamine parses a large workbook in its thread, idle otherwise
    (~0.5 s at 100,000 rows), after the tables read so far are validated: the quality rules;
    then scipy.special, which only p values and CIs need, so it is taken only while a parse is
    still running."""
    from .lean import scipy_special

    return (_load_rules, scipy_special)


def _load_rules() -> None:
    from .rules.engine import load_rule_modules

    load_rule_modules()


def run_check(path: Path, options: Options, config: Config | None = None) -> Report:
    from . import readers
    from .rules import catalogue

    if options.fail_on not in FAIL_ON:
        from .errors import InputError

        raise InputError(f"--fail-on {options.fail_on}: use error, warning or never")
    if config is None:
        config = load_config(options.config, path)
    quality_rules = select_rules(catalogue.quality_rules(), config, options.select, options.ignore)
    from .schema.validate import Validator  # pandas and pandera load only for a readable input

    validator = Validator(config.dictionary)
    dataset = readers.read(path, config, options.table, meanwhile=_imports_to_come(), on_table=validator.table)
    validation = validator.finish(dataset)
    findings = list(validation.findings)
    params = parameters_for(quality_rules, config)
    quality_findings, quality, notes, left_out = assess(dataset, validation, quality_rules, params, config)
    findings.extend(quality_findings)
    apply_waivers(findings, config.waivers)
    report = Report(
        path=path,
        config=config,
        dataset=dataset,
        findings=sorted_findings(findings),
        quality=quality,
        rules_applied=quality_rules,
        parameters=params,
        notes=dataset.notes + notes,
        rows_left_out=left_out,
        fail_on=options.fail_on,
    )
    return report


def assess(dataset, validation, rules, params, config) -> tuple[list[Finding], list[dict[str, Any]], list[str], int]:
    """Quality rules on the rows that passed validation, then judgements for every study."""
    import numpy as np

    from .judgements import judge
    from .rules import registry
    from .rules.engine import Context, load_rule_modules, run_rules

    load_rule_modules()
    tables = dataset.tables
    available = set(tables)
    studies_all = tables["studies"].frame if "studies" in tables else None
    meas_all = tables["measurements"].frame if "measurements" in tables else None
    studies_ok = studies_all[validation.valid["studies"]] if studies_all is not None else None
    meas_ok = meas_all[validation.valid["measurements"]] if meas_all is not None else None
    left_out = int(sum((~v).sum() for v in validation.valid.values()))
    ctx = Context(
        dictionary=config.dictionary,
        studies=studies_ok,
        measurements=meas_ok,
        all_measurements=meas_all,
        raw={name: t.raw for name, t in tables.items()},
        decimals=_decimals_lookup(dataset),
    )
    findings, skipped = run_rules(ctx, rules, params, dataset, available)
    # the impacts config sets (for a few rules, if any): the findings of other rules are passed over
    impacts = {rule_id: settings for rule_id, settings in config.rules.items() if "impact" in settings}
    for f in findings if impacts else ():
        settings = impacts.get(f.rule)
        if settings is not None:
            f.impact = None if settings["impact"] == "none" else settings["impact"]
            if "severity" not in settings and f.severity in ("warning", "info") and not _explicit_severity(rules, f.rule):
                f.severity = "warning" if f.impact else "info"
    notes = list(skipped)
    if left_out:
        notes.append(f"{left_out} row(s) with schema errors were left out of the quality rules")

    # which studies, and which domains could be assessed for each
    if studies_all is not None:
        study_ids = [s for s in studies_all["study_id"].dropna().unique().tolist() if isinstance(s, str)]
        valid_studies = set(studies_ok["study_id"].dropna().unique().tolist())
    else:
        study_ids = [s for s in meas_all["study_id"].dropna().unique().tolist() if isinstance(s, str)]
        valid_studies = set()
    if meas_all is not None:
        # from the study_id codes the rules used: 100,000 rows are not hashed again
        codes, ids = ctx.codes("study_id")
        all_meas_ids = set(ids.tolist())
        valid_rows = validation.valid["measurements"] & (codes >= 0)
        valid_meas_ids = set(ids[np.bincount(codes[valid_rows], minlength=len(ids)) > 0].tolist())
    else:
        all_meas_ids, valid_meas_ids = set(), set()
    assessable: dict[str, set[str]] = {}
    skipped_ids = {s.split(":")[0] for s in skipped}
    by_domain: dict[str, list[Any]] = {}
    for r in rules:
        by_domain.setdefault(r.domain, []).append(r)
    for domain, domain_rules in by_domain.items():
        if any(r.id in skipped_ids for r in domain_rules):
            assessable[domain] = set()
            continue
        needs = set()
        for r in domain_rules:
            needs.update(registry.NEEDS.get(r.id, ()))
        ok = set(study_ids)
        if "studies" in needs:
            ok &= valid_studies
        if "measurements" in needs:
            # every row it needs excluded -> cannot be assessed
            ok -= all_meas_ids - valid_meas_ids
        assessable[domain] = ok
    quality = judge(study_ids, findings, assessable, config.overrides)
    return findings, quality, notes, left_out


def _explicit_severity(rules, rule_id: str) -> bool:
    from .rules import catalogue

    r = catalogue.load().get(rule_id)
    return bool(r and r.severity)


def _decimals_lookup(dataset):
    """callable(table, column, index=None) -> reported decimals (-1 unknown) per row position:
    the text a CSV cell holds, else the workbook cell's number format, else the number itself.
    Worked out only for the rows asked for (a call per value), and remembered."""
    import operator
    from itertools import repeat

    import numpy as np

    cache: dict[tuple[str, str], Any] = {}
    NOT_YET = -2

    def decimals(table: str, column: str, index=None):
        from .forensics.precision import decimals_of_float, decimals_of_text

        t = dataset.tables[table]
        n = len(t.raw)
        key = (table, column)
        if key not in cache:
            cache[key] = np.full(n, NOT_YET if column in t.raw.columns else -1, dtype=np.int64)
        out = cache[key]
        wanted = np.arange(n) if index is None else np.asarray(index, dtype=np.int64)
        todo = wanted[out[wanted] == NOT_YET]
        if len(todo):
            raw = t.raw[column].to_numpy(dtype=object)[todo]
            # isinstance and `is not None` as C calls per value: a generator cost 10 ms a column at 100k rows
            is_text = np.fromiter(map(str.__instancecheck__, raw), dtype=bool, count=len(raw))
            result = np.full(len(todo), -1, dtype=np.int64)
            if is_text.any():
                result[is_text] = decimals_of_text(raw[is_text])
            fmt = t.number_formats.get(column)
            if fmt is not None:
                use = (~is_text) & (fmt[todo] >= 0)
                result[use] = fmt[todo][use]
            present = np.fromiter(map(operator.is_not, raw, repeat(None)), dtype=bool, count=len(raw))
            rest = (~is_text) & (result < 0) & present
            if rest.any():
                result[rest] = decimals_of_float(t.frame[column].to_numpy()[todo][rest])
            out[todo] = result
        return out if index is None else out[wanted]

    return decimals


def apply_waivers(findings: list[Finding], waivers: list[dict[str, Any]]) -> None:
    """A waived finding stays in every report, marked with its reason; it no longer counts."""
    if not waivers:
        return
    for f in findings:
        if f.kind != "quality":
            continue
        for w in waivers:
            if w["rule"] == f.rule and w["study_id"] == f.study_id and w.get("outcome") in (None, f.outcome):
                f.waived = True
                f.waiver_reason = w["reason"]
                break
