"""What crosses the boundary to the CLI (tables and ``--json``): plain, serialisable shapes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Row

from ci_workflow.domain.ids import format_id
from ci_workflow.domain.priority import priority, value, wsjf
from ci_workflow.domain.redact import redact_source
from ci_workflow.store.tables import (
    AuditEvent,
    GateDecision,
    Improvement,
    Objective,
    PlanAction,
)


class ImprovementSummary(BaseModel):
    id: str
    key: str
    title: str
    type: str
    status: str
    process: str
    service: str | None
    owner: str
    process_owner: str
    strategic_impact: int
    feasibility: int
    priority: int
    estimated_cost: float | None
    expected_gain: float | None
    value: float | None
    wsjf: float | None
    identified_at: datetime


class ObjectivePublic(BaseModel):
    metric: str
    description: str
    unit: str
    window: str
    source: dict[str, Any]
    baseline: float | str | None
    target: float
    direction: str
    due: date
    kpi_kind: str


class PlanActionPublic(BaseModel):
    action: str
    owner: str
    due: date | None
    status: str
    change: str | None


class GateDecisionPublic(BaseModel):
    gate: str
    attempt: int
    decision: str
    by: str
    at: datetime
    comment: str


class AuditEventPublic(BaseModel):
    at: datetime
    actor: str
    action: str
    from_status: str | None
    to_status: str | None
    detail: str


class ImprovementDetail(ImprovementSummary):
    description: str
    source: str
    vision: str
    current_state: str
    scope: str
    team: list[str]
    actual_cost: float | None
    realised_gain: float | None
    approved_at: datetime | None
    started_at: datetime | None
    completed_at: datetime | None
    flow_run_id: str | None
    lessons_learned: str | None
    objectives: list[ObjectivePublic]
    plan: list[PlanActionPublic]
    gate_decisions: list[GateDecisionPublic]


def register_summary(row: Row[Any]) -> dict[str, Any]:
    """The fields of ImprovementSummary from a row of ``store.improvements.register_rows``.

    A plain dict, not a model: the register is listed in full on every ``improve list``.
    """
    fields = row._asdict()
    fields["id"] = format_id(fields["id"])
    fields["priority"] = priority(fields["strategic_impact"], fields["feasibility"])
    fields["value"] = value(fields["expected_gain"], fields["estimated_cost"])
    fields["wsjf"] = wsjf(*(fields.pop(f"wsjf_{name}") for name in WSJF_INPUTS))
    return fields


WSJF_INPUTS = ("business_value", "time_criticality", "risk_reduction", "effort")


def _wsjf(improvement: Improvement | Row[Any]) -> float | None:
    return wsjf(*(getattr(improvement, f"wsjf_{name}") for name in WSJF_INPUTS))


def _summary_fields(
    improvement: Improvement | Row[Any], owner: str, process_owner: str
) -> dict[str, Any]:
    return {
        "id": format_id(improvement.id or 0),
        "key": improvement.key,
        "title": improvement.title,
        "type": improvement.type,
        "status": improvement.status,
        "process": improvement.process,
        "service": improvement.service,
        "owner": owner,
        "process_owner": process_owner,
        "strategic_impact": improvement.strategic_impact,
        "feasibility": improvement.feasibility,
        "priority": priority(improvement.strategic_impact, improvement.feasibility),
        "estimated_cost": improvement.estimated_cost,
        "expected_gain": improvement.expected_gain,
        "value": value(improvement.expected_gain, improvement.estimated_cost),
        "wsjf": _wsjf(improvement),
        "identified_at": improvement.identified_at,
    }


def objective_public(objective: Objective) -> ObjectivePublic:
    return ObjectivePublic(
        metric=objective.metric,
        description=objective.description,
        unit=objective.unit,
        window=objective.window,
        source=redact_source(objective.source),
        baseline=objective.baseline if objective.baseline_mode == "value" else "measure",
        target=objective.target,
        direction=objective.direction,
        due=objective.due,
        kpi_kind=objective.kpi_kind,
    )


def detail(
    improvement: Improvement,
    *,
    names: dict[int, str],
    team: list[str],
    objectives: list[Objective],
    plan: list[PlanAction],
    decisions: list[GateDecision],
) -> ImprovementDetail:
    """``names`` maps person ids to names for everyone the improvement refers to."""
    return ImprovementDetail(
        **_summary_fields(
            improvement, names[improvement.owner_id], names[improvement.process_owner_id]
        ),
        description=improvement.description,
        source=improvement.source,
        vision=improvement.vision,
        current_state=improvement.current_state,
        scope=improvement.scope,
        team=team,
        actual_cost=improvement.actual_cost,
        realised_gain=improvement.realised_gain,
        approved_at=improvement.approved_at,
        started_at=improvement.started_at,
        completed_at=improvement.completed_at,
        flow_run_id=improvement.flow_run_id,
        lessons_learned=improvement.lessons_learned,
        objectives=[objective_public(o) for o in objectives],
        plan=[
            PlanActionPublic(
                action=a.action,
                owner=names[a.owner_id],
                due=a.due,
                status=a.status,
                change=a.change,
            )
            for a in plan
        ],
        gate_decisions=[
            GateDecisionPublic(
                gate=d.gate,
                attempt=d.attempt,
                decision=d.decision,
                by=names[d.decided_by_id],
                at=d.decided_at,
                comment=d.comment,
            )
            for d in decisions
        ],
    )


def audit_public(event: AuditEvent) -> AuditEventPublic:
    return AuditEventPublic(
        at=event.at,
        actor=event.actor,
        action=event.action,
        from_status=event.from_status,
        to_status=event.to_status,
        detail=event.detail,
    )


class PersonPublic(BaseModel):
    name: str
    email: str
    roles: list[str]
