"""An improvement's file as the register holds it now (``GET /improvements/ID.yaml``): every
field of the spec, people by name, sources with their secrets masked as ``show`` masks them, and
the file's version. Applied again, it changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from ci_workflow.domain.clock import as_utc
from ci_workflow.domain.ids import format_id
from ci_workflow.domain.improvement.improvement_file import (
    as_written,
    number,
    to_yaml,
    without_empty,
)
from ci_workflow.domain.measures.sustainment import keep_text
from ci_workflow.domain.redact import redact_source
from ci_workflow.domain.strategy.benefits import line_document
from ci_workflow.domain.strategy.serves import PROGRAMME, SERVES
from ci_workflow.store.db import transaction
from ci_workflow.store.people.people import names_by_id
from ci_workflow.store.register import improvements as store
from ci_workflow.store.register.file_versions import versions_of
from ci_workflow.store.strategy.benefits import lines_of, row_of
from ci_workflow.store.strategy.links import links_of
from ci_workflow.store.tables import Improvement, Objective, PlanAction

WSJF = ("business_value", "time_criticality", "risk_reduction", "effort")


@dataclass(frozen=True)
class ImprovementFile:
    id: str  # IMP-0001
    key: str
    version: int  # the id of the latest audit event that changed what the file holds
    document: dict[str, Any]  # the file's fields, in the order a person writes them

    @property
    def text(self) -> str:
        header = (
            f"{self.id} as the register holds it, version {self.version}.\n"
            f"Apply it with `improve apply`, or send it to PUT /api/improvements/{self.key} "
            f'with If-Match: "{self.version}".'
        )
        return to_yaml(self.document, header)


def improvement_file(ref: str) -> ImprovementFile:
    with transaction(write=False) as session:
        return file_of(session, store.get_improvement(session, ref))


def file_of(session: Session, improvement: Improvement) -> ImprovementFile:
    assert improvement.id is not None
    objectives = store.objectives_of(session, improvement.id)
    plan = store.plan_of(session, improvement.id)
    team = store.team_of(session, improvement.id)
    names = names_by_id(
        session, {improvement.owner_id, improvement.process_owner_id} | {a.owner_id for a in plan}
    )
    document = without_empty(
        {
            "key": improvement.key,
            "title": improvement.title,
            "type": improvement.type,
            "source": improvement.source,
            "process": improvement.process,
            "service": improvement.service,
            "description": improvement.description,
            "vision": improvement.vision,
            "current_state": improvement.current_state,
            "scope": improvement.scope,
            "owner": names[improvement.owner_id],
            "process_owner": names[improvement.process_owner_id],
            "team": [p.name for p in team],
            "strategic_impact": improvement.strategic_impact,
            "feasibility": improvement.feasibility,
            "estimated_cost": number(improvement.estimated_cost),
            "estimated_hours": number(improvement.estimated_hours),
            "expected_gain": number(improvement.expected_gain),
            "identified": as_utc(improvement.identified_at).date(),
            "started": as_written(as_utc(improvement.started_at))
            if improvement.started_at
            else None,
            "objectives": [_objective(o) for o in objectives],
            "plan": [_action(a, names) for a in plan],
            "checkpoints": {"cron": improvement.checkpoint_cron},
            "sustain": f"{improvement.sustain_days}d",
            "sustain_keep": keep_text(improvement.sustain_keep),
            "service_owner_signoff": improvement.service_owner_signoff,
            "wsjf": _wsjf(improvement),
            **_strategy(session, improvement.id),
            "benefits": [
                line_document(row_of(line))
                for line in lines_of(session, [improvement.id]).get(improvement.id, [])
            ],
        }
    )
    version = versions_of(session, [improvement.id])[improvement.id]
    return ImprovementFile(format_id(improvement.id), improvement.key, version, document)


def _strategy(session: Session, improvement_id: int) -> dict[str, Any]:
    """``programme`` and ``serves`` as the file gives them (a key alone without contribution)."""
    held = links_of(session, [improvement_id]).get(improvement_id, [])
    programme = next((link.key for link in held if link.kind == PROGRAMME), None)
    serves = [
        {"objective": link.key, "contribution": link.contribution}
        if link.contribution
        else link.key
        for link in held
        if link.kind == SERVES
    ]
    return {"serves": serves, "programme": programme}


def _objective(objective: Objective) -> dict[str, Any]:
    return without_empty(
        {
            "metric": objective.metric,
            "description": objective.description,
            "unit": objective.unit,
            "window": objective.window,
            "source": _source(objective.source),
            "baseline": number(objective.baseline)
            if objective.baseline_mode == "value"
            else "measure",
            "target": number(objective.target),
            "direction": objective.direction,
            "due": objective.due,
            "kpi_kind": objective.kpi_kind,
            "input": objective.input_metric,
        }
    )


def _source(source: dict[str, Any]) -> dict[str, Any]:
    """As ``show`` gives it (secrets masked), without the defaults left empty."""
    shown = redact_source(source)
    return {
        k: number(v) if isinstance(v, float) else v
        for k, v in shown.items()
        if v is not None and v != {}
    }


def _action(action: PlanAction, names: dict[int, str]) -> dict[str, Any]:
    return without_empty(
        {
            "action": action.action,
            "owner": names[action.owner_id],
            "due": action.due,
            "status": action.status,
            "change": action.change,
        }
    )


def _wsjf(improvement: Improvement) -> dict[str, int] | None:
    scores = {name: getattr(improvement, f"wsjf_{name}") for name in WSJF}
    return scores if all(v is not None for v in scores.values()) else None
