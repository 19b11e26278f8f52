"""The improvement file an accepted opportunity becomes: its finding, evidence and suggested
objective written as improvement as code, ready for ``apply``. A finding in the incidents is
measured from them and said in words (``words``: a title of what to improve, what was found,
over what period, how sure, the objective's unit and what its baseline is); an idea has no
objective yet; a bottleneck of the practice's own flow is measured by a person (``manual``),
from the figure the practice report found."""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any

from ci_workflow.domain.measures.bottlenecks import KINDS as PRACTICE_KINDS
from ci_workflow.opportunities import words
from ci_workflow.schemas import OpportunityPublic

SOURCES = {
    "sla_breach": "sla_breach",
    "sla_definition_breach": "sla_breach",
    "recurring_problem": "problem",
    "known_error_recurring": "problem",
    "stale_problem": "problem",
}


def improvement_file(
    o: OpportunityPublic, *, key: str, owner: str, process: str, today: date
) -> dict[str, Any]:
    if o.kind == "staff_idea":
        return idea_file(o, key=key, owner=owner, process=process, today=today)
    if o.kind in PRACTICE_KINDS:
        return practice_file(o, key=key, owner=owner, process=process, today=today)
    objective = dict(o.objective)
    baseline_from = objective.pop("baseline_from", "finding")
    source = {
        "kind": "incidents",
        "metric": objective.pop("metric"),
        "filter": objective.pop("filter"),
    }
    measured = {"metric": source["metric"], **objective}
    return {
        "key": key,
        "title": words.title(o),
        "type": "incremental",
        "source": SOURCES.get(o.kind, "incident_trend"),
        "process": process,
        **({"service": o.group} if o.group_by == "service" else {}),
        "description": words.description(o, measured, baseline_from),
        "owner": owner,
        # 1 under 10 expected incident-hours a year, up to 5 from 10,000.
        "strategic_impact": max(1, min(5, 1 + int(math.log10(max(1.0, o.score))))),
        "feasibility": 3,
        "identified": today,
        "objectives": [
            {
                "description": words.statistic(o, source["metric"], objective["window"]),
                "unit": words.unit(source["metric"], objective["window"]),
                "source": source,
                "due": today + timedelta(days=120),
                **objective,
                "metric": source["metric"],
            }
        ],
    }


def idea_file(
    o: OpportunityPublic, *, key: str, owner: str, process: str, today: date
) -> dict[str, Any]:
    """An idea becomes an identified improvement with its text; its owner defines the SMART
    objectives next, as for any improvement."""
    return {
        "key": key,
        "title": o.title[:200],
        "type": "incremental",
        "source": "staff_idea",
        "process": process,
        "description": (
            f"Idea {o.number} from {o.evidence.get('submitted_by', o.group)}, "
            f"{o.period_start:%Y-%m-%d}: {o.evidence.get('idea', '')}"
        ).strip(),
        "owner": owner,
        "strategic_impact": 3,
        "feasibility": 3,
        "identified": today,
        "objectives": [],
    }


def practice_file(
    o: OpportunityPublic, *, key: str, owner: str, process: str, today: date
) -> dict[str, Any]:
    """A bottleneck of the practice (a gate or approver slow to decide, improvements stalled)
    becomes an improvement of the practice, its objective the figure the report found, brought
    to the line; a person records its value (the practice report shows it)."""
    evidence = "; ".join(
        f"{k.replace('_', ' ')} {', '.join(v) if isinstance(v, list) else v}"
        for k, v in o.evidence.items()
    )
    return {
        "key": key,
        "title": o.title[:200],
        "type": "incremental",
        "source": "other",
        "process": process,
        "description": (
            f"Opportunity {o.number} ({o.kind}, {o.group_by} {o.group}) found by the practice "
            f"report of {o.period_start:%Y-%m-%d} to {o.period_end:%Y-%m-%d}: {evidence}."
        ),
        "owner": owner,
        "strategic_impact": 3,
        "feasibility": 4,
        "identified": today,
        "objectives": [
            {
                "description": o.title[:200],
                "source": {"kind": "manual"},
                "due": today + timedelta(days=90),
                **o.objective,
            }
        ],
    }
