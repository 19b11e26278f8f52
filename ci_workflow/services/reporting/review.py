"""Review reports: gathered from the register, rendered by the reports wing, saved and recorded."""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path
from typing import Any

from ci_workflow.domain.clock import utcnow
from ci_workflow.domain.ids import format_id, parse_id
from ci_workflow.errors import NotFound, UsageError
from ci_workflow.reports.review import FORMATS, render_review, review_context
from ci_workflow.schemas import ReportPublic
from ci_workflow.services.measurement.sustainment import did_it_hold
from ci_workflow.services.views.objective_results import evaluations_of
from ci_workflow.services.views.shapes import audit_of, detail_of
from ci_workflow.settings import get_settings
from ci_workflow.store import improvements as store
from ci_workflow.store.db import register_file, transaction
from ci_workflow.store.reports import record_report, report_at
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
        held = did_it_hold(session, improvement)
    return review_context(detail, evaluations, events, utcnow(), held)


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
    force: bool = False,
) -> Path:
    """Render and save the report (default: IMPROVE_HOME/reports/imp-0001-review.html);
    ``context`` from ``gather_review``, to render several formats of one report once."""
    context = context or gather_review(ref)
    content = render_review(context, fmt)
    improvement_id = parse_id(context["improvement"].id)
    name = f"{format_id(improvement_id).lower()}-{kind}.{fmt}"
    path = out or get_settings().home_dir / "reports" / name
    return save_report(
        content, path, improvement_id=improvement_id, kind=kind, fmt=fmt, force=force
    )


def save_report(
    content: str,
    path: Path,
    *,
    improvement_id: int | None,
    kind: str,
    fmt: str,
    force: bool = False,
) -> Path:
    """Write the file and record it in the register (one row per path, updated when rewritten).
    A file there that is not a report of ours is replaced only with ``force``; a symbolic link
    never is, and the file is swapped in whole (a reader never sees half a report)."""
    path = path.absolute()
    with transaction(write=False) as session:
        ours = report_at(session, str(path))
    _check_target(path, ours.sha256 if ours else None, force)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(8)}.partial")
    partial.write_text(content, encoding="utf-8")
    os.replace(partial, path)  # replaces a name, never writes through what it points to
    with transaction() as session:
        record_report(
            session,
            path=str(path),
            sha256=_sha256(content.encode()),
            improvement_id=improvement_id,
            kind=kind,
            fmt=fmt,
        )
    return path


def _check_target(path: Path, our_sha256: str | None, force: bool) -> None:
    if path.is_symlink():
        raise UsageError(f"{path} is a symbolic link; a report is never written through one")
    if not path.exists():
        return
    if not path.is_file():
        raise UsageError(f"{path} is not a regular file")
    database = register_file()
    if database is not None and database.exists() and path.samefile(database):
        raise UsageError(f"{path} is the register's database; a report never replaces it")
    if force:
        return
    small = path.stat().st_size <= 100_000_000
    if our_sha256 is None or not small or _sha256(path.read_bytes()) != our_sha256:
        raise UsageError(
            f"{path} exists and is not a report this register wrote; choose another --out, or "
            "add --force to replace it"
        )


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class SavedReport(ReportPublic):
    path: str


def saved_report(report_id: int) -> SavedReport:
    """A report the register saved and still has on disk."""
    with transaction(write=False) as session:
        found = session.get(Report, report_id)
    if found is None or not Path(found.path).is_file():
        raise NotFound(f"no report {report_id}")
    return SavedReport.model_validate(found, from_attributes=True)
