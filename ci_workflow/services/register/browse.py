"""Reading the register (list, show, audit trail, export) and withdrawing improvements."""

from __future__ import annotations

import csv
import io
import json
from enum import StrEnum
from typing import Any

from ci_workflow.domain.actors import Actor
from ci_workflow.domain.clock import utcnow
from ci_workflow.domain.lifecycle import Status
from ci_workflow.domain.permissions import may_withdraw
from ci_workflow.errors import UsageError
from ci_workflow.schemas import AuditEventPublic, ImprovementDetail
from ci_workflow.services.people.refusals import refuse
from ci_workflow.services.views.shapes import audit_of, detail_of, register_summary
from ci_workflow.store import improvements as store
from ci_workflow.store.audit import record_event, without_action
from ci_workflow.store.db import transaction
from ci_workflow.store.gates import close_requests


class SortOrder(StrEnum):
    priority = "priority"  # strategic impact × feasibility, then value
    wsjf = "wsjf"  # weighted shortest job first; unscored last
    value = "value"  # expected gain − estimated cost
    id = "id"


def list_improvements(
    *,
    status: str | None = None,
    process: str | None = None,
    service: str | None = None,
    owner: str | None = None,
    sort: SortOrder = SortOrder.priority,
) -> list[dict[str, Any]]:
    """Rows with the fields of ``schemas.ImprovementSummary``."""
    with transaction(write=False) as session:
        found = store.register_rows(
            session, status=status, process=process, service=service, owner=owner
        )
        keys = found[0]._fields if found else ()
        rows = [register_summary(row, keys) for row in found]
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


def register_page(
    *,
    status: str | None = None,
    process: str | None = None,
    service: str | None = None,
    owner: str | None = None,
    sort: SortOrder = SortOrder.priority,
    page: int = 1,
    size: int = 50,
) -> tuple[int, list[dict[str, Any]]]:
    """One page of the register, sorted and cut in the database, and how many match."""
    filters = {"status": status, "process": process, "service": service, "owner": owner}
    with transaction(write=False) as session:
        total = store.count_register(session, **filters)
        rows = store.register_rows(
            session,
            **filters,
            order=store.register_order(sort),
            limit=size,
            offset=(page - 1) * size,
        )
        return total, [register_summary(row) for row in rows]


def show_improvement(ref: str) -> ImprovementDetail:
    with transaction(write=False) as session:
        return detail_of(session, store.get_improvement(session, ref))


def audit_trail(ref: str) -> tuple[str, list[AuditEventPublic]]:
    with transaction(write=False) as session:
        improvement = store.get_improvement(session, ref)
        assert improvement.id is not None
        return store.display_id(improvement), audit_of(session, improvement.id)


def withdraw(ref: str, *, actor: Actor, reason: str) -> tuple[str, str | None]:
    """The owner, the process owner of its process, or a CI manager may withdraw an improvement.

    Its open gates close; returns its id and the flow run the caller must cancel, if any.
    """
    if not reason.strip():
        raise UsageError("a reason is required to withdraw an improvement")
    with transaction() as session:
        improvement = store.get_improvement(session, ref)
        assert improvement.id is not None
        person = actor.person
        allowed = person is not None and may_withdraw(
            person, store.parties_of(session, improvement)
        )
        if allowed and improvement.status != Status.withdrawn:  # again: settles its run only
            store.change_status(
                session,
                improvement,
                Status.withdrawn,
                actor=actor.name,
                reason=reason.strip(),
                channel=actor.channel,
                principal=actor.principal,
            )
            close_requests(session, improvement.id, at=utcnow(), outcome="withdrawn")
        shown, process = store.display_id(improvement), improvement.process
    if not allowed:
        raise refuse(
            actor,
            f"{actor.name} may not withdraw {shown}: only its owner, a process owner of "
            f"{process!r} or a CI manager may",
            improvement_id=improvement.id,
        )
    return shown, improvement.flow_run_id


# --- runs of withdrawn improvements, cancelled when Prefect can be reached ---

RUN_CANCELLED = "run_cancelled"


def runs_to_cancel(improvement_id: int | None = None) -> list[tuple[int, str]]:
    """(improvement id, flow run id) of withdrawn improvements whose run was never seen ended:
    a withdrawal while Prefect was unreachable leaves one, and reconciliation finishes it."""
    with transaction(write=False) as session:
        runs = {
            i.id or 0: i.flow_run_id or ""
            for i in store.with_status(session, [Status.withdrawn])
            if i.flow_run_id and improvement_id in (None, i.id)
        }
        open_ = without_action(session, runs, RUN_CANCELLED)
    return [(i, run) for i, run in runs.items() if i in open_]


def run_ended(improvement_id: int, flow_run_id: str, *, cancelled: bool) -> None:
    detail = f"flow run {flow_run_id} " + ("cancelled" if cancelled else "had already ended")
    with transaction() as session:
        record_event(
            session,
            improvement_id=improvement_id,
            actor="withdrawal",
            action=RUN_CANCELLED,
            detail=detail,
        )


# --- export ---

EXPORT_COLUMNS = [
    "id",
    "key",
    "title",
    "type",
    "source",
    "status",
    "process",
    "service",
    "owner",
    "process_owner",
    "team",
    "strategic_impact",
    "feasibility",
    "priority",
    "estimated_cost",
    "expected_gain",
    "value",
    "actual_cost",
    "realised_gain",
    "identified_at",
    "approved_at",
    "started_at",
    "completed_at",
    "objectives",
    "lessons_learned",
]


def export_register(fmt: str) -> str:
    """The whole register as CSV (one row per improvement) or JSON (everything, nested)."""
    if fmt not in ("csv", "json"):
        raise UsageError(f"unknown export format {fmt!r}; choose csv or json")
    with transaction(write=False) as session:
        details = [detail_of(session, i) for i in store.all_improvements(session)]
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
        writer.writerow({k: spreadsheet_safe(v) for k, v in row.items()})
    return buffer.getvalue()


def spreadsheet_safe(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula is prefixed with a quote (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
