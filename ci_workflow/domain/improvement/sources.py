"""Metric sources: where an objective's number comes from, as typed models with their defaults.

The improvement file declares a source; ``apply`` stores it as JSON; a capture reads it back with
``parse_source`` and hands the model to the reader of its kind (``ci_workflow.metrics``). Only the
shape is checked here; running a source is the metrics wing's job.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator, model_validator

Text = Annotated[str, Field(min_length=1, max_length=4000)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
# Numbers as numbers: ``true`` is not 1, and ``"3"`` is a string (YAML reads 3 as a number).
Seconds = Annotated[float, Field(strict=True, gt=0, allow_inf_nan=False)]
Count = Annotated[int, Field(strict=True)]

JSON_PATH = re.compile(r"^[A-Za-z_][\w-]*(\[\d+\])*(\.[A-Za-z_][\w-]*(\[\d+\])*)*$")
PYTHON_FUNCTION = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*$")

# The ready metrics over imported incidents (formulas in ci_workflow/metrics/incident_source.py).
IncidentMetric = Literal[
    "incident_count",
    "problem_linked_count",
    "mttr_hours",
    "mttr_median_hours",
    "sla_met_pct",
    "reopen_pct",
]
IncidentFilter = Literal["category", "service", "priority", "assignment_group"]
CsvAggregation = Literal["count", "sum", "mean", "median", "p90", "rate"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class SqlSource(_Strict):
    kind: Literal["sql"]
    url: Name
    query: Text
    timeout: Annotated[Seconds, Field(le=600)] = 30.0

    @field_validator("url")
    @classmethod
    def _url_parses(cls, url: str) -> str:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            make_url(url)
        except ArgumentError:
            # Never echo the URL: it may carry a password.
            raise ValueError("not a database URL (e.g. postgresql://host/db)") from None
        return url


class CsvSource(_Strict):
    kind: Literal["csv"]
    path: Name
    timestamp_column: Name
    aggregation: CsvAggregation
    value_column: Name | None = None
    filter: Annotated[dict[Name, str | int | float | bool], Field(max_length=50)] | None = None
    timestamp_format: Name | None = None

    @model_validator(mode="after")
    def _value_column_when_needed(self) -> CsvSource:
        if self.aggregation != "count" and not self.value_column:
            raise ValueError(f"aggregation {self.aggregation!r} needs a value_column")
        return self


class HttpSource(_Strict):
    kind: Literal["http"]
    url: Annotated[str, Field(pattern=r"^https?://\S+$")]
    path: Annotated[str, Field(pattern=JSON_PATH.pattern)]
    timeout: Annotated[Seconds, Field(le=300)] = 10.0
    retries: Annotated[Count, Field(ge=0, le=10)] = 2
    headers: Annotated[dict[Name, Text], Field(max_length=50)] = Field(default_factory=dict)
    params: Annotated[dict[Name, Text], Field(max_length=50)] = Field(default_factory=dict)


class ManualSource(_Strict):
    kind: Literal["manual"]


class PythonSource(_Strict):
    kind: Literal["python"]
    function: Annotated[str, Field(pattern=PYTHON_FUNCTION.pattern)]
    params: Annotated[dict[Name, Any], Field(max_length=50)] = Field(default_factory=dict)

    @field_validator("params")
    @classmethod
    def _params_bounded(cls, params: dict[str, Any]) -> dict[str, Any]:
        problem = params_problem(params)
        if problem:
            raise ValueError(problem)
        return params


# A Python source's params are stored with the source and shown with every improvement: a few
# names and values, not a data set (YAML aliases would otherwise grow them a thousandfold).
PARAMS_MAX_CHARACTERS = 10_000
PARAMS_MAX_VALUES = 500
PARAMS_MAX_DEPTH = 5


def params_problem(params: dict[str, Any]) -> str | None:
    """Why these params are too large (as JSON, in values, or nested too deep), or None."""
    values, waiting = 0, [(value, 1) for value in params.values()]
    while waiting:  # stops at the first excess: a bomb is never walked whole
        value, depth = waiting.pop()
        values += 1
        if values > PARAMS_MAX_VALUES:
            return f"more than the {PARAMS_MAX_VALUES} values allowed (nested ones included)"
        if depth > PARAMS_MAX_DEPTH:
            return f"nested deeper than the {PARAMS_MAX_DEPTH} levels allowed"
        if isinstance(value, dict):
            waiting += [(v, depth + 1) for v in value.values()]
        elif isinstance(value, list | tuple):
            waiting += [(v, depth + 1) for v in value]
    size = len(json.dumps(params, default=str, ensure_ascii=False))
    if size > PARAMS_MAX_CHARACTERS:
        return f"{size:,} characters as JSON, more than the {PARAMS_MAX_CHARACTERS:,} allowed"
    return None


class IncidentsSource(_Strict):
    """A ready metric over imported incidents (see ci_workflow/metrics/incident_source.py)."""

    kind: Literal["incidents"]
    metric: IncidentMetric
    filter: dict[IncidentFilter, str] = Field(default_factory=dict)
    database: Name | None = None


AnySource = SqlSource | CsvSource | HttpSource | ManualSource | PythonSource | IncidentsSource
MetricSource = Annotated[AnySource, Field(discriminator="kind")]
SOURCE_KINDS = frozenset({"sql", "csv", "http", "manual", "python", "incidents"})

_ADAPTER: TypeAdapter[AnySource] = TypeAdapter(MetricSource)
_BY_KIND: dict[str, type[AnySource]] = {
    "sql": SqlSource,
    "csv": CsvSource,
    "http": HttpSource,
    "manual": ManualSource,
    "python": PythonSource,
    "incidents": IncidentsSource,
}


def validate_source(data: dict[str, Any]) -> AnySource:
    """A source as a person wrote it, checked."""
    return _ADAPTER.validate_python(data)


def parse_source(stored: dict[str, Any]) -> AnySource:
    """A source as stored back into its model. The register stores only sources ``apply``
    validated, so they are not checked again: a capture reads thousands at a time."""
    return _BY_KIND[stored["kind"]].model_construct(**stored)


def is_fetched(source: AnySource | dict[str, Any]) -> bool:
    """Manual metrics are typed in by people; every other kind is fetched by a capture."""
    kind = source.get("kind") if isinstance(source, dict) else source.kind
    return kind != "manual"


LOCAL_FILES = "local files"  # CSV and SQLite files: this machine's disks
REGISTER = "register"  # the register's own store (imported incidents)


def source_host(source: AnySource) -> str:
    """Where a source reads from, as a capture bounds its reads: a web host (``host:port``), a
    database server (its host, and port if the URL names one), the local files, the register's
    own store, or Python code. Never a whole URL: it may carry a password."""
    if isinstance(source, CsvSource):
        return LOCAL_FILES
    if isinstance(source, HttpSource):
        return _web_host(source.url)
    if isinstance(source, SqlSource):
        return _database_host(source.url)
    if isinstance(source, IncidentsSource):
        return REGISTER if source.database is None else _database_host(source.database)
    return source.kind  # python code runs here; manual values are typed in, never read


def _web_host(url: str) -> str:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:  # not a port number: the read fails and says why
        port = None
    return f"{parts.hostname or ''}:{port or (443 if parts.scheme == 'https' else 80)}"


def _database_host(url: str) -> str:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        return "unknown database"  # its read fails and says why
    if parsed.get_backend_name() == "sqlite":
        return LOCAL_FILES
    # No host: a socket on this machine.
    host = (parsed.host or "localhost").lower()
    return f"{host}:{parsed.port}" if parsed.port else host
