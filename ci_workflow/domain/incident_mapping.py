"""How an ITSM export's columns map onto the register's incident records (a YAML file).

Two layouts: ``one_row`` (one row per incident) and ``event_log`` (many rows per incident, one per
change of state; the last row carries the final fields, and the incident is resolved the first
time its status enters one of ``resolved_states``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Columns(_Strict):
    """Export column for each field; only ``id`` and ``opened`` are required."""

    id: str
    opened: str
    resolved: str | None = None
    closed: str | None = None
    category: str | None = None
    service: str | None = None
    priority: str | None = None
    assignment_group: str | None = None
    sla_met: str | None = None
    reopen_count: str | None = None
    reassignment_count: str | None = None
    problem_id: str | None = None
    change_id: str | None = None


class EventLog(_Strict):
    status_column: str
    resolved_states: list[str] = Field(min_length=1)
    # The time of each event: orders an incident's rows and dates its resolution.
    event_time_column: str


class IncidentMapping(_Strict):
    layout: Literal["one_row", "event_log"]
    columns: Columns
    timestamp_format: str = Field(default="%Y-%m-%d %H:%M:%S", description="strptime format")
    missing: str = Field(default="", description="The marker of a missing value, e.g. '?'")
    true_values: list[str] = Field(default_factory=lambda: ["true", "yes", "y", "1"])
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    event_log: EventLog | None = None

    @model_validator(mode="after")
    def _event_log_settings(self) -> IncidentMapping:
        if self.layout == "event_log" and self.event_log is None:
            raise ValueError("layout event_log needs an event_log section (status_column, ...)")
        if self.layout == "one_row" and self.event_log is not None:
            raise ValueError("an event_log section is only for layout event_log")
        return self

    def required_columns(self) -> set[str]:
        named = {c for c in self.columns.model_dump().values() if c}
        if self.event_log:
            named |= {self.event_log.status_column, self.event_log.event_time_column}
        return named
