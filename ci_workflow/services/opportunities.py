"""Opportunities: detected in the imported incidents, recorded once, then accepted into the
register as an improvement (written as a YAML file and applied) or dismissed."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel
from sqlalchemy import select as sa_select
from sqlmodel import col, select

from ci_workflow.domain.ids import parse_id
from ci_workflow.errors import NotFound, UsageError
from ci_workflow.opportunities.detect import GROUPINGS, IncidentRow, detect
from ci_workflow.services.apply import apply_files
from ci_workflow.services.people import known_name
from ci_workflow.settings import get_settings
from ci_workflow.store.db import transaction
from ci_workflow.store.tables import Incident, Opportunity
from ci_workflow.store.tables.common import utcnow


class OpportunityPublic(BaseModel):
    number: int
    kind: str
    group_by: str
    group: str
    title: str
    score: float
    value_hours: float
    confidence: float
    status: str
    period_start: datetime
    period_end: datetime
    evidence: dict[str, Any]
    objective: dict[str, Any]
    improvement: str | None


def _public(o: Opportunity) -> OpportunityPublic:
    from ci_workflow.domain.ids import format_id

    return OpportunityPublic(
        number=o.id or 0, kind=o.kind, group_by=o.group_by, group=o.group, title=o.title,
        score=o.score, value_hours=o.value_hours, confidence=round(o.confidence, 4),
        status=o.status, period_start=o.period_start, period_end=o.period_end,
        evidence=o.evidence, objective=o.objective,
        improvement=format_id(o.improvement_id) if o.improvement_id else None,
    )  # fmt: skip


def detect_opportunities(
    start: datetime | None = None,
    end: datetime | None = None,
    group_by: tuple[str, ...] = GROUPINGS,
) -> tuple[list[OpportunityPublic], list[str]]:
    """Run every detector over the period (default: the last 90 days) and record new findings;
    returns the period's open findings, best first, and what was too small to judge."""
    end = end or utcnow()
    start = start or end - timedelta(days=90)
    if start >= end:
        raise UsageError("--from must be before --to")
    table = Incident.__table__  # type: ignore[attr-defined]
    columns = [table.c[name] for name in IncidentRow.__dataclass_fields__ if name != "hours"]
    opened = table.c.opened_at
    with transaction(write=False) as session:
        query = sa_select(*columns).where(opened > start, opened <= end)
        rows = [IncidentRow(*row) for row in session.execute(query)]
    found = detect(rows, start=start, end=end, group_by=group_by)
    with transaction() as session:
        known = set(session.exec(select(Opportunity.fingerprint)).all())
        for f in found.findings:
            fingerprint = f"{f.kind}|{f.group_by}|{f.group}|{start:%Y-%m-%d}|{end:%Y-%m-%d}"
            if fingerprint in known:
                continue
            session.add(
                Opportunity(
                    fingerprint=fingerprint, kind=f.kind, group_by=f.group_by, group=f.group,
                    title=f.title, period_start=start, period_end=end, evidence=f.evidence,
                    objective=f.objective, source=f.source, value_hours=f.value_hours,
                    confidence=f.confidence, score=f.score,
                )
            )  # fmt: skip
        session.flush()
        listed = session.exec(
            select(Opportunity)
            .where(
                Opportunity.period_start == start,
                Opportunity.period_end == end,
                Opportunity.status == "new",
            )
            .order_by(col(Opportunity.score).desc(), col(Opportunity.id))
        ).all()
        return [_public(o) for o in listed], found.skipped


def show(number: int) -> OpportunityPublic:
    with transaction(write=False) as session:
        return _public(_get(session, number))


def _get(session: Any, number: int) -> Opportunity:
    found = session.get(Opportunity, number)
    if found is None:
        raise NotFound(f"no opportunity {number}")
    return found  # type: ignore[no-any-return]


def dismiss(number: int, *, reason: str, by: str | None) -> None:
    if not reason.strip():
        raise UsageError("a reason is required to dismiss an opportunity")
    who = known_name(by) if by else "cli"
    with transaction() as session:
        found = _get(session, number)
        if found.status != "new":
            raise UsageError(f"opportunity {number} is already {found.status}")
        found.status, found.reason, found.decided_by, found.decided_at = (
            "dismissed",
            reason,
            who,
            utcnow(),
        )
        session.add(found)


def accept(number: int, *, by: str, process: str | None) -> tuple[str, Path]:
    """Write the improvement file for the opportunity and register it as ``identified``."""
    who = known_name(by)
    with transaction(write=False) as session:
        found = _public(_get(session, number))
    if found.status != "new":
        raise UsageError(f"opportunity {number} is already {found.status}")
    key = f"opp-{number}-" + re.sub(r"[^a-z0-9]+", "-", found.group.lower()).strip("-")[:40]
    document = _improvement_file(
        found, key=key, owner=who, process=process or "Incident Management"
    )
    folder = get_settings().home_dir / "improvements"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{key}.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), encoding="utf-8")
    (applied,) = apply_files([path], actor=who)
    with transaction() as session:
        record = _get(session, number)
        record.status, record.decided_by, record.decided_at = "accepted", who, utcnow()
        record.improvement_id = parse_id(applied.id)
        session.add(record)
    return applied.id, path


def _improvement_file(
    o: OpportunityPublic, *, key: str, owner: str, process: str
) -> dict[str, Any]:
    objective = dict(o.objective)
    source = {
        "kind": "incidents",
        "metric": objective.pop("metric"),
        "filter": objective.pop("filter"),
    }
    evidence = ", ".join(f"{k} {v}" for k, v in o.evidence.items() if k != "samples")
    return {
        "key": key,
        "title": o.title[:200],
        "type": "incremental",
        "source": {"sla_breach": "sla_breach", "recurring_problem": "problem"}.get(
            o.kind, "incident_trend"
        ),
        "process": process,
        **({"service": o.group} if o.group_by == "service" else {}),
        "description": (
            f"Opportunity {o.number} ({o.kind}, {o.group_by} {o.group}) found in the incidents of "
            f"{o.period_start:%Y-%m-%d} to {o.period_end:%Y-%m-%d}: {evidence}. "
            f"Sample incidents: {', '.join(o.evidence.get('samples', []))}. "
            f"Estimated value: {o.value_hours:,.0f} handling hours a year."
        ),
        "owner": owner,
        "strategic_impact": max(1, min(5, round(o.score / 20))),
        "feasibility": 3,
        "identified": utcnow().date(),
        "objectives": [
            {
                "description": o.title[:200],
                "unit": "",
                "source": source,
                "due": utcnow().date() + timedelta(days=120),
                **objective,
                "metric": source["metric"],
            }
        ],
    }
