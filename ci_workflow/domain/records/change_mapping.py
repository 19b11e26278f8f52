"""How a change management export's columns map onto the register's change records (a YAML file).

One row per change request. Its outcome is classified from the mapping's lists: ``failed`` when
its state is in ``failed_states`` or its close code in ``failed_close_codes``, else ``closed``
when its state is in ``closed_states``, else ``open``. A field with no column is unknown (stored
empty).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

MAX_STATES = 50


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ChangeColumns(_Strict):
    """Export column for each field; only ``id`` and ``state`` are always columns."""

    id: str
    state: str
    opened: str | None = None
    planned_start: str | None = None
    planned_end: str | None = None
    closed: str | None = None
    service: str | None = None
    type: str | None = None
    risk: str | None = None
    close_code: str | None = None


class ChangeMapping(_Strict):
    columns: ChangeColumns
    timestamp_format: str = Field(default="%Y-%m-%d %H:%M:%S", description="strptime format")
    missing: str = Field(default="", description="The marker of a missing value, e.g. '?'")
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    encoding: str = Field(default="utf-8", description="The file's text encoding (a BOM is read)")
    closed_states: list[str] = Field(min_length=1, max_length=MAX_STATES)
    # A change that ended without doing what it should: by its state (e.g. Canceled)...
    failed_states: list[str] = Field(default_factory=list, max_length=MAX_STATES)
    # ...or, closed, by its close code (e.g. unsuccessful).
    failed_close_codes: list[str] = Field(default_factory=list, max_length=MAX_STATES)

    def required_columns(self) -> set[str]:
        return {c for c in self.columns.model_dump().values() if c}
