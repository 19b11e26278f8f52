"""Review reports: gathered from the register, rendered by the reports wing, saved and recorded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlmodel import Session

from ci_workflow.domain.clock import utcnow
from ci_workflow.domain.ids import parse_id
from ci_workflow.domain.stages.report_kinds import canonical, file_name, on_request
from ci_workflow.reports.review import FORMATS, render_review, review_context
from ci_workflow.services.measurement.sustainment import did_it_hold
from ci_workflow.services.reporting.files import save_file
from ci_workflow.services.views.objective_results import evaluations_of
from ci_workflow.services.views.shapes import audit_of, detail_of
from ci_workflow.settings import get_settings
from ci_workflow.store.db import transaction
from ci_workflow.store.register import improvements as store
from ci_workflow.store.snapshots import latest_surveys
from ci_workflow.store.strategy.benefits import organisation_money, validated_gains

__all__ = ["FORMATS", "gather_review", "review_report", "write_review"]


def gather_review(ref: str) -> dict[str, Any]:
    """The review report's context: the improvement, its evaluations (with charts), the
    surveys behind their values, its trail."""
    with transaction(write=False) as session:
        improvement = store.get_improvement(session, ref)
        assert improvement.id is not None
        detail = detail_of(session, improvement)
        evaluations = evaluations_of(session, [improvement])[improvement.id]
        events = audit_of(session, improvement.id)
        held = did_it_hold(session, improvement)
        surveys = latest_surveys(session, improvement.id)
        benefits = _validated(session, improvement.id)
    return review_context(detail, evaluations, events, utcnow(), held, surveys, benefits)


def _validated(session: Session, improvement_id: int) -> tuple[float, str] | None:
    """Where it has benefit lines: its validated actuals summed, in the organisation's
    currency (``store.strategy.benefits.validated_gains``)."""
    gains = validated_gains(session)
    if improvement_id not in gains:
        return None
    return gains[improvement_id], organisation_money(session)[0]


def review_report(ref: str, fmt: str = "html") -> str:
    """The review report of an improvement as text, at any stage."""
    return render_review(gather_review(ref), fmt)


def write_review(
    ref: str,
    fmt: str = "html",
    out: Path | None = None,
    *,
    kind: str | None = None,
    context: dict[str, Any] | None = None,
    force: bool = False,
) -> Path:
    """Render and save the report (default: IMPROVE_HOME/reports/imp-0001-interim.html, or
    ``-final`` once signed off: ``domain/stages/report_kinds``); ``kind`` names what it is for;
    ``context`` from ``gather_review``, to render several formats of one report once."""
    context = context or gather_review(ref)
    content = render_review(context, fmt)
    improvement_id = parse_id(context["improvement"].id)
    kind = canonical(kind) if kind else on_request(context["improvement"].status)
    path = out or get_settings().home_dir / "reports" / file_name(improvement_id, kind, fmt)
    return save_file(content, path, improvement_id=improvement_id, kind=kind, fmt=fmt, force=force)
