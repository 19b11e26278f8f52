"""Review reports (one improvement: did we get there?) rendered from the register with Jinja."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from pathlib import Path
from typing import Any

from markupsafe import Markup
from sqlmodel import Session, col, select

from ci_workflow.charts import objective_chart
from ci_workflow.domain.ids import format_id, parse_id
from ci_workflow.domain.lifecycle import Status
from ci_workflow.errors import UsageError
from ci_workflow.evaluation import Evaluation, Point, evaluate
from ci_workflow.kpis import roi
from ci_workflow.rendering import render
from ci_workflow.services import views
from ci_workflow.services.register import show_improvement
from ci_workflow.settings import get_settings
from ci_workflow.store import improvements as store
from ci_workflow.store.audit import events_for
from ci_workflow.store.db import transaction
from ci_workflow.store.tables import Improvement, MetricSnapshot, Objective, Report
from ci_workflow.store.tables.common import utcnow

FORMATS = ("html", "md")
FINAL = (Status.consolidating, Status.closed)


def evaluations_of(
    session: Session, improvements: list[Improvement]
) -> dict[int, list[Evaluation]]:
    """Every objective of these improvements evaluated, in two queries however many there are."""
    by_id = {i.id or 0: i for i in improvements}
    if not by_id:
        return {}
    objectives = session.exec(
        select(Objective)
        .where(col(Objective.improvement_id).in_(by_id))
        .order_by(col(Objective.improvement_id), col(Objective.position))
    ).all()
    points: dict[int, list[Point]] = defaultdict(list)
    rows = session.execute(
        select(
            MetricSnapshot.objective_id,
            MetricSnapshot.checkpoint_at,
            MetricSnapshot.value,
            MetricSnapshot.kind,
        )
        .where(
            col(MetricSnapshot.objective_id).in_([o.id for o in objectives]),
            col(MetricSnapshot.value).is_not(None),
        )
        .order_by(col(MetricSnapshot.checkpoint_at))
    )
    for objective_id, at, value, kind in rows:
        points[objective_id].append(Point(at, float(value), kind))
    found: dict[int, list[Evaluation]] = {i: [] for i in by_id}
    for o in objectives:
        found[o.improvement_id].append(
            evaluate(
                metric=o.metric, description=o.description, unit=o.unit, baseline=o.baseline,
                target=o.target, direction=o.direction, kpi_kind=o.kpi_kind,
                points=points[o.id or 0], started_at=by_id[o.improvement_id].started_at,
            )
        )  # fmt: skip
    return found


def review_context(ref: str) -> dict[str, Any]:
    detail = show_improvement(ref)
    improvement_id = parse_id(detail.id)
    with transaction(write=False) as session:
        improvement = store.get_improvement(session, detail.id)
        results = evaluations_of(session, [improvement])[improvement_id]
        events = [views.audit_public(e) for e in events_for(session, improvement_id)]
    met = sum(1 for e in results if e.verdict == "met")
    summary = (
        "no objectives"
        if not results
        else "every objective met"
        if met == len(results)
        else f"{met} of {len(results)} objectives met"
    )
    return {
        "improvement": detail,
        "evaluations": results,
        "charts": {e.metric: Markup(objective_chart(e)) for e in results},  # pygal escapes its text
        "summary": summary,
        "interim": detail.status not in FINAL,
        "roi": roi(detail.realised_gain, detail.actual_cost),
        "refused": [e for e in events if e.action == "gate_refused"],
        "audit": events[-25:],
        "audit_total": len(events),
        "generated_at": utcnow(),
    }


def render_review(ref: str, fmt: str = "html", context: dict[str, Any] | None = None) -> str:
    """``context`` from ``review_context``, to render several formats of one report once."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown report format {fmt!r}; choose html or md")
    return render(f"review.{fmt}", **(context or review_context(ref)))


def write_review(
    ref: str,
    fmt: str = "html",
    out: Path | None = None,
    *,
    kind: str = "review",
    context: dict[str, Any] | None = None,
) -> Path:
    """Render and save the report (default: IMPROVE_HOME/reports/imp-0001-review.html)."""
    context = context or review_context(ref)
    content = render_review(ref, fmt, context)
    improvement_id = parse_id(context["improvement"].id)
    name = f"{format_id(improvement_id).lower()}-{kind}.{fmt}"
    path = out or get_settings().home_dir / "reports" / name
    return save_report(content, path, improvement_id=improvement_id, kind=kind, fmt=fmt)


def save_report(
    content: str, path: Path, *, improvement_id: int | None, kind: str, fmt: str
) -> Path:
    """Write the file and record it in the register (one row per path, updated when rewritten)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")
    with transaction() as session:
        report = session.exec(select(Report).where(Report.path == str(path))).first() or Report(
            improvement_id=improvement_id, kind=kind, format=fmt, path=str(path), sha256=""
        )
        report.sha256, report.created_at = hashlib.sha256(content.encode()).hexdigest(), utcnow()
        session.add(report)
    return path
