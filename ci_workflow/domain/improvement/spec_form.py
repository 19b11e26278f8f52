"""The improvement form of the workspace (plain HTML, no script): an improvement's file as flat
form fields and back, and each problem of the file placed beside the field it is about.

A field's name is its path in the file (``objectives[0].target``); a source's fields also name
their kind (``objectives[0].source.http.url``), since the form offers every kind's fields and
reads only the chosen kind's. Lists of names are one a line; headers, parameters and filters
``name: value`` a line; a Python source's parameters JSON. Rows left blank are not read.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from ci_workflow.domain.strategy.benefits import benefits_of, benefits_text
from ci_workflow.domain.strategy.serves import serves_of, serves_text

_CSV = "path timestamp_column aggregation value_column filter timestamp_format"
_INCIDENTS = (
    "metric filter.category filter.service filter.priority filter.assignment_group database"
)
SOURCE_FIELDS: dict[str, tuple[str, ...]] = {
    "manual": (),
    "sql": ("url", "query", "timeout"),
    "csv": tuple(_CSV.split()),
    "http": ("url", "path", "timeout", "retries", "headers", "params"),
    "python": ("function", "params"),
    "incidents": tuple(_INCIDENTS.split()),
}
_TOP = """key title type source process service description vision current_state scope owner
    process_owner team strategic_impact feasibility estimated_cost estimated_hours expected_gain
    identified
    started checkpoints.cron sustain sustain_keep service_owner_signoff wsjf.business_value
    wsjf.time_criticality wsjf.risk_reduction wsjf.effort programme serves benefits"""
TOP = tuple(_TOP.split())
_OBJECTIVE = "metric description unit window baseline target direction due kpi_kind input"
OBJECTIVE = tuple(_OBJECTIVE.split())
ACTION = ("action", "owner", "due", "status", "change")
# What a row needs for it to be read: the rest (a kind, a status) have defaults chosen.
_OBJECTIVE_FILLED = ("metric", "description", "unit", "window", "baseline", "target", "due")
_ACTION_FILLED = ("action", "owner", "due", "change")
NUMBERS = frozenset(
    {
        "strategic_impact",
        "feasibility",
        "estimated_cost",
        "estimated_hours",
        "expected_gain",
        "baseline",
        "target",
        "timeout",
        "retries",
        "business_value",
        "time_criticality",
        "risk_reduction",
        "effort",
    }
)
PAIRS = frozenset({"csv.filter", "http.headers", "http.params"})
# Where a problem with no field of its own is shown: its section of the form.
SECTIONS = ("objectives", "wsjf", "checkpoints", "plan", "team")
_ROW = re.compile(r"^(objectives|plan)\[(\d+)\]\.")
_PROBLEM = re.compile(r"^([a-z_]+(?:\[\d+\]|\.[A-Za-z0-9_-]+)*): (.*)$", re.S)
_INDEX = re.compile(r"^(objectives|plan)\[(\d+)\]")


@dataclass
class FormSpec:
    """The file a form gives, the problems found reading it, and which row of the form each
    objective and action of the file came from."""

    spec: dict[str, Any]
    problems: dict[str, list[str]] = field(default_factory=dict)  # by field name
    rows: dict[str, list[int]] = field(default_factory=dict)  # objectives / plan → form rows


def text_of(value: Any) -> str:
    """A value of the file as a form field shows it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "on" if value else ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, list):
        return "\n".join(text_of(v) for v in value)
    return str(value)


def values_of(document: dict[str, Any]) -> dict[str, str]:
    """An improvement's file as the form's fields."""
    values = {name: text_of(_get(document, name)) for name in TOP}
    values["serves"] = serves_text(document.get("serves"))
    values["benefits"] = benefits_text(document.get("benefits"))
    for n, objective in enumerate(document.get("objectives") or []):
        for name in OBJECTIVE:
            values[f"objectives[{n}].{name}"] = text_of(objective.get(name))
        values.update(_source_values(f"objectives[{n}].source", objective.get("source") or {}))
    for n, action in enumerate(document.get("plan") or []):
        for name in ACTION:
            values[f"plan[{n}].{name}"] = text_of(action.get(name))
    return values


def _source_values(prefix: str, source: dict[str, Any]) -> dict[str, str]:
    kind = str(source.get("kind", "manual"))
    values = {f"{prefix}.kind": kind}
    for name in SOURCE_FIELDS.get(kind, ()):
        value = _get(source, name)
        if f"{kind}.{name}" in PAIRS:
            shown = "\n".join(f"{k}: {_pair_text(v)}" for k, v in (value or {}).items())
        elif kind == "python" and name == "params":
            shown = json.dumps(value, ensure_ascii=False) if value else ""
        else:
            shown = text_of(value)
        values[f"{prefix}.{kind}.{name}"] = shown
    return values


def _pair_text(value: Any) -> str:
    """A value in a ``name: value`` line: a truth value as YAML writes it, which ``_pairs``
    reads back (``text_of`` gives a ticked box's "on", which would come back as a text)."""
    return ("true" if value else "false") if isinstance(value, bool) else text_of(value)


def _get(data: dict[str, Any], dotted: str) -> Any:
    for part in dotted.split("."):
        if not isinstance(data, dict):
            return None
        data = data.get(part)  # type: ignore[assignment]
    return data


def row_count(values: dict[str, str], section: str) -> int:
    """How many rows of ``section`` (objectives, plan) the form holds."""
    found = [int(m.group(2)) for name in values if (m := _ROW.match(name)) and m[1] == section]
    return max(found) + 1 if found else 0


