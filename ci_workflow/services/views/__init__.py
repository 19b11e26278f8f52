"""Read-only shapes for pages and JSON: what people see of the register. Nothing here writes.

``register_summary`` lives here rather than in ``shapes``: the register's listing (``improve
list``, the workspace's register, My work) shapes its rows without importing the store's
tables, which ``shapes`` needs and which cost a third of the command's start-up.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row

from ci_workflow.domain.clock import utcnow
from ci_workflow.domain.ids import format_id
from ci_workflow.domain.improvement.plan_tasks import overdue_days, plan_overdue_words, share_done
from ci_workflow.domain.improvement.priority import priority, value, wsjf
from ci_workflow.domain.vocabulary import ActionStatus

WSJF_INPUTS = ("business_value", "time_criticality", "risk_reduction", "effort")


def register_summary(row: Row[Any], keys: Sequence[str] | None = None) -> dict[str, Any]:
    """The fields of ``ImprovementSummary`` from a row of
    ``store.register.listing.register_rows``;
    ``keys``, the rows' column names, read once for many rows (each row's own cost 9 µs).

    A plain dict, not a model: the register is listed in full on every ``improve list``.
    """
    fields = dict(zip(keys, row, strict=True)) if keys is not None else row._asdict()
    fields["id"] = format_id(fields["id"])
    fields["priority"] = priority(fields["strategic_impact"], fields["feasibility"])
    fields["value"] = value(fields["expected_gain"], fields["estimated_cost"])
    fields["wsjf"] = wsjf(*(fields.pop(f"wsjf_{name}") for name in WSJF_INPUTS))
    counted, done = fields.pop("plan_counted"), fields.pop("plan_done")
    late, since = fields.pop("plan_overdue"), fields.pop("plan_overdue_since")
    fields["plan_done_pct"] = share_done(done, counted)
    days = overdue_days(since, ActionStatus.planned, fields["status"], utcnow().date())
    fields["overdue_actions"] = late if days else 0
    fields["plan_overdue"] = plan_overdue_words(late, days)
    return fields
