"""An incident finding in words, for the improvement it becomes: a title that says what to improve
("Reduce resolution time of VPN incidents"), a description saying what was found, over what
period and how sure, with the other groupings of the same incidents; the unit of the suggested
objective; and what its baseline is, named as the objective will measure it."""

from __future__ import annotations

from typing import Any

from ci_workflow.domain.numbers import hours, number, p_value, share
from ci_workflow.schemas import OpportunityPublic

TITLES = {
    "long_resolution": "Reduce resolution time of {subject}",
    "rising_share": "Reduce the number of {subject}",
    "sla_breach": "Meet the SLA on {subject}",
    "reopen": "Reduce reopening of {subject}",
    "ping_pong": "Reduce reassignments of {subject}",
    "recurring_problem": "Remove the cause of recurring {subject}",
    "change_spike": "Prevent incidents after changes like {group}",
    "known_error_recurring": "Fix the known error behind {subject}",
    "stale_problem": "Work around or fix the old problems behind {subject}",
    "sla_definition_breach": "Meet the SLA on {subject}",
}
# What each incident template measures, over the objective's window.
STATISTICS = {
    "incident_count": "the number of {subject} opened",
    "problem_linked_count": "the number of {subject} opened that are linked to a problem record",
    "mttr_hours": "the mean hours to resolve {subject}, of those resolved",
    "mttr_median_hours": "the median hours to resolve {subject}, of those resolved",
    "sla_met_pct": "the share of {subject} resolved within their SLA",
    "reopen_pct": "the share of {subject} resolved that were reopened",
}
UNITS = {"mttr_hours": "h", "mttr_median_hours": "h", "sla_met_pct": "%", "reopen_pct": "%"}
GROUPINGS = {"assignment_group": "assignment group", "category+service": "category and service"}


def subject(o: OpportunityPublic) -> str:
    """The incidents a finding is about, as people name them."""
    if o.group_by == "assignment_group":
        return f"incidents handled by {o.group}"
    if o.group_by == "change":
        return "incidents after the change"
    return f"{o.group} incidents"


def title(o: OpportunityPublic) -> str:
    said = TITLES.get(o.kind, "")
    return (said.format(subject=subject(o), group=o.group) if said else o.title)[:200]


def unit(metric: str, window: str) -> str:
    """``h``, ``%``, or a count per window: ``incidents/week``, ``incidents/30 days``."""
    if metric in UNITS:
        return UNITS[metric]
    return "incidents/week" if window == "7d" else f"incidents/{window.removesuffix('d')} days"


def statistic(o: OpportunityPublic, metric: str, window: str) -> str:
    """What the objective measures, in words: ``Median hours to resolve VPN incidents, of those
    resolved in each 30-day window``."""
    said = STATISTICS.get(metric, metric).format(subject=subject(o))
    span = "week" if window == "7d" else f"{window.removesuffix('d')}-day window"
    return f"{said[:1].upper()}{said[1:]}, in each {span}"


def found(o: OpportunityPublic) -> str:
    """What was found, in a sentence."""
    e, who = o.evidence, subject(o)
    if o.kind == "long_resolution":
        return (
            f"{who[:1].upper()}{who[1:]} take {hours(e['median_hours'])} to resolve (median), "
            f"{hours(e['norm_hours'])} is usual for the same priorities"
        )
    if o.kind == "rising_share":
        return (
            f"{who[:1].upper()}{who[1:]} rose to {share(e['recent_share'])} of all incidents, "
            f"from {share(e['reference_share'])} ({number(e['recent_per_week'])} a week, was "
            f"{number(e['reference_per_week'])})"
        )
    if o.kind == "sla_breach":
        return (
            f"{who[:1].upper()}{who[1:]} miss their SLA {share(e['missed_share'])} of the time, "
            f"{share(e['organisation_missed_share'])} across the organisation"
        )
    if o.kind == "sla_definition_breach":
        return (
            f"{who[:1].upper()}{who[1:]} breach their {e['definition']} SLA "
            f"{share(e['breach_rate'])} of the time ({e['breached']} of {e['slas']}), "
            f"{share(e['norm'])} is the norm"
        )
    if o.kind in ("reopen", "ping_pong"):
        rate = e.get("reopened_share", e.get("bounced_share"))
        what = "are reopened" if o.kind == "reopen" else "go back and forth between teams"
        return (
            f"{share(rate)} of {who} {what}, {share(e['organisation_share'])} across the "
            "organisation"
        )
    return o.title


def how_sure(o: OpportunityPublic) -> str:
    chance = o.evidence.get("p_value")
    if not isinstance(chance, int | float):
        return f"seen in {number(o.evidence.get('incidents', 0))} incidents"
    if chance < 0.001:
        return f"very unlikely to be chance ({p_value(chance)})"
    return f"{'unlikely' if chance < 0.01 else 'not likely'} to be chance ({p_value(chance)})"


def description(o: OpportunityPublic, objective: dict[str, Any], baseline_from: str) -> str:
    """What was found, over what period, how sure; the other groupings of the same incidents and
    the other signals; what the baseline is; samples and value."""
    said = [
        f"Detected on {o.period_start:%Y-%m-%d} to {o.period_end:%Y-%m-%d}: {found(o)}; "
        f"{how_sure(o)}."
    ]
    if statistic_note := o.evidence.get("statistic"):
        said.append(f"Measured as a {statistic_note}.")
    if also := o.evidence.get("same_incidents_as"):
        named = " and ".join(
            f"{GROUPINGS.get(a['group_by'], a['group_by'].replace('_', ' '))} {a['group']}"
            for a in also
        )
        said.append(f"The same incidents are also found as {named}.")
    if signals := o.evidence.get("signals"):
        said.append("Also found for them: " + "; ".join(s["title"] for s in signals[1:]) + ".")
    said.append(_baseline(o, objective, baseline_from))
    if samples := o.evidence.get("samples"):
        said.append(f"Sample incidents: {', '.join(samples)}.")
    said.append(
        f"Estimated value: {number(o.value_hours)} incident-hours a year (elapsed, opened to "
        "resolved)."
    )
    return " ".join(said)


def _baseline(o: OpportunityPublic, objective: dict[str, Any], baseline_from: str) -> str:
    metric, window = objective["metric"], objective["window"]
    shown = f"{number(objective['baseline'])} {unit(metric, window)}"
    measures = statistic(o, metric, window)
    if objective["baseline"] == "measure":
        return (
            f"The objective measures {measures[:1].lower()}{measures[1:]}; its baseline is "
            "measured before approval."
        )
    if baseline_from == "template":
        cut = (
            f" Target {number(objective['target'])} {unit(metric, window)}: the finding's "
            "relative cut, on that scale."
            if metric in UNITS and UNITS[metric] == "h"
            else ""
        )
        return (
            f"Baseline {shown}: {measures[:1].lower()}{measures[1:]}, the last before "
            f"{o.period_end:%Y-%m-%d}, as the objective will measure it.{cut}"
        )
    return (
        f"Baseline {shown}: the finding's own figure; the objective measures "
        f"{measures[:1].lower()}{measures[1:]}, which had no value at the end of the period."
    )
