"""How an ITSM export's columns map onto the register's incident records (a YAML file).

Two layouts: ``one_row`` (one row per incident) and ``event_log`` (many rows per incident, one per
event, ordered by the event time). In an event log a field can come from a column (read from the
incident's latest event) or be derived from its events, as ``event_log.derive`` lists:

| derived | from the events, in time order |
| --- | --- |
| opened | the first event (the first in ``opened_states``, when given) |
| resolved | the first event in one of ``resolved_states`` |
| closed | the last event, when the incident's last state is in ``closed_states`` |
| reassignment_count | changes of the assignment group between consecutive events |
| reopen_count | moves from a resolved state to one that is not |
| ping_pong_count | hand-overs back to the group of two hand-overs before (A → B → A) |

A field neither mapped nor derived is unknown (stored empty), and the detectors that need it say
so instead of guessing.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Derivable = Literal[
    "opened", "resolved", "closed", "reassignment_count", "reopen_count", "ping_pong_count"
]

MAX_STATES = 50


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Columns(_Strict):
    """Export column for each field; only ``id`` is always a column."""

    id: str
    opened: str | None = None
    resolved: str | None = None
    closed: str | None = None
    category: str | None = None
    service: str | None = None
    priority: str | None = None
    assignment_group: str | None = None
    sla_met: str | None = None
    reopen_count: str | None = None
    reassignment_count: str | None = None
    ping_pong_count: str | None = None
    problem_id: str | None = None
    change_id: str | None = None


class EventLog(_Strict):
    status_column: str
    resolved_states: list[str] = Field(min_length=1, max_length=MAX_STATES)
    # The time of each event: orders an incident's rows and dates what is derived.
    event_time_column: str
    opened_states: list[str] | None = Field(default=None, min_length=1, max_length=MAX_STATES)
    closed_states: list[str] | None = Field(default=None, min_length=1, max_length=MAX_STATES)
    # Derived from the events; ``resolved`` is, unless a column is mapped for it.
    derive: list[Derivable] = Field(default_factory=lambda: ["resolved"])  # type: ignore[arg-type]


class IncidentMapping(_Strict):
    layout: Literal["one_row", "event_log"]
    columns: Columns
    timestamp_format: str = Field(default="%Y-%m-%d %H:%M:%S", description="strptime format")
    missing: str = Field(default="", description="The marker of a missing value, e.g. '?'")
    true_values: list[str] = Field(default_factory=lambda: ["true", "yes", "y", "1"])
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    encoding: str = Field(default="utf-8", description="The file's text encoding (a BOM is read)")
    event_log: EventLog | None = None

    @model_validator(mode="after")
    def _event_log_settings(self) -> IncidentMapping:
        if self.layout == "event_log" and self.event_log is None:
            raise ValueError("layout event_log needs an event_log section (status_column, ...)")
        if self.layout == "one_row" and self.event_log is not None:
            raise ValueError("an event_log section is only for layout event_log")
        derived = self.derived()
        for name in derived:
            if getattr(self.columns, name) is not None and name != "resolved":
                raise ValueError(f"{name} is both a column and derived: choose one")
        if self.columns.opened is None and "opened" not in derived:
            raise ValueError("columns.opened: map a column, or derive it from the events")
        handovers = {"reassignment_count", "ping_pong_count"} & set(derived)
        if handovers and self.columns.assignment_group is None:
            raise ValueError("deriving hand-overs needs columns.assignment_group")
        return self

    def derived(self) -> list[str]:
        """The fields computed from the events rather than read from a column."""
        if self.event_log is None:
            return []
        wanted: list[str] = list(dict.fromkeys(self.event_log.derive))
        if "resolved" in wanted and self.columns.resolved is not None:
            wanted.remove("resolved")  # a mapped column wins over the default derivation
        return wanted

    def required_columns(self) -> set[str]:
        named = {c for c in self.columns.model_dump().values() if c}
        if self.event_log:
            named |= {self.event_log.status_column, self.event_log.event_time_column}
        return named
