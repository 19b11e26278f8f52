"""How an SLA export's columns map onto the register's SLA records (a YAML file): ServiceNow's
``task_sla``, one row per SLA attached to a task (an incident).

A record is known by its own id when ``id`` is mapped (ServiceNow's ``sys_id``), else by its task,
definition and start time together. ``has_breached`` is true when its value is one of
``true_values``; an SLA whose stage is one of ``cancelled_stages`` is kept but not judged.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

MAX_STAGES = 20


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class SlaColumns(_Strict):
    """Export column for each field; ``task``, ``definition``, ``has_breached`` and ``start`` are
    always columns."""

    task: str
    definition: str
    has_breached: str
    start: str
    id: str | None = None
    stage: str | None = None
    end: str | None = None
    breach: str | None = None
    business_percentage: str | None = None


class SlaMapping(_Strict):
    columns: SlaColumns
    timestamp_format: str = Field(default="%Y-%m-%d %H:%M:%S", description="strptime format")
    missing: str = Field(default="", description="The marker of a missing value, e.g. '?'")
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    encoding: str = Field(default="utf-8", description="The file's text encoding (a BOM is read)")
    true_values: list[str] = Field(default_factory=lambda: ["true", "yes", "y", "1"])
    cancelled_stages: list[str] = Field(
        default_factory=lambda: ["Cancelled", "cancelled"], max_length=MAX_STAGES
    )

    def required_columns(self) -> set[str]:
        return {c for c in self.columns.model_dump().values() if c}