def spec_of(values: dict[str, str]) -> FormSpec:
    """The file the form's fields give; what cannot be read is a problem of its field."""
    read = FormSpec({})
    for name in TOP:
        raw = values.get(name, "").strip()
        if name == "service_owner_signoff":
            if raw:
                read.spec[name] = True
        elif name == "serves":
            if raw:
                read.spec[name] = serves_of(raw)
        elif name == "benefits":
            _benefits(raw, read)
        elif name == "team":
            if raw:
                read.spec[name] = [line.strip() for line in raw.splitlines() if line.strip()]
        elif raw:
            _put(read.spec, name, _scalar(name, raw))
    read.spec["objectives"], read.rows["objectives"] = [], []
    for n in range(row_count(values, "objectives")):
        prefix = f"objectives[{n}]"
        if any(values.get(f"{prefix}.{f}", "").strip() for f in _OBJECTIVE_FILLED):
            read.spec["objectives"].append(_objective(values, prefix, read))
            read.rows["objectives"].append(n)
    read.spec["plan"], read.rows["plan"] = [], []
    for n in range(row_count(values, "plan")):
        prefix = f"plan[{n}]"
        if any(values.get(f"{prefix}.{f}", "").strip() for f in _ACTION_FILLED):
            action = {f: _scalar(f, v) for f in ACTION if (v := values.get(f"{prefix}.{f}", ""))}
            read.spec["plan"].append(action)
            read.rows["plan"].append(n)
    return read


def _benefits(raw: str, read: FormSpec) -> None:
    """The benefits field, YAML as the file writes it; a problem of its own when it is not."""
    try:
        found = benefits_of(raw) if raw else None
    except ValueError as error:
        read.problems.setdefault("benefits", []).append(str(error))
        return
    if found is not None:
        read.spec["benefits"] = found


def _objective(values: dict[str, str], prefix: str, read: FormSpec) -> dict[str, Any]:
    objective: dict[str, Any] = {}
    for name in OBJECTIVE:
        raw = values.get(f"{prefix}.{name}", "").strip()
        if raw:
            objective[name] = raw if raw == "measure" else _scalar(name, raw)
    kind = values.get(f"{prefix}.source.kind", "manual") or "manual"
    source: dict[str, Any] = {"kind": kind}
    for name in SOURCE_FIELDS.get(kind, ()):
        where = f"{prefix}.source.{kind}.{name}"
        raw = values.get(where, "").strip()
        if not raw:
            continue
        if f"{kind}.{name}" in PAIRS:
            pairs, bad = _pairs(raw, numbers=kind == "csv")
            source[name] = pairs
            if bad:
                read.problems.setdefault(where, []).append(
                    f"line {bad}: write one 'name: value' a line"
                )
        elif kind == "python" and name == "params":
            try:
                source[name] = json.loads(raw)
            except ValueError:
                read.problems.setdefault(where, []).append('not JSON, e.g. {"team": "network"}')
        else:
            _put(source, name, _scalar(name, raw))
    objective["source"] = source
    return objective


def _pairs(text: str, *, numbers: bool) -> tuple[dict[str, Any], int | None]:
    """``name: value`` lines as a mapping, and the first line that is not one."""
    pairs: dict[str, Any] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        name, colon, value = line.partition(":")
        if not colon or not name.strip():
            return pairs, number
        value = value.strip()
        pairs[name.strip()] = _scalar("filter", value) if numbers else value
    return pairs, None


def _scalar(name: str, raw: str) -> Any:
    """A number where the file has one (left as typed when it is none: the file's check says
    so); a CSV filter's value as YAML would read it."""
    leaf = name.rsplit(".", 1)[-1]
    if leaf not in NUMBERS and leaf != "filter":
        return raw
    if re.fullmatch(r"-?\d{1,15}", raw):
        return int(raw)
    try:
        number = float(raw)
    except ValueError:
        return {"true": True, "false": False}.get(raw, raw) if leaf == "filter" else raw
    return number if math.isfinite(number) else raw


def _put(data: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, leaf = dotted.split(".")
    for part in parents:
        data = data.setdefault(part, {})
    data[leaf] = value


def place(problems: list[str], values: dict[str, str], read: FormSpec) -> dict[str, list[str]]:
    """Each problem of the file beside its field (by the field's name), or under "" when no
    field of the form holds it; a row's or a section's own problems under its name."""
    placed: dict[str, list[str]] = {k: list(v) for k, v in read.problems.items()}
    for problem in problems:
        found = _PROBLEM.match(problem)
        name = _field_of(found[1], values, read) if found else None
        if found is None or name is None:
            placed.setdefault("", []).append(problem)
        else:
            placed.setdefault(name, []).append(found[2])
    return placed


def _field_of(path: str, values: dict[str, str], read: FormSpec) -> str | None:
    row = _INDEX.match(path)
    if row:
        rows = read.rows.get(row[1], [])
        index = int(row[2])
        form_row = rows[index] if index < len(rows) else index
        path = f"{row[1]}[{form_row}]{path[row.end() :]}"
        kind = values.get(f"{row[1]}[{form_row}].source.kind", "manual")
        path = re.sub(r"^(objectives\[\d+\]\.source)(?=\.|$)", rf"\1.{kind}", path)
        if path.endswith(f".source.{kind}"):
            return path.removesuffix(f".{kind}") + ".kind"
    path = re.sub(r"^(serves|benefits)\[\d+\].*", r"\1", path)
    while path:
        if path in values or path in SECTIONS or _INDEX.fullmatch(path):
            return path
        if "." not in path:
            return None
        path = path.rsplit(".", 1)[0]
    return None
