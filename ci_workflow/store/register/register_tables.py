"""The columns the register's listing reads, named as SQLAlchemy Core table clauses.

Why not the SQLModel classes: defining them (a pydantic model and a mapped table each, the whole
store at once) costs ≈ 0.13 s of CPU, a third of what ``improve list`` may take; these clauses
cost nothing. They declare no table: ``store.tables`` does, and
``tests/store/register/test_register_tables.py`` checks that every column named here is a
column of that table, with the same name and type.
"""

from __future__ import annotations

from sqlalchemy import Date, Float, Integer, column, table

from ci_workflow.store.column_types import AutoString, UTCDateTime

improvement = table(
    "improvement",
    column("id", Integer),
    column("key", AutoString),
    column("title", AutoString),
    column("type", AutoString),
    column("status", AutoString),
    column("process", AutoString),
    column("service", AutoString),
    column("owner_id", Integer),
    column("process_owner_id", Integer),
    column("strategic_impact", Integer),
    column("feasibility", Integer),
    column("estimated_cost", Float),
    column("expected_gain", Float),
    column("identified_at", UTCDateTime),
    column("wsjf_business_value", Integer),
    column("wsjf_time_criticality", Integer),
    column("wsjf_risk_reduction", Integer),
    column("wsjf_effort", Integer),
    column("regressed_at", UTCDateTime),
)

person = table("person", column("id", Integer), column("name", AutoString))

plan_action = table(
    "plan_action",
    column("improvement_id", Integer),
    column("status", AutoString),
    column("due", Date),
)

team_member = table("team_member", column("improvement_id", Integer), column("person_id", Integer))

LIGHT_TABLES = (improvement, person, plan_action, team_member)
