"""Find and read `ectqa.toml` or `[tool.ectqa]` in `pyproject.toml`; one `Config` object.

Found as ruff and pytest find theirs: the nearest file walking up from the checked path;
`--config FILE` overrides. An unknown key or rule id is an exit-2 error naming it.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError

KNOWN_KEYS = ("sheets", "columns", "outcomes", "rules", "waivers", "overrides", "limits")
DEFAULT_LIMITS = {"max_inflated_mb": 200, "max_rows": 1_000_000}
RULE_SETTINGS = ("enabled", "severity", "impact")
SEVERITY_VALUES = ("error", "warning", "info")
IMPACT_VALUES = ("high", "some_concerns", "no_information", "none")
JUDGEMENT_VALUES = ("low", "some_concerns", "high", "no_information")


@dataclass
class Config:
    path: Path | None = None
    sheets: dict[str, str] = field(default_factory=dict)
    columns: dict[str, dict[str, str]] = field(default_factory=dict)
    outcomes: dict[str, dict[str, Any]] = field(default_factory=dict)
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)
    waivers: list[dict[str, Any]] = field(default_factory=list)
    overrides: list[dict[str, Any]] = field(default_factory=list)
    limits: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_LIMITS))
    dictionary: Any = None  # the data dictionary with the config's extra outcomes

    @property
    def source(self) -> str:
        return str(self.path) if self.path else "defaults (no ectqa.toml found)"

    def as_dict(self) -> dict[str, Any]:
        """What the config sets, for reports."""
        out: dict[str, Any] = {}
        for key in KNOWN_KEYS:
            value = getattr(self, key)
            if key == "limits" and value == DEFAULT_LIMITS:
                continue
            if value:
                out[key] = value
        return out


def find_config(start: Path) -> Path | None:
    """The nearest ectqa.toml, or pyproject.toml with [tool.ectqa], walking up from `start`."""
    here = start.resolve()
    if not here.is_dir():
        here = here.parent
    for folder in (here, *here.parents):
        candidate = folder / "ectqa.toml"
        if candidate.is_file():
            return candidate
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            try:
                data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError):
                continue
            if "ectqa" in data.get("tool", {}):
                return pyproject
    return None


def load_config(explicit: Path | None, start: Path | None) -> Config:
    path = explicit
    if path is None and start is not None:
        path = find_config(start)
    if path is None:
        return _finish(Config())
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found; check --config")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); fix the syntax") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text; save it as UTF-8") from None
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("ectqa", {})
    return parse_config(data, path)


def parse_config(data: dict[str, Any], path: Path | None = None) -> Config:
    where = str(path) if path else "config"

    def fail(key: str, what: str) -> ConfigError:
        return ConfigError(f"{where}: {key}: {what}")

    from . import dictionary as dictionary_module
    from .rules import catalogue

    dictionary = dictionary_module.load()
    for key in data:
        if key not in KNOWN_KEYS:
            raise fail(key, f"unknown key; known keys are {', '.join(KNOWN_KEYS)}")
    cfg = Config(path=path)

    sheets = _table(data.get("sheets", {}), "sheets", fail)
    for table, name in sheets.items():
        if table not in dictionary.tables:
            raise fail(f"sheets.{table}", "unknown table; use studies or measurements")
        if not isinstance(name, str) or not name.strip():
            raise fail(f"sheets.{table}", "must be a sheet (or CSV file stem) name in quotes")
    cfg.sheets = dict(sheets)

    columns = _table(data.get("columns", {}), "columns", fail)
    for table, mapping in columns.items():
        if table not in dictionary.tables:
            raise fail(f"columns.{table}", "unknown table; use [columns.studies] or [columns.measurements]")
        mapping = _table(mapping, f"columns.{table}", fail)
        names = dictionary.tables[table].names
        for header, column in mapping.items():
            if column not in names:
                raise fail(f'columns.{table}."{header}"', f"'{column}' is not a column of {table}")
        cfg.columns[table] = dict(mapping)

    outcomes = _table(data.get("outcomes", {}), "outcomes", fail)
    for name, spec in outcomes.items():
        spec = _table(spec, f'outcomes."{name}"', fail)
        for k in spec:
            if k not in ("class", "synonyms"):
                raise fail(f'outcomes."{name}".{k}', "unknown key; use class and synonyms")
        if spec.get("class") not in dictionary.class_units:
            raise fail(f'outcomes."{name}".class', f"must be one of {', '.join(dictionary.class_units)}")
        synonyms = spec.get("synonyms", [])
        if not isinstance(synonyms, list) or not all(isinstance(s, str) for s in synonyms):
            raise fail(f'outcomes."{name}".synonyms', "must be a list of strings")
        cfg.outcomes[name] = {"class": spec["class"], "synonyms": synonyms}
    cfg.dictionary = dictionary.with_outcomes(cfg.outcomes)

    known_rules = catalogue.load()
    rules = _table(data.get("rules", {}), "rules", fail)
    for rule_id, settings in rules.items():
        if rule_id not in known_rules or rule_id.startswith("schema/"):
            raise fail(f"rules.{rule_id}", "unknown rule id (see `ectqa rules`)")
        settings = _table(settings, f"rules.{rule_id}", fail)
        rule = known_rules[rule_id]
        for k, v in settings.items():
            if k == "enabled":
                if not isinstance(v, bool):
                    raise fail(f"rules.{rule_id}.enabled", "must be true or false")
            elif k == "severity":
                if v not in SEVERITY_VALUES:
                    raise fail(f"rules.{rule_id}.severity", f"must be one of {', '.join(SEVERITY_VALUES)}")
            elif k == "impact":
                if v not in IMPACT_VALUES:
                    raise fail(f"rules.{rule_id}.impact", f"must be one of {', '.join(IMPACT_VALUES)}")
            elif k in rule.parameters:
                _check_parameter(rule_id, k, v, rule.parameters[k], fail)
            else:
                params = ", ".join(rule.parameters) or "none"
                raise fail(f"rules.{rule_id}.{k}", f"unknown setting; this rule takes enabled, severity, impact and parameters: {params}")
        cfg.rules[rule_id] = dict(settings)

    waivers = data.get("waivers", [])
    if not isinstance(waivers, list):
        raise fail("waivers", "must be an array of tables ([[waivers]])")
    for i, w in enumerate(waivers):
        w = _table(w, f"waivers[{i}]", fail)
        for k in w:
            if k not in ("rule", "study_id", "outcome", "reason"):
                raise fail(f"waivers[{i}].{k}", "unknown key; use rule, study_id, outcome, reason")
        for k in ("rule", "study_id", "reason"):
            if not isinstance(w.get(k), str) or not w[k].strip():
                raise fail(f"waivers[{i}].{k}", "required (a waiver names the rule, the study and the reason)")
        if w["rule"].startswith("schema/"):
            raise fail(f"waivers[{i}].rule", "schema errors cannot be waived; fix the data")
        if w["rule"] not in known_rules:
            raise fail(f"waivers[{i}].rule", f"unknown rule id '{w['rule']}' (see `ectqa rules`)")
        cfg.waivers.append(dict(w))

    overrides = data.get("overrides", [])
    if not isinstance(overrides, list):
        raise fail("overrides", "must be an array of tables ([[overrides]])")
    from .findings import DOMAINS

    for i, o in enumerate(overrides):
        o = _table(o, f"overrides[{i}]", fail)
        for k in o:
            if k not in ("study_id", "domain", "judgement", "reason"):
                raise fail(f"overrides[{i}].{k}", "unknown key; use study_id, domain, judgement, reason")
        for k in ("study_id", "domain", "judgement", "reason"):
            if not isinstance(o.get(k), str) or not o[k].strip():
                raise fail(f"overrides[{i}].{k}", "required (an override names the study, domain, judgement and reason)")
        if o["domain"] not in (*DOMAINS, "overall"):
            raise fail(f"overrides[{i}].domain", f"must be one of {', '.join(DOMAINS)}, overall")
        if o["judgement"] not in JUDGEMENT_VALUES:
            raise fail(f"overrides[{i}].judgement", f"must be one of {', '.join(JUDGEMENT_VALUES)}")
        cfg.overrides.append(dict(o))

    limits = _table(data.get("limits", {}), "limits", fail)
    for k, v in limits.items():
        if k not in DEFAULT_LIMITS:
            raise fail(f"limits.{k}", f"unknown limit; use {', '.join(DEFAULT_LIMITS)}")
        if isinstance(v, bool) or not isinstance(v, (int, float)) or v <= 0:
            raise fail(f"limits.{k}", "must be a positive number")
        cfg.limits[k] = v
    return cfg


def _finish(cfg: Config) -> Config:
    from . import dictionary as dictionary_module

    cfg.dictionary = dictionary_module.load()
    return cfg


def _table(value: Any, key: str, fail) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise fail(key, "must be a table")
    return value


def _check_parameter(rule_id: str, key: str, value: Any, default: Any, fail) -> None:
    """A parameter must have the default's shape: a number for a number, a table for a table."""
    name = f"rules.{rule_id}.{key}"
    if isinstance(default, bool):
        ok = isinstance(value, bool)
    elif isinstance(default, (int, float)):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if ok and value < 0:
            raise fail(name, "must not be negative")
    elif isinstance(default, dict):
        ok = isinstance(value, dict)
        if ok:
            for k, v in value.items():
                if k in default:
                    _check_parameter(rule_id, f"{key}.{k}", v, default[k], fail)
    elif isinstance(default, list):
        ok = isinstance(value, list) and len(value) == len(default) and all(
            isinstance(x, (int, float)) and not isinstance(x, bool) for x in value
        )
    else:
        ok = isinstance(value, type(default))
    if not ok:
        raise fail(name, f"must look like the default ({default!r})")
