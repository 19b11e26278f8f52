"""The fixed vocabularies of the register: roles, gates, types, sources, directions, KPI kinds."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ci_manager = "ci_manager"
    process_owner = "process_owner"
    service_owner = "service_owner"
    improvement_team = "improvement_team"
    data_analyst = "data_analyst"
    finance = "finance"


# Roles that only make sense for one process or service, named by the scope. A data analyst's
# scope is a process (``data_analyst:Incident Management``) or, after ``service:``, a service
# (``data_analyst:service:Email``).
SCOPED_ROLES = frozenset({Role.process_owner, Role.service_owner, Role.data_analyst})
SERVICE_SCOPE = "service:"
# Roles whose scope may be left out: ``finance`` alone validates benefits of every programme,
# ``finance:PROGRAMME-KEY`` only those of one programme.
OPTIONALLY_SCOPED_ROLES = frozenset({Role.finance})


class ImprovementType(StrEnum):
    incremental = "incremental"
    breakthrough = "breakthrough"


class OpportunitySource(StrEnum):
    incident_trend = "incident_trend"
    problem = "problem"
    sla_breach = "sla_breach"
    customer_feedback = "customer_feedback"
    audit = "audit"
    benchmark = "benchmark"
    staff_idea = "staff_idea"
    other = "other"


class Direction(StrEnum):
    increase = "increase"
    decrease = "decrease"


class KpiKind(StrEnum):
    """What an objective's metric contributes to among the practice's KPIs."""

    customer_satisfaction = "customer_satisfaction"
    cost_of_service = "cost_of_service"
    incident_volume = "incident_volume"
    problem_volume = "problem_volume"
    service_performance = "service_performance"
    service_availability = "service_availability"
    employee_engagement = "employee_engagement"
    process_efficiency = "process_efficiency"
    other = "other"


class ActionStatus(StrEnum):
    planned = "planned"
    in_progress = "in_progress"
    done = "done"
    cancelled = "cancelled"


class SnapshotKind(StrEnum):
    baseline = "baseline"
    checkpoint = "checkpoint"
    final = "final"
    sustain = "sustain"  # measured after closing: did the gain hold?


class Gate(StrEnum):
    """The lifecycle's stage gates (what each decides and who: ``domain/stages/gates.py``)."""

    plan_approval = "plan_approval"
    resubmitted = "resubmitted"
    execution_complete = "execution_complete"
    review_signoff = "review_signoff"


class SortOrder(StrEnum):
    """How the register is listed."""

    priority = "priority"  # strategic impact × feasibility, then value
    wsjf = "wsjf"  # weighted shortest job first; unscored last
    value = "value"  # expected gain − estimated cost
    id = "id"
