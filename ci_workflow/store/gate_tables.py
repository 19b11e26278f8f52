"""The columns the waiting gates and their warnings read (``gate_reads``, ``people.parties``),
named as SQLAlchemy Core table clauses, as ``store.register.register_tables`` names the
listing's: they declare nothing (``store.tables`` does), cost nothing to define, and
``tests/store/register/test_register_tables.py`` checks each is a column of its table with the
same name and type. Apart from the listing's, so that ``improve list`` builds none of these.
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Date, Float, Integer, Text, column, table

from ci_workflow.store.column_types import AutoString, UTCDateTime
from ci_workflow.store.register.register_tables import team_member  # the same two columns

improvement = table(
    "improvement",
    column("id", Integer),
    column("key", AutoString),
    column("title", AutoString),
    column("status", AutoString),
    column("process", AutoString),
    column("service", AutoString),
    column("owner_id", Integer),
    column("process_owner_id", Integer),
    column("service_owner_signoff", Boolean),
    column("checkpoint_cron", AutoString),
    column("started_at", UTCDateTime),
)

person = table(
    "person",
    column("id", Integer),
    column("name", AutoString),
    column("email", AutoString),
    column("active", Boolean),
)

role_assignment = table(
    "role_assignment",
    column("id", Integer),
    column("person_id", Integer),
    column("role", AutoString),
    column("scope", AutoString),
)

gate_request = table(
    "gate_request",
    column("id", Integer),
    column("improvement_id", Integer),
    column("gate", AutoString),
    column("attempt", Integer),
    column("flow_run_id", AutoString),
    column("opened_at", UTCDateTime),
    column("closed_at", UTCDateTime),
)

objective = table(
    "objective",
    column("id", Integer),
    column("improvement_id", Integer),
    column("position", Integer),
    column("metric", AutoString),
    column("description", Text),
    column("unit", AutoString),
    column("window", AutoString),
    column("source", JSON),
    column("baseline", Float),
    column("baseline_mode", AutoString),
    column("target", Float),
    column("direction", AutoString),
    column("due", Date),
    column("kpi_kind", AutoString),
    column("retired_at", UTCDateTime),
)

metric_snapshot = table(
    "metric_snapshot",
    column("objective_id", Integer),
    column("kind", AutoString),
    column("checkpoint_at", UTCDateTime),
    column("value", Float),
    column("error", Text),
)

plan_action = table(
    "plan_action",
    column("improvement_id", Integer),
    column("position", Integer),
    column("status", AutoString),
    column("change", AutoString),
)

change_record = table(
    "change_record",
    column("number", AutoString),
    column("state", AutoString),
    column("outcome", AutoString),
    column("close_code", AutoString),
)

audit_event = table(
    "audit_event",
    column("id", Integer),
    column("improvement_id", Integer),
    column("at", UTCDateTime),
    column("action", AutoString),
    column("to_status", AutoString),
    column("detail", Text),
)

GATE_TABLES = (
    improvement,
    person,
    role_assignment,
    team_member,
    gate_request,
    objective,
    metric_snapshot,
    plan_action,
    change_record,
    audit_event,
)
