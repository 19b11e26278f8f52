"""The demo register's year of practice, as data: which improvements, what became of each.

Each ``Fate`` is one improvement's story: when it was identified, how far it went through the
gates, and how its metric moved (``reach``: the share of the way from baseline to target it got
to; ``regress``: after closing, the gain went back). Days count back from the day the history
is built, so the same stories come out every day (``demo_specs`` adds a fixed seed's noise).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

SEED = 20261204
WEEK = timedelta(days=7)

# process -> (its process owner, the improvements' owner, a team member)
PROCESSES = {
    "Incident Management": ("Omar Haddad", "Lena Fischer", "Tomás Silva"),
    "Service Request Management": ("Grace Kim", "Priya Nair", "Lena Fischer"),
    "Change Enablement": ("Henrik Berg", "Tomás Silva", "Priya Nair"),
}
SERVICES = ("Corporate Network", "Self-Service Portal")


@dataclass(frozen=True)
class Metric:
    name: str
    description: str
    unit: str
    baseline: float
    target: float
    kpi_kind: str

    @property
    def direction(self) -> str:
        return "decrease" if self.target < self.baseline else "increase"


METRICS = {
    "mttr": Metric("mttr_hours", "Mean time to restore", "h", 9.5, 6.0, "service_performance"),
    "fcr": Metric(
        "first_contact_share",
        "Share fixed at first contact",
        "share",
        0.52,
        0.7,
        "process_efficiency",
    ),
    "volume": Metric(
        "incidents_per_week", "Incidents a week", "incidents", 140, 105, "incident_volume"
    ),
    "csat": Metric("csat", "Satisfaction (1–5)", "points", 3.4, 4.1, "customer_satisfaction"),
    "lead": Metric(
        "request_lead_days", "Request lead time", "days", 4.2, 2.5, "process_efficiency"
    ),
    "failed": Metric(
        "failed_change_share",
        "Share of changes that fail",
        "share",
        0.12,
        0.06,
        "service_availability",
    ),
    "problems": Metric(
        "open_problems", "Problems open at the month's end", "problems", 42, 30, "problem_volume"
    ),
    "engagement": Metric(
        "team_engagement", "Team engagement (1–5)", "points", 3.1, 3.8, "employee_engagement"
    ),
    "cost": Metric("cost_per_ticket", "Cost per ticket", "EUR", 38.0, 30.0, "cost_of_service"),
}


@dataclass(frozen=True)
class Fate:
    """One improvement's story. Days count back from the day the history is built."""

    key: str
    title: str
    process: str
    metric: str
    end: str  # identified, defined, awaiting_approval, executing, in_review, closed, ...
    identified_ago: int
    service: str | None = None
    reach: float = 1.1  # share of baseline → target reached by the end of execution
    regress: bool = False
    rework: bool = False
    extend: bool = False
    run_days: int = 90  # execution, approval to completion
    changes: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def identified(self) -> date:
        return today() - timedelta(days=self.identified_ago)


def today() -> date:
    from ci_workflow.domain.clock import utcnow

    return utcnow().date()


def _f(key: str, title: str, process: int, metric: str, end: str, ago: int, **more: Any) -> Fate:
    return Fate(key, title, list(PROCESSES)[process], metric, end, ago, **more)


