"""The Core table clauses of the listing and the waiting gates name real columns: each one is a
column of the SQLModel table of the same name, with the same type, so a renamed or retyped
column fails here first."""

from __future__ import annotations

from sqlmodel import SQLModel

import ci_workflow.store.tables  # noqa: F401  (defines every table in SQLModel.metadata)
from ci_workflow.store.register.register_tables import LIGHT_TABLES


def test_every_named_column_is_a_column_of_its_table_with_the_same_type() -> None:
    named = {(t.name, c.name, type(c.type).__name__) for t in LIGHT_TABLES for c in t.columns}
    real = {
        (t.name, c.name, type(c.type).__name__)
        for t in SQLModel.metadata.tables.values()
        for c in t.columns
    }
    assert named - real == set()
    # The datetimes are read as UTC, as the ORM reads them: ``identified_at`` keeps its ``Z``,
    # a gate's ``opened_at`` its waiting days; an objective's source comes back as a mapping.
    assert ("improvement", "identified_at", "UTCDateTime") in named
    assert ("gate_request", "opened_at", "UTCDateTime") in named
    assert ("metric_snapshot", "checkpoint_at", "UTCDateTime") in named
    assert ("objective", "source", "JSON") in named
    # The listing's 26 columns, and the 48 the waiting gates and their warnings add.
    assert len(named) == 74
    assert {t.name for t in LIGHT_TABLES} == {
        "improvement",
        "person",
        "role_assignment",
        "plan_action",
        "team_member",
        "gate_request",
        "objective",
        "metric_snapshot",
        "change_record",
        "audit_event",
    }
