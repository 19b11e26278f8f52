"""Browsing the register: the list, one improvement, its audit trail, the export.

The list imports nothing but its query and its shaping: ``improve list`` must start fast, so
the shapes of one improvement and the store's tables are imported by the functions that show
one (``tests/test_packaging.py`` checks that the list does not load the tables)."""

from __future__ import annotations

import csv
import io
import json
from typing import TYPE_CHECKING, Any

from ci_workflow.domain.vocabulary import SortOrder
from ci_workflow.errors import UsageError
from ci_workflow.formatting import cell, quantity
from ci_workflow.services.views import register_summary
from ci_workflow.store.db import reading, transaction
from ci_workflow.store.register import listing

if TYPE_CHECKING:
    from ci_workflow.schemas import AuditEventPublic, ImprovementDetail


def list_improvements(
    *,
    status: str | None = None,
    process: str | None = None,
    service: str | None = None,
    owner: str | None = None,
    sort: SortOrder = SortOrder.priority,
) -> list[dict[str, Any]]:
    """Rows with the fields of ``schemas.ImprovementSummary``."""
    with reading() as connection:
        found = listing.register_rows(
            connection, status=status, process=process, service=service, owner=owner
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
    filters: dict[str, Any] = {
        "status": status,
        "process": process,
        "service": service,
        "owner": owner,
    }
    with transaction(write=False) as session:
        total = listing.count_register(session, **filters)
        rows = listing.register_rows(
            session,
            **filters,
            order=listing.register_order(sort),
            limit=size,
            offset=(page - 1) * size,
        )
        return total, [register_summary(row) for row in rows]


def show_improvement(ref: str) -> ImprovementDetail:
    from ci_workflow.services.views.shapes import detail_of
    from ci_workflow.store.register import improvements as store

    with transaction(write=False) as session:
        return detail_of(session, store.get_improvement(session, ref))


def audit_trail(ref: str) -> tuple[str, list[AuditEventPublic]]:
    from ci_workflow.services.views.shapes import audit_of
    from ci_workflow.store.register import improvements as store

    with transaction(write=False) as session:
        improvement = store.get_improvement(session, ref)
        assert improvement.id is not None
        return store.display_id(improvement), audit_of(session, improvement.id)


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
    from ci_workflow.services.views.shapes import detail_of
    from ci_workflow.store.register import improvements as store

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
            f"{o.metric} {quantity(o.baseline, o.unit)} → {quantity(o.target, o.unit)} by {o.due}"
            for o in d.objectives
        )
        writer.writerow({k: spreadsheet_safe(v) for k, v in row.items()})
    return buffer.getvalue()


def spreadsheet_safe(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula is prefixed with a quote (CSV injection);
    a number is rounded by the one rule (``12000``, ``9.32``)."""
    if isinstance(value, float):
        return cell(value)
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
