"""Review reports: gathered from the register, rendered by the reports wing, saved and recorded."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from ci_workflow.domain.clock import utcnow
from ci_workflow.domain.ids import format_id, parse_id
from ci_workflow.errors import NotFound
from ci_workflow.reports import FORMATS, render_review, review_context
from ci_workflow.schemas import ReportPublic
from ci_workflow.services.readings import audit_of, detail_of
from ci_workflow.services.results import evaluations_of
from ci_workflow.settings import get_settings
from ci_workflow.store import improvements as store
from ci_workflow.store.db import transaction
from ci_workflow.store.reports import record_report
from ci_workflow.store.tables import Report

__all__ = ["FORMATS", "gather_review", "review_report", "save_report", "write_review"]


def gather_review(ref: str) -> dict[str, Any]:
    """The review report's context: the improvement, its evaluations (with charts), its trail."""
    with transaction(write=False) as session:
        improvement = store.get_improvement(session, ref)
        assert improvement.id is not None
        detail = detail_of(session, improvement)
        evaluations = evaluations_of(session, [improvement])[improvement.id]
        events = audit_of(session, improvement.id)
    return review_context(detail, evaluations, events, utcnow())


def review_report(ref: str, fmt: str = "html") -> str:
    """The review report of an improvement as text, at any stage."""
    return render_review(gather_review(ref), fmt)


def write_review(
    ref: str,
    fmt: str = "html",
    out: Path | None = None,
    *,
    kind: str = "review",
    context: dict[str, Any] | None = None,
) -> Path:
    """Render and save the report (default: IMPROVE_HOME/reports/imp-0001-review.html);
    ``context`` from ``gather_review``, to render several formats of one report once."""
    context = context or gather_review(ref)
    content = render_review(context, fmt)
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
        record_report(
            session, path=str(path), sha256=hashlib.sha256(content.encode()).hexdigest(),
            improvement_id=improvement_id, kind=kind, fmt=fmt,
        )  # fmt: skip
    return path


class SavedReport(ReportPublic):
    path: str


def saved_report(report_id: int) -> SavedReport:
    """A report the register saved and still has on disk."""
    with transaction(write=False) as session:
        found = session.get(Report, report_id)
    if found is None or not Path(found.path).is_file():
        raise NotFound(f"no report {report_id}")
    return SavedReport.model_validate(found, from_attributes=True)
