"""Every shape that crosses a boundary (the CLI's tables and ``--json``, reports, web pages and
their API): plain pydantic models, built from the store's rows with ``model_validate(...,
from_attributes=True)`` or from the values a service read.

Long: every shape in one place, as the recipe's first step says; it grows with them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict

from ci_workflow.schemas_edit import ReworkLoop
from ci_workflow.schemas_plan import ActionDue as ActionDue  # the plan's shapes, given here too
from ci_workflow.schemas_plan import PlanActionPublic as PlanActionPublic
from ci_workflow.schemas_strategy import StrategyLink

M = TypeVar("M", bound=BaseModel)


class _Public(BaseModel):
    # Built on first use, not at import: most commands use one or two of these shapes.
    model_config = ConfigDict(from_attributes=True, defer_build=True)


def from_row(model: type[M], row: object, **overrides: Any) -> M:
    """The model's fields read from ``row``'s attributes, those in ``overrides`` replaced
    (names for ids, masked secrets...)."""
    fields = {n: overrides[n] if n in overrides else getattr(row, n) for n in model.model_fields}
    return model.model_validate(fields)


class ImprovementSummary(_Public):
    """One row of the register. ``improve list`` builds these as plain dicts (see
    ``services.register.browse.list_improvements``): 10,000 models cost 90 ms at start-up."""

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
    regressed_at: datetime | None  # closed, then a gain went back (see improve sustainment)
    plan_done_pct: int | None = None  # of the plan's actions not cancelled (None: no such one)
    overdue_actions: int = 0
    plan_overdue: str = ""  # "2 actions overdue, the oldest by 13 days"


class ObjectivePublic(_Public):
    metric: str
    description: str
    unit: str
    window: str
    source: dict[str, Any]  # secrets masked (domain.redact)
    baseline: float | str | None  # a number, or "measure"
    target: float
    direction: str
    due: date
    kpi_kind: str
    input_metric: str | None = None  # process efficiency: the objective that is its input


class GateDecisionPublic(_Public):
    gate: str
    attempt: int
    decision: str
    by: str
    at: datetime
    comment: str
    channel: str
    principal: str


class AuditEventPublic(_Public):
    at: datetime
    actor: str
    action: str
    from_status: str | None
    to_status: str | None
    detail: str
    channel: str | None  # web, api, cli, prefect-ui: how an act of a person arrived
    principal: str | None  # who that channel verified: an e-mail, os:USER, unverified


class ImprovementDetail(ImprovementSummary):
    description: str
    source: str
    vision: str
    current_state: str
    scope: str
    team: list[str]
    actual_cost: float | None
    realised_gain: float | None
    estimated_hours: float | None = None  # the team's effort it is expected to take
    approved_at: datetime | None
    started_at: datetime | None
    completed_at: datetime | None
    flow_run_id: str | None
    lessons_learned: str | None
    objectives: list[ObjectivePublic]
    retired_objectives: list[str] = []  # dropped from the file; their snapshots are kept
    plan: list[PlanActionPublic]
    gate_decisions: list[GateDecisionPublic]


class PersonPublic(_Public):
    name: str
    email: str
    roles: list[str]
    active: bool
    notify: str  # now, or digest


class TokenPublic(_Public):
    """A personal API token as its person and CI managers see it: never its secret."""

    id: int
    label: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime
    revoked_at: datetime | None


class GateWarningPublic(_Public):  # what should give a gate's deciders pause (gate_warnings)
    kind: str  # unmeasured, failing, change, unmet
    text: str


class PendingGate(_Public):
    id: str
    title: str
    gate: str
    attempt: int
    key: str
    waiting_since: datetime
    waiting_days: float
    may_decide: str
    deciders: list[str]
    flow_run_id: str | None
    warnings: list[GateWarningPublic] = []  # where it is decided: its page, improve gates
    confirm_for: list[str] = []  # decisions taken over the warnings only once confirmed


class SnapshotPublic(_Public):
    metric: str
    kind: str
    checkpoint_at: datetime
    value: float | None
    error: str | None
    recorded_by: str | None
    note: str | None = None  # said by who recorded it by hand


class ProgressPublic(_Public):
    metric: str
    unit: str
    baseline: float | None
    target: float
    direction: str
    due: str
    latest: float | None
    latest_at: datetime | None
    achieved_pct: float | None
    projected_at_due: float | None
    track: str
    reason: str


class OpportunityPublic(_Public):
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


class OffTrack(_Public):
    improvement: str
    title: str
    metric: str
    unit: str
    latest: float | None
    projected_at_due: float | None
    target: float
    due: str


class MyWork(_Public):
    """What waits for one person: gates they may decide (oldest first), their improvements,
    their open plan actions, the objectives off track of improvements they own."""

    person: str
    gates: list[PendingGate]
    gates_total: int  # gates lists the oldest; this is how many wait in all
    improvements: list[ImprovementSummary]
    improvements_total: int  # improvements lists the newest; this is how many are theirs
    actions: list[ActionDue]
    off_track: list[OffTrack]


class WaitingByApprover(_Public):
    """Gates waiting at one approver: how many, and how long the oldest has waited."""

    approver: str
    waiting: int
    oldest_days: float
    median_days: float


class ReportPublic(_Public):
    id: int
    kind: str
    format: str
    created_at: datetime
    label: str = ""  # which report it is, in words: "Final review, 12 Nov 2026"


class MovingOn(_Public):
    """A gate just decided, while the flow takes the decision and moves to what comes next."""

    key: str  # the gate decided, e.g. plan-approval-1
    by: str
    decision: str | None  # None while the flow has not recorded it yet
    at: datetime
    stuck: bool  # the flow has not moved on for longer than it should take


class ImprovementPage(_Public):
    """Everything the improvement's page shows, and what the person looking may do there."""

    improvement: ImprovementDetail
    progress: list[ProgressPublic]
    pending: PendingGate | None
    may_decide: bool
    decisions: list[str]  # the decisions of the waiting gate
    moving: MovingOn | None = None  # decided: the flow is moving on, nothing to click
    editable_actions: list[int]  # positions of the plan actions this person may update
    may_plan: bool = False  # may also reassign them and move their due dates (to ``assignees``)
    assignees: list[str] = []
    may_edit: bool = False  # may change its file (the edit form)
    rework: ReworkLoop | None = None  # sent back for rework, until its plan is decided again
    refused: list[AuditEventPublic]
    audit: list[AuditEventPublic]
    reports: list[ReportPublic]
    strategy: list[StrategyLink] = []  # the objectives it serves, and its programme


class BoardCard(_Public):
    """An improvement on the board: where it is, for how long, and what holds it up."""

    id: str
    title: str
    owner: str
    priority: int
    in_stage_since: datetime
    days_in_stage: float
    gate: str | None  # the gate it waits at
    waiting_since: datetime | None
    waiting_days: float | None
    overdue_actions: int  # plan actions past their due date, neither done nor cancelled
    off_track: int | None  # objectives off track; None where the stage measures none


class BoardColumn(_Public):
    status: str
    count: int  # every improvement of the stage the filters keep, shown or not
    cards: list[BoardCard]  # the highest priority first, at most the board's per_column
    more: int  # count - len(cards)


class Board(_Public):
    per_column: int
    columns: list[BoardColumn]
