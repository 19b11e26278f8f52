"""How a problem management export's columns map onto the register's problem records (a YAML file).

One row per problem. ``known_error`` is true when its value is one of ``true_values``; a problem
has a workaround when its ``workaround`` column holds any text; it is fixed (its root cause
removed) when its ``fix`` column (a fix change, a resolution code) holds a value, one of
``fix_values`` when they are given (so that "Risk Accepted" is not a fix). A field with no column
is unknown (stored empty), never read as "no".
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

MAX_VALUES = 50


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ProblemColumns(_Strict):
    """Export column for each field; only ``id`` and ``state`` are always columns."""

    id: str
    state: str
    opened: str | None = None
    resolved: str | None = None
    closed: str | None = None
    service: str | None = None
    category: str | None = None
    priority: str | None = None
    assignment_group: str | None = None
    known_error: str | None = None
    workaround: str | None = None
    fix: str | None = None


class ProblemMapping(_Strict):
    columns: ProblemColumns
    timestamp_format: str = Field(default="%Y-%m-%d %H:%M:%S", description="strptime format")
    missing: str = Field(default="", description="The marker of a missing value, e.g. '?'")
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    encoding: str = Field(default="utf-8", description="The file's text encoding (a BOM is read)")
    true_values: list[str] = Field(default_factory=lambda: ["true", "yes", "y", "1"])
    # The fix column's values that mean the root cause was removed; empty: any value does.
    fix_values: list[str] = Field(default_factory=list, max_length=MAX_VALUES)

    def required_columns(self) -> set[str]:
        return {c for c in self.columns.model_dump().values() if c}