NET, PORTAL = SERVICES
FATES: tuple[Fate, ...] = (
    # Closed in the year before this one: the practice report's "period before".
    _f(
        "service-desk-rota",
        "A service desk rota people can plan around",
        0,
        "engagement",
        "closed",
        560,
        reach=1.15,
        run_days=110,
    ),
    _f(
        "problem-backlog-sweep",
        "Sweep the problem backlog",
        0,
        "problems",
        "closed",
        520,
        reach=0.6,
        run_days=90,
    ),
    # Closed long enough ago that the sustainment period ended: held, or went back.
    _f(
        "major-incident-bridge",
        "Open a major-incident bridge within 10 minutes",
        0,
        "mttr",
        "closed",
        390,
        service=NET,
        reach=1.25,
        run_days=100,
    ),
    _f(
        "known-error-articles",
        "Publish known errors to the service desk",
        0,
        "problems",
        "closed",
        360,
        reach=0.75,
        run_days=110,
    ),
    _f(
        "request-catalogue-cleanup",
        "Retire unused request catalogue items",
        1,
        "lead",
        "closed",
        330,
        reach=0.2,
        run_days=90,
        rework=True,
    ),
    _f(
        "cab-weekly-slot",
        "One weekly CAB slot for normal changes",
        2,
        "failed",
        "closed",
        300,
        reach=1.2,
        run_days=80,
    ),
    _f(
        "wifi-heatmap",
        "Fix Wi-Fi dead spots from the heat map",
        0,
        "volume",
        "closed",
        350,
        service=NET,
        reach=1.3,
        regress=True,
        run_days=95,
    ),
    _f(
        "portal-search",
        "Better search in the self-service portal",
        1,
        "csat",
        "closed",
        320,
        service=PORTAL,
        reach=1.25,
        regress=True,
        run_days=85,
        extend=True,
    ),
    # Closed within the last 90 days: their gains are still watched (sustaining).
    _f(
        "password-expiry-notice",
        "Warn people before their password expires",
        1,
        "volume",
        "closed",
        160,
        service=PORTAL,
        reach=1.2,
        run_days=90,
    ),
    _f(
        "change-freeze-calendar",
        "A shared change freeze calendar",
        2,
        "engagement",
        "closed",
        150,
        reach=0.7,
        run_days=90,
    ),
    _f(
        "laptop-swap-stock",
        "Keep swap laptops at every site",
        1,
        "cost",
        "closed",
        120,
        reach=0.25,
        run_days=80,
    ),
    _f(
        "network-runbooks",
        "Runbooks for the ten most common network faults",
        0,
        "mttr",
        "closed",
        170,
        service=NET,
        reach=1.25,
        run_days=75,
    ),
    # Execution declared complete: the review waits for its sign-off.
    _f(
        "vpn-self-diagnosis",
        "A VPN self-diagnosis page",
        0,
        "volume",
        "in_review",
        170,
        service=NET,
        reach=0.8,
        run_days=110,
        changes=("CHG0001003",),
    ),
    _f(
        "approval-reminders",
        "Remind approvers of requests waiting",
        1,
        "lead",
        "in_review",
        150,
        reach=1.25,
        run_days=100,
    ),
    _f(
        "standard-change-models",
        "Standard change models for patching",
        2,
        "failed",
        "in_review",
        140,
        reach=0.6,
        run_days=95,
        changes=("CHG0001004",),
    ),
    # In execution: weekly checkpoints, plan tasks done and overdue.
    _f(
        "monitoring-alert-tuning",
        "Tune the monitoring alerts that page at night",
        0,
        "volume",
        "executing",
        130,
        service=NET,
        reach=0.6,
        changes=("CHG0001005", "CHG0001006"),
    ),
    _f(
        "chat-first-line",
        "Chat as a first-line channel",
        1,
        "fcr",
        "executing",
        120,
        service=PORTAL,
        reach=0.5,
    ),
    _f(
        "change-risk-scoring",
        "Score change risk from its history",
        2,
        "failed",
        "executing",
        110,
        reach=0.4,
        changes=("CHG0001007",),
    ),
    _f(
        "shift-handover",
        "A written shift handover for the service desk",
        0,
        "mttr",
        "executing",
        95,
        reach=0.15,
        extend=True,
    ),
    _f(
        "software-request-bundles",
        "Bundle the software requested together",
        1,
        "cost",
        "executing",
        80,
        reach=0.3,
    ),
    _f(
        "emergency-change-review",
        "Review every emergency change within a week",
        2,
        "failed",
        "executing",
        70,
        reach=0.2,
    ),
    # Waiting at plan approval (one after its plan was reworked and resubmitted).
    _f(
        "onboarding-kits",
        "Ready-made onboarding kits for new staff",
        1,
        "lead",
        "awaiting_approval",
        45,
        rework=True,
    ),
    _f(
        "problem-trend-review",
        "A monthly problem trend review",
        0,
        "volume",
        "awaiting_approval",
        30,
    ),
    _f(
        "change-success-dashboard",
        "A change success dashboard for the CAB",
        2,
        "failed",
        "awaiting_approval",
        25,
    ),
    # Sent back to be defined again (rework), not yet resubmitted.
    _f("printer-fleet", "Fewer printer models in the fleet", 1, "cost", "defined", 50),
    _f(
        "alert-deduplication",
        "Deduplicate monitoring alerts into one incident",
        0,
        "volume",
        "defined",
        40,
        service=NET,
    ),
    # Only identified.
    _f(
        "mobile-portal",
        "A mobile layout for the self-service portal",
        1,
        "csat",
        "identified",
        20,
        service=PORTAL,
    ),
    _f(
        "change-window-survey",
        "Ask the business which change windows suit it",
        2,
        "csat",
        "identified",
        9,
    ),
    # Ended without a result.
    _f(
        "desk-phone-callback",
        "Call-back instead of a phone queue",
        0,
        "csat",
        "withdrawn",
        280,
        reach=0.3,
    ),
    _f("asset-tag-rfid", "RFID tags for every asset", 1, "cost", "withdrawn", 60),
    _f("outsourced-night-desk", "Outsource the night service desk", 0, "cost", "rejected", 200),
)
