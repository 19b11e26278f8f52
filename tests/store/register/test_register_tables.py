"""The Core table clauses of the listing and of the waiting gates name real columns: each one is
a column of the SQLModel table of the same name, with the same type, so a renamed or retyped
column fails here first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

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


def test_the_clauses_times_read_as_the_sqlmodel_tables_read_them() -> None:
    """``store.column_types.UTCDateTime`` stands in for SQLModel's (which comes only with the
    whole of SQLModel): the same value out of each database for every kind of stored time."""
    from sqlalchemy.dialects import postgresql, sqlite
    from sqlmodel.sql.sqltypes import UTCDateTime as SQLModels

    from ci_workflow.store.column_types import UTCDateTime

    stored = [
        None,
        datetime(2026, 3, 29, 1, 30),  # SQLite: UTC kept without an offset
        datetime(2026, 3, 29, 3, 30, tzinfo=timezone(timedelta(hours=2))),
        datetime(2026, 12, 6, 4, 5, 6, 789, tzinfo=UTC),
    ]
    for dialect in (sqlite.dialect(), postgresql.dialect()):
        ours = [UTCDateTime().process_result_value(v, dialect) for v in stored]
        assert ours == [SQLModels().process_result_value(v, dialect) for v in stored]
        assert [t.tzinfo for t in ours if t] == [UTC, UTC, UTC]
        assert ours[2] == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    # The column's own type under each dialect is the same: a time with its zone.
    assert str(UTCDateTime().compile(postgresql.dialect())) == "TIMESTAMP WITH TIME ZONE"
    assert str(SQLModels().compile(postgresql.dialect())) == "TIMESTAMP WITH TIME ZONE"
