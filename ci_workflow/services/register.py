"""Reading the register (list, show, audit trail, export) and withdrawing improvements."""

from __future__ import annotations

import csv
import io
import json
from enum import StrEnum
from typing import Any

from sqlmodel import Session, col, select

from ci_workflow.domain.lifecycle import Status
from ci_workflow.domain.people import same_scope
from ci_workflow.domain.vocabulary import Role
from ci_workflow.errors import NotAuthorised, UsageError
from ci_workflow.services import views
from ci_workflow.store import improvements as store
from ci_workflow.store.audit import events_for
from ci_workflow.store.db import transaction
from ci_workflow.store.gates import open_requests
from ci_workflow.store.people import get_person, grants_by_person
from ci_workflow.store.tables import Improvement, Person
from ci_workflow.store.tables.common import utcnow


class SortOrder(StrEnum):
    priority = "priority"  # strategic impact × feasibility, then value
    wsjf = "wsjf"  # weighted shortest job first; unscored last
    value = "value"  # expected gain − estimated cost
    id = "id"


def list_improvements(
    *, status: str | None = None, process: str | None = None, sort: SortOrder = SortOrder.priority
) -> list[dict[str, Any]]:
    """Rows with the fields of ``views.ImprovementSummary``."""
    with transaction(write=False) as session:
        found = store.register_rows(session, status=status, process=process)
        rows = [views.register_summary(row) for row in found]
    if sort == SortOrder.priority:
        # Highest priority first; among equals, the larger expected value, then the older.
        rows.sort(key=lambda r: (-r["priority"], -(r["value"] or 0.0), r["id"]))
    elif sort == SortOrder.wsjf:
        rows.sort(key=lambda r: (r["wsjf"] is None, -(r["wsjf"] or 0.0), r["id"]))
    elif sort == SortOrder.value:
        rows.sort(key=lambda r: (r["value"] is None, -(r["value"] or 0.0), r["id"]))
    else:
        rows.sort(key=lambda r: r["id"])
    return rows


def show_improvement(ref: str) -> views.ImprovementDetail:
    with transaction(write=False) as session:
        return _detail(session, store.get_improvement(session, ref))


def _detail(session: Session, improvement: Improvement) -> views.ImprovementDetail:
    assert improvement.id is not None
    plan = store.plan_of(session, improvement.id)
    decisions = store.decisions_of(session, improvement.id)
    team = store.team_of(session, improvement.id)
    wanted = {improvement.owner_id, improvement.process_owner_id}
    wanted |= {a.owner_id for a in plan} | {d.decided_by_id for d in decisions}
    people = session.exec(select(Person).where(col(Person.id).in_(wanted))).all()
    return views.detail(
        improvement,
        names={p.id or 0: p.name for p in people},
        team=[p.name for p in team],
        objectives=store.objectives_of(session, improvement.id),
        plan=plan,
        decisions=decisions,
    )


def audit_trail(ref: str) -> tuple[str, list[views.AuditEventPublic]]:
    with transaction(write=False) as session:
        improvement = store.get_improvement(session, ref)
        assert improvement.id is not None
        events = [views.audit_public(e) for e in events_for(session, improvement.id)]
        return store.display_id(improvement), events


def withdraw(ref: str, *, actor_ref: str, reason: str) -> tuple[str, str | None]:
    """The owner, the process owner of its process, or a CI manager may withdraw an improvement.

    Its open gates close; returns its id and the flow run the caller must cancel, if any.
    """
    if not reason.strip():
        raise UsageError("a reason is required to withdraw an improvement")
    with transaction() as session:
        improvement = store.get_improvement(session, ref)
        person = get_person(session, actor_ref)
        _require_withdraw_right(session, improvement, person)
        store.change_status(
            session, improvement, Status.withdrawn, actor=person.name, reason=reason.strip()
        )
        for request in open_requests(session, improvement.id):
            request.closed_at, request.outcome = utcnow(), "withdrawn"
            session.add(request)
        return store.display_id(improvement), improvement.flow_run_id


def _require_withdraw_right(session: Session, improvement: Improvement, person: Person) -> None:
    if person.id in (improvement.owner_id, improvement.process_owner_id):
        return
    grants = grants_by_person(session).get(person.id or 0, [])
    for grant in grants:
        if grant.role == Role.ci_manager:
            return
        if grant.role == Role.process_owner and same_scope(grant.scope, improvement.process):
            return
    raise NotAuthorised(
        f"{person.name} may not withdraw {store.display_id(improvement)}: only its owner, a "
        f"process owner of {improvement.process!r} or a CI manager may"
    )


# --- export ---

EXPORT_COLUMNS = [
    "id", "key", "title", "type", "source", "status", "process", "service", "owner",
    "process_owner", "team", "strategic_impact", "feasibility", "priority", "estimated_cost",
    "expected_gain", "value", "actual_cost", "realised_gain", "identified_at", "approved_at",
    "started_at", "completed_at", "objectives", "lessons_learned",
]  # fmt: skip


def export_register(fmt: str) -> str:
    """The whole register as CSV (one row per improvement) or JSON (everything, nested)."""
    if fmt not in ("csv", "json"):
        raise UsageError(f"unknown export format {fmt!r}; choose csv or json")
    with transaction(write=False) as session:
        ids = session.exec(select(Improvement.id).order_by(col(Improvement.id))).all()
        details = [_detail(session, _get(session, i)) for i in ids]
    if fmt == "json":
        payload = [d.model_dump(mode="json") for d in details]
        return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=EXPORT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for d in details:
        row: dict[str, Any] = d.model_dump(mode="json", include=set(EXPORT_COLUMNS))
        row["team"] = "; ".join(d.team)
        row["objectives"] = "; ".join(
            f"{o.metric} {o.baseline}->{o.target:g} by {o.due}" for o in d.objectives
        )
        writer.writerow({k: _spreadsheet_safe(v) for k, v in row.items()})
    return buffer.getvalue()


def _get(session: Session, improvement_id: int | None) -> Improvement:
    found = session.get(Improvement, improvement_id)
    assert found is not None
    return found


def _spreadsheet_safe(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula is prefixed with a quote (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
