"""What should give a person deciding a gate pause, in words: objectives with no measurement or
whose source keeps failing, plan actions' changes not closed or failed, objectives not met.

- Every gate: an objective whose latest captures failed (how many since its last success,
  since when, the last error with its secrets masked).
- ``execution_complete`` and ``review_signoff``: objectives never measured (no checkpoint or
  final value), changes not closed (``records.change_records``), and objectives whose latest
  value does not meet the target (``measures.evaluation``'s verdict).

- ``plan_approval``: a measured baseline (``baseline: measure``) its owner has not confirmed in
  the improvement's page, as it was measured (value, window, source, when).

Completing execution or signing off (``CONFIRMED``) over a warning needs the decider to say
they read it, and approving the plan over an unconfirmed baseline does too; the other decisions
(extend, rework...) send the work back and need nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from ci_workflow.domain.records.change_records import change_warning
from ci_workflow.domain.redact import redact_value
from ci_workflow.domain.vocabulary import Gate

# The decisions a person takes over warnings only after confirming they read them.
CONFIRMED = frozenset({"complete", "accept"})
# The gates where the work is judged done: an unmeasured or unmet objective and an open change
# matter there; earlier, only a source that keeps failing does.
JUDGED = frozenset({Gate.execution_complete, Gate.review_signoff})
UNMET = ("not met", "partially met")
ERROR_LIMIT = 300

WarningKind = Literal["unmeasured", "failing", "change", "unmet", "baseline"]


@dataclass(frozen=True)
class Attempt:
    """One capture of an objective's metric: a value, or the error it failed with."""

    at: datetime
    kind: str  # baseline, checkpoint, final
    value: float | None
    error: str | None = None


@dataclass(frozen=True)
class ObjectiveFacts:
    metric: str
    unit: str
    source: str  # the kind of its source: sql, http, csv, manual...
    attempts: Sequence[Attempt]  # oldest first
    verdict: str = "not measured"  # met, partially met, not met, not measured
    latest: float | None = None
    target: float | None = None


@dataclass(frozen=True)
class ChangeFacts:
    reference: str
    state: str | None
    outcome: str | None  # None: no imported change has this reference
    close_code: str | None = None


@dataclass(frozen=True)
class MeasuredBaseline:
    """An objective's baseline as it was measured, and the owner's confirmation of it (the line
    they confirmed, or None)."""

    metric: str
    unit: str
    value: float
    window: str
    source: str  # the kind of its source
    measured_at: datetime | None  # the baseline capture's time (None: typed by hand)
    confirmed: str | None = None

    @property
    def line(self) -> str:
        """What the owner confirms, and what the trail keeps: a new measurement is a new line."""
        when = f"{self.measured_at:%Y-%m-%d %H:%M} UTC" if self.measured_at else "by hand"
        return (
            f"{self.metric}: {_quantity(self.value, self.unit)} measured {when} over "
            f"{self.window} from the {self.source} source"
        )

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed == self.line


@dataclass(frozen=True)
class GateWarning:
    kind: WarningKind
    text: str


@dataclass(frozen=True)
class Failing:
    """An objective's captures that failed since its last success."""

    count: int
    since: datetime
    last_error: str


def failing(attempts: Sequence[Attempt]) -> Failing | None:
    """The failures after the last successful capture; None when the latest one succeeded."""
    streak: list[Attempt] = []
    for attempt in sorted(attempts, key=lambda a: a.at):
        streak = [] if attempt.value is not None else [*streak, attempt]
    if not streak:
        return None
    error = " ".join(str(redact_value(streak[-1].error or "no reason kept")).split())
    if len(error) > ERROR_LIMIT:
        error = error[: ERROR_LIMIT - 1] + "…"
    return Failing(len(streak), streak[0].at, error)


def measured(facts: ObjectiveFacts) -> bool:
    return any(a.value is not None and a.kind != "baseline" for a in facts.attempts)


def gate_warnings(
    gate: Gate,
    objectives: Sequence[ObjectiveFacts],
    changes: Sequence[ChangeFacts] = (),
    baselines: Sequence[MeasuredBaseline] = (),
) -> list[GateWarning]:
    """The warnings at ``gate``, most telling first."""
    judged = gate in JUDGED
    found: list[GateWarning] = [
        GateWarning("baseline", f"The owner has not confirmed the measured baseline {b.line}")
        for b in baselines
        if gate == Gate.plan_approval and not b.is_confirmed
    ]
    unmeasured = [o for o in objectives if judged and not measured(o)]
    if unmeasured:
        found.append(_unmeasured(unmeasured, len(objectives)))
    for o in objectives:
        why = failing(o.attempts)
        if why is not None and o not in unmeasured:
            found.append(GateWarning("failing", _failing_text(o, why)))
    if judged:
        lines = (change_warning(c.reference, c.state, c.outcome, c.close_code) for c in changes)
        found += [GateWarning("change", f"Change {w}") for w in dict.fromkeys(lines) if w]
        found += [GateWarning("unmet", _unmet(o)) for o in objectives if o.verdict in UNMET]
    return found


def needs_confirming(decision: str, kind: str) -> bool:
    """Whether ``decision`` is taken over a warning of ``kind`` only once the decider confirms
    reading it."""
    return decision in CONFIRMED or (decision == "approve" and kind == "baseline")


def _unmeasured(objectives: Sequence[ObjectiveFacts], total: int) -> GateWarning:
    """ "2 of 2 objectives have no measurement: the http source failed 26 times since ..."."""
    groups: dict[tuple[str, int, datetime, str] | None, list[str]] = {}
    for o in objectives:
        why = failing(o.attempts)
        key = (o.source, why.count, why.since, why.last_error) if why else None
        groups.setdefault(key, []).append(o.metric)
    parts = []
    for key, metrics in groups.items():
        named = f"{', '.join(metrics)}: " if len(groups) > 1 else ""
        if key is None:
            parts.append(f"{named}no capture was made yet")
        else:
            source, count, since, error = key
            parts.append(
                f"{named}the {source} source failed {_times(count)} since {day(since)}, "
                f"last error: {error}"
            )
    head = f"{len(objectives)} of {total} objective{'s' if total != 1 else ''}"
    verb = "has" if len(objectives) == 1 else "have"
    names = f" ({', '.join(o.metric for o in objectives)})" if len(groups) == 1 else ""
    return GateWarning("unmeasured", f"{head}{names} {verb} no measurement: {'; '.join(parts)}")


def _failing_text(o: ObjectiveFacts, why: Failing) -> str:
    return (
        f"{o.metric}: the {o.source} source failed {_times(why.count)} since {day(why.since)} "
        f"(its latest value is older), last error: {why.last_error}"
    )


def _unmet(o: ObjectiveFacts) -> str:
    return (
        f"{o.metric} is {o.verdict}: latest {_quantity(o.latest, o.unit)} against a target of "
        f"{_quantity(o.target, o.unit)}"
    )


def _times(count: int) -> str:
    return "once" if count == 1 else f"{count} times"


def _quantity(value: float | None, unit: str) -> str:
    """``6.303 h``, ``12,000``: as the workspace shows numbers (``formatting.number``)."""
    if value is None:
        return "—"
    whole = abs(value) >= 1000 or float(value).is_integer()
    return f"{value:,.0f} {unit}".strip() if whole else f"{value:,.4g} {unit}".strip()


def day(moment: datetime) -> str:
    """``12 Nov 2026``: a date people read the same anywhere."""
    return f"{moment.day} {moment:%b %Y}"
