"""The Core table clauses of the listing and of the waiting gates name real columns: each one is
a column of the SQLModel table of the same name, with the same type, so a renamed or retyped
column fails here first."""

from __future__ import annotations

from sqlalchemy import TableClause
from sqlmodel import SQLModel

import ci_workflow.store.tables  # noqa: F401  (defines every table in SQLModel.metadata)
from ci_workflow.store.gate_tables import GATE_TABLES
from ci_workflow.store.register.register_tables import LIGHT_TABLES


def named(clauses: tuple[TableClause, ...]) -> set[tuple[str, str, str]]:
    return {(t.name, c.name, type(c.type).__name__) for t in clauses for c in t.columns}


REAL = {
    (t.name, c.name, type(c.type).__name__)
    for t in SQLModel.metadata.tables.values()
    for c in t.columns
}


def test_every_column_the_listing_names_is_a_column_of_its_table_with_the_same_type() -> None:
    listing = named(LIGHT_TABLES)
    assert listing - REAL == set()
    # The datetimes are read as UTC, as the ORM reads them: ``identified_at`` keeps its ``Z``.
    assert ("improvement", "identified_at", "UTCDateTime") in listing
    assert len(listing) == 26


def test_every_column_the_waiting_gates_name_is_a_column_of_its_table_with_the_same_type() -> None:
    gates = named(GATE_TABLES)
    assert gates - REAL == set()
    # A gate's ``opened_at`` and a capture's time come back in UTC (the waiting days, the
    # warnings' dates); an objective's source as a mapping (its kind is told).
    assert ("gate_request", "opened_at", "UTCDateTime") in gates
    assert ("metric_snapshot", "checkpoint_at", "UTCDateTime") in gates
    assert ("objective", "source", "JSON") in gates
    assert {t.name for t in GATE_TABLES} == {
        "improvement",
        "person",
        "role_assignment",
        "team_member",
        "gate_request",
        "objective",
        "metric_snapshot",
        "plan_action",
        "change_record",
        "audit_event",
    }
    assert len(gates) == 62
