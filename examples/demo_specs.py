"""Each story of ``demo_fates`` as the product takes it: the days its steps happened, its
improvement file, and its weekly measurements (a fixed seed's noise) in a CSV beside it."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml
from demo_fates import METRICS, PROCESSES, SEED, WEEK, Fate, Metric, today

FIBONACCI = (1, 2, 3, 5, 8, 13)


@dataclass(frozen=True)
class Timeline:
    """The days each step of a story happened (None: it did not)."""

    submitted: date | None = None
    reworked: date | None = None
    resubmitted: date | None = None
    decided: date | None = None  # approved, or rejected
    extended: date | None = None
    completed: date | None = None
    closed: date | None = None
    withdrawn: date | None = None


def timeline(fate: Fate) -> Timeline:
    """When each gate was reached and decided: submitted four days after identification, a
    week per decision, execution ``run_days`` long (one that waits for its review finished a
    few days ago)."""
    if fate.end == "identified":
        return Timeline()
    day = fate.identified + timedelta(days=4)
    submitted, reworked, resubmitted = day, None, None
    if fate.rework or fate.end == "defined":
        reworked = day = day + timedelta(days=5)
        if fate.end == "defined":
            return Timeline(submitted, reworked)
        resubmitted = day = day + timedelta(days=6)
    if fate.end == "awaiting_approval" or (fate.end == "withdrawn" and fate.identified_ago < 90):
        withdrawn = day + timedelta(days=10) if fate.end == "withdrawn" else None
        return Timeline(submitted, reworked, resubmitted, withdrawn=withdrawn)
    decided = day = day + timedelta(days=6)
    if fate.end in ("rejected", "executing", "withdrawn"):
        withdrawn = decided + timedelta(days=40) if fate.end == "withdrawn" else None
        extended = decided + timedelta(days=30) if fate.extend else None
        return Timeline(submitted, reworked, resubmitted, decided, extended, withdrawn=withdrawn)
    completed = decided + timedelta(days=fate.run_days)
    if fate.end == "in_review":
        completed = today() - timedelta(days=3 + len(fate.key) % 9)
    extended = completed - timedelta(days=30) if fate.extend else None
    closed = completed + timedelta(days=6) if fate.end == "closed" else None
    return Timeline(submitted, reworked, resubmitted, decided, extended, completed, closed)


def document(fate: Fate, csv_name: str) -> dict[str, Any]:
    """The improvement file of ``fate``, as its owner would write it."""
    process_owner, owner, member = PROCESSES[fate.process]
    metric = METRICS[fate.metric]
    identified = fate.identified
    doc: dict[str, Any] = {
        "key": fate.key,
        "title": fate.title,
        "type": "incremental",
        "source": "incident_trend" if fate.process == "Incident Management" else "staff_idea",
        "process": fate.process,
        "vision": f"{fate.title}, measured by {metric.description.lower()}.",
        "current_state": f"{metric.description} is {metric.baseline:g} {metric.unit}.",
        "owner": owner,
        "process_owner": process_owner,
        "team": [owner, member],
        "strategic_impact": 2 + len(fate.key) % 4,
        "feasibility": 2 + len(fate.title) % 4,
        "estimated_cost": 4000 + 1000 * (len(fate.title) % 12),
        "estimated_hours": 60 + 20 * (len(fate.title) % 15),
        "expected_gain": 15000 + 2500 * (len(fate.key) % 14),
        "identified": identified,
        "wsjf": {
            "business_value": FIBONACCI[len(fate.title) % 6],
            "time_criticality": FIBONACCI[len(fate.key) % 5],
            "risk_reduction": FIBONACCI[(len(fate.key) + len(fate.title)) % 4],
            "effort": FIBONACCI[1 + fate.run_days % 4],
        },
        "objectives": [objective(metric, csv_name, identified + timedelta(days=300))],
        "plan": plan(fate, owner, member),
    }
    if fate.service:
        doc["service"] = fate.service
    return doc


def objective(metric: Metric, csv_name: str, due: date) -> dict[str, Any]:
    return {
        "metric": metric.name,
        "description": metric.description,
        "unit": metric.unit,
        "window": "14d",
        "source": {
            "kind": "csv",
            "path": csv_name,
            "timestamp_column": "week",
            "aggregation": "mean",
            "value_column": "value",
        },
        "baseline": metric.baseline,
        "target": metric.target,
        "direction": metric.direction,
        "due": due,
        "kpi_kind": metric.kpi_kind,
    }


def plan(fate: Fate, owner: str, member: str) -> list[dict[str, Any]]:
    """Three actions, due across the execution; the changes the improvement depends on."""
    start = fate.identified + timedelta(days=21)
    actions: list[dict[str, Any]] = [
        {"action": "Agree the new way of working with the teams", "owner": owner},
        {"action": "Put it in place and tell the users", "owner": member},
        {"action": "Check the first month's figures and adjust", "owner": owner},
    ]
    for step, action in enumerate(actions, start=1):
        action["due"] = start + timedelta(days=step * fate.run_days // 3)
    for action, change in zip(actions[1:], fate.changes, strict=False):
        action["change"] = change
    return actions


def series(fate: Fate) -> list[tuple[date, float]]:
    """Weekly values from 60 weeks ago to today: level at baseline before execution, moving to
    ``reach`` of the way to target over six weeks, then (``regress``) back after closing."""
    metric, steps = METRICS[fate.metric], timeline(fate)
    started, closed = steps.decided if fate.end != "rejected" else None, steps.closed
    rng = random.Random(f"{SEED}:{fate.key}")
    gap = metric.target - metric.baseline
    noise = abs(gap) * 0.12
    first = today() - timedelta(weeks=95)
    first -= timedelta(days=first.weekday())
    values = []
    for week in range(96):
        day = first + week * WEEK
        share = 0.0
        if started is not None and day > started:
            share = fate.reach * min(1.0, (day - started).days / 42)
        if fate.regress and closed is not None and day > closed:
            share *= max(0.0, 1 - (day - closed).days / 35)
        values.append((day, round(metric.baseline + gap * share + rng.gauss(0, noise), 3)))
    return values


def write_files(folder: Path, fate: Fate) -> Path:
    """The improvement file and its measurements' CSV, side by side in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    csv = folder / f"{fate.key}.csv"
    rows = "".join(f"{day.isoformat()}T12:00:00,{value}\n" for day, value in series(fate))
    csv.write_text("week,value\n" + rows, encoding="utf-8")
    path = folder / f"{fate.key}.yaml"
    text = yaml.safe_dump(document(fate, csv.name), sort_keys=False, allow_unicode=True)
    path.write_text(text, encoding="utf-8")
    return path
