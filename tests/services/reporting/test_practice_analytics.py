"""The practice's analytics over a history written with explicit times (no wall clock): gate
waits, stages, stalls, the trend and sources; the ten KPIs in `improve kpis` and the practice
report; bottlenecks recorded once as opportunities, and accepted like any other."""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

import pytest

from ci_workflow.services.intake.detection import open_opportunities
from ci_workflow.services.reporting.practice import practice_view, write_practice
from ci_workflow.store.audit import record_event
from ci_workflow.store.db import transaction
from ci_workflow.store.people.people import get_person
from ci_workflow.store.register.improvements import get_improvement, objectives_of
from ci_workflow.store.tables import GateDecision, GateRequest, MetricSnapshot
from tests.helpers import Cli, improvement_doc, objective_doc, write_yaml

START, END = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 7, 1, tzinfo=UTC)
DAY = 86_400


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# Each improvement's moves after its identification, as its trail records them.
MOVES = {
    "IMP-0001": [
        ("defined", "2026-01-10"),
        ("planned", "2026-01-20"),
        ("awaiting_approval", "2026-02-01"),
        ("approved", "2026-02-04"),
        ("executing", "2026-02-04T01:00"),
        ("in_review", "2026-04-01"),
        ("consolidating", "2026-04-10"),
        ("closed", "2026-04-11"),
    ],
    "IMP-0002": [
        ("defined", "2026-01-20"),
        ("planned", "2026-01-25"),
        ("awaiting_approval", "2026-02-10"),
        ("approved", "2026-02-25"),
        ("executing", "2026-02-26"),
        ("in_review", "2026-05-01"),
        ("consolidating", "2026-05-19"),
        ("closed", "2026-05-20"),
    ],
    "IMP-0003": [
        ("defined", "2026-02-02"),
        ("planned", "2026-02-03"),
        ("awaiting_approval", "2026-02-05"),
        ("defined", "2026-02-20"),
        ("planned", "2026-02-25"),
        ("awaiting_approval", "2026-03-01"),
    ],
    "IMP-0004": [("defined", "2026-06-20")],
    "IMP-0005": [
        ("defined", "2025-11-05"),
        ("planned", "2025-11-06"),
        ("awaiting_approval", "2025-11-10"),
        ("approved", "2025-12-01"),
        ("executing", "2025-12-01T01:00"),
    ],
}
IDENTIFIED = {
    "IMP-0001": "2026-01-05",
    "IMP-0002": "2026-01-10",
    "IMP-0003": "2026-02-01",
    "IMP-0004": "2026-03-01",
    "IMP-0005": "2025-11-01",
}
# (improvement, gate, attempt, opened, decided or None while open, decision, by)
GATES = [
    ("IMP-0001", "plan_approval", 1, "2026-02-01", "2026-02-04", "approve", "Omar Haddad"),
    ("IMP-0001", "review_signoff", 1, "2026-04-01", "2026-04-10", "accept", "Carmen Ruiz"),
    ("IMP-0002", "plan_approval", 1, "2026-02-10", "2026-02-25", "approve", "Omar Haddad"),
    ("IMP-0002", "review_signoff", 1, "2026-05-01", "2026-05-19", "accept", "Omar Haddad"),
    ("IMP-0003", "plan_approval", 1, "2026-02-05", "2026-02-20", "rework", "Grace Kim"),
    ("IMP-0003", "plan_approval", 2, "2026-03-01", None, None, None),
    ("IMP-0005", "plan_approval", 1, "2025-11-10", "2025-12-01", "approve", "Omar Haddad"),
]
# (improvement, metric, kind, when, value)
SNAPSHOTS = [
    ("IMP-0001", "mttr_hours", "final", "2026-04-05", 5.7),
    ("IMP-0002", "csat", "final", "2026-05-05", 3.6),
    ("IMP-0002", "tickets_closed", "final", "2026-05-05", 120.0),
    ("IMP-0002", "staff_hours", "final", "2026-05-05", 48.0),
    ("IMP-0005", "mttr_hours", "checkpoint", "2026-06-15", 9.0),
]


@pytest.fixture
def practice(cli: Cli, people: None, tmp_path: Path) -> None:
    """Five improvements, two closed in the first half of 2026, with their gates and values."""
    efficiency = [
        objective_doc(
            metric="csat",
            baseline=3.0,
            target=4.0,
            direction="increase",
            unit="",
            kpi_kind="customer_satisfaction",
        ),
        objective_doc(
            metric="tickets_closed",
            baseline=100,
            target=130,
            direction="increase",
            unit="tickets",
            kpi_kind="process_efficiency",
            input="staff_hours",
        ),
        objective_doc(metric="staff_hours", baseline=50, target=40, kpi_kind="other"),
    ]
    docs = [
        improvement_doc(key="one", source="incident_trend"),
        improvement_doc(key="two", source="problem", service="Service Desk", objectives=efficiency),
        improvement_doc(
            key="three", source="staff_idea", process="Service Request Management", service=None
        ),
        improvement_doc(key="four", source="incident_trend"),
        improvement_doc(key="five", source="audit"),
    ]
    for number, doc in enumerate(docs, start=1):
        doc["identified"] = IDENTIFIED[f"IMP-{number:04d}"]
        doc = {k: v for k, v in doc.items() if v is not None}
        cli.ok("apply", str(write_yaml(tmp_path, doc)))
    with transaction() as session:
        for ref, moves in MOVES.items():
            improvement = get_improvement(session, ref)
            previous = "identified"
            for status, when in moves:
                record_event(
                    session,
                    improvement_id=improvement.id,
                    actor="test",
                    action="status_changed",
                    from_status=previous,
                    to_status=status,
                    at=at(when),
                )
                previous = status
            improvement.status = previous
            improvement.completed_at = at(moves[-1][1]) if previous == "closed" else None
            session.add(improvement)
        one = get_improvement(session, "IMP-0001")
        one.realised_gain, one.actual_cost = 30_000.0, 12_000.0
        for ref, gate, attempt, opened, decided, decision, by in GATES:
            iid = get_improvement(session, ref).id or 0
            session.add(
                GateRequest(
                    improvement_id=iid,
                    gate=gate,
                    attempt=attempt,
                    opened_at=at(opened),
                    closed_at=decided and at(decided),
                    outcome=decision,
                )
            )
            if decided:
                session.add(
                    GateDecision(
                        improvement_id=iid,
                        gate=gate,
                        attempt=attempt,
                        decision=decision,
                        decided_at=at(decided),
                        decided_by_id=get_person(session, by).id,
                    )
                )
        for ref, metric, kind, when, value in SNAPSHOTS:
            iid = get_improvement(session, ref).id or 0
            (objective,) = [o for o in objectives_of(session, iid) if o.metric == metric]
            session.add(
                MetricSnapshot(
                    objective_id=objective.id or 0, kind=kind, checkpoint_at=at(when), value=value
                )
            )


def p90(values: list[float]) -> float:
    ranked = sorted(values)
    return ranked[math.ceil(0.9 * len(ranked)) - 1]


def days(first: str, last: str) -> float:
    return (at(last) - at(first)).total_seconds() / DAY


def test_gate_waits_by_gate_and_by_approver(practice: None) -> None:
    flow = practice_view(START, END)["flow"]
    waits: dict[str, list[float]] = defaultdict(list)
    by_person: dict[str, list[float]] = defaultdict(list)
    for _, gate, _, opened, decided, _, by in GATES:
        if decided and START < at(decided) <= END:
            waits[gate].append(days(opened, decided))
            by_person[by].append(days(opened, decided))
    gates = {w.name: w for w in flow.gates}
    assert set(gates) == {"plan_approval", "review_signoff"}
    for gate, spans in waits.items():
        decided = gates[gate].decided
        assert (decided.count, decided.median_days, decided.p90_days) == (
            len(spans),
            statistics.median(spans),
            p90(spans),
        )
    # IMP-0003's second attempt waits at the end of June, since 1 March, for Grace or Carmen.
    assert (gates["plan_approval"].open_now, gates["plan_approval"].oldest_open_days) == (
        1,
        days("2026-03-01", "2026-07-01"),
    )
    people = {w.name: w for w in flow.approvers}
    for name, spans in by_person.items():
        assert people[name].decided.median_days == statistics.median(spans)
        assert people[name].decided.p90_days == p90(spans)
    assert people["Omar Haddad"].decided.count == 3  # his 2025 decision is outside the period
    assert (people["Grace Kim"].open_now, people["Carmen Ruiz"].open_now) == (1, 1)
    assert "Omar Haddad" in people and people["Omar Haddad"].open_now == 0


def test_time_in_each_stage_and_stalls(practice: None) -> None:
    flow = practice_view(START, END)["flow"]
    spans: dict[str, list[float]] = defaultdict(list)
    for ref, moves in MOVES.items():
        entered = [("identified", IDENTIFIED[ref]), *moves]
        for (status, since), (_, until) in pairwise(entered):
            if START < at(until) <= END:
                spans[status].append(days(since, until))
    stages = {s.stage: s for s in flow.stages}
    for stage, found in spans.items():
        assert stages[stage].left.count == len(found), stage
        assert stages[stage].left.median_days == pytest.approx(statistics.median(found)), stage
        assert stages[stage].left.p90_days == pytest.approx(p90(found)), stage
    assert {s: f.in_it for s, f in stages.items() if f.in_it} == {
        "awaiting_approval": 1,
        "defined": 1,
        "executing": 1,
    }
    # IMP-0003 waits since its move of 1 March; IMP-0005's checkpoint of 15 June counts.
    (stall,) = flow.stalls
    assert (stall.improvement_id, stall.idle_days) == (3, days("2026-03-01", "2026-07-01"))
    shorter = practice_view(START, END, stall_days=10)["flow"].stalls
    assert [(s.improvement_id, s.idle_days) for s in shorter] == [
        (3, days("2026-03-01", "2026-07-01")),
        (5, days("2026-06-15", "2026-07-01")),
        (4, days("2026-06-20", "2026-07-01")),
    ]


def test_trend_by_quarter_and_sources(practice: None) -> None:
    flow = practice_view(START, END)["flow"]
    assert [(q.label, q.closed, q.successful) for q in flow.trend] == [
        ("2026 Q1", 0, 0),
        ("2026 Q2", 2, 1),
        ("2026 Q3", 0, 0),
    ]
    second = flow.trend[1]
    assert second.success_rate.value == 0.5
    assert second.days_to_implement.value == pytest.approx(
        statistics.fmean([days("2026-01-05", "2026-04-11"), days("2026-01-10", "2026-05-20")])
    )
    assert flow.trend[0].success_rate.reason == "none closed"
    assert [(s.source, s.count, s.share) for s in flow.sources] == [
        ("incident_trend", 2, 0.5),
        ("problem", 1, 0.25),
        ("staff_idea", 1, 0.25),
    ]


def test_the_ten_kpis_in_improve_kpis(cli: Cli, practice: None) -> None:
    found = cli.json("kpis", "--from", "2026-01-01", "--to", "2026-07-01")
    assert (found["closed"], found["successful"]) == (2, 1)
    ten = found["kpis"]["overall"]
    assert ten["service_performance"]["value"] == pytest.approx(5.7 - 9.5)  # after − before
    assert (ten["service_performance"]["better"], ten["service_performance"]["worse"]) == (1, 0)
    assert ten["customer_satisfaction"]["value"] == pytest.approx(0.6)
    assert ten["process_efficiency"]["value"] == pytest.approx((120 / 48) / (100 / 50) - 1)
    assert ten["roi"]["value"] == pytest.approx(1.5) and ten["roi"]["count"] == 1
    assert ten["successful_improvements"] | {"name": ""} == {
        "name": "",
        "formula": "every objective met",
        "value": 0.5,
        "count": 2,
        "reason": "",
        "unit": "",
        "better": 0,
        "worse": 0,
        "successful": 1,
        "partially": 1,
    }
    assert ten["cost_of_service"]["reason"] == (
        "none has such an objective measured before and after"
    )
    by_service = {g["service"]: g for g in found["kpis"]["by_service"]}
    assert set(by_service) == {"Corporate Network", "Service Desk"}
    assert by_service["Service Desk"]["kpis"]["service_performance"]["value"] is None
    shown = cli.ok("kpis", "--from", "2026-01-01", "--to", "2026-07-01").stdout
    for text in (
        "-3.8 h, better",
        "+0.6, better",
        "25 % better on average, each in its own direction",
        "150 %",
        "1 of 2 (50 %); 1 partially met",
        "113 days",
        "n/a: none has such an objective",
    ):
        assert text in shown, text
    per_process = cli.ok("kpis", "--from", "2026-01-01", "--to", "2026-07-01", "--by", "process")
    assert "process Incident Management (2 closed)" in per_process.stdout
    assert cli.fails("kpis", "--by", "owner", code=2) == [
        "error: unknown grouping 'owner'; choose process or service"
    ]


def test_an_input_names_another_objective_of_the_improvement(
    cli: Cli, people: None, tmp_path: Path
) -> None:
    for wrong, message in (
        ("tickets_closed", "input 'tickets_closed' is not another objective's metric"),
        ("staff", "input 'staff' is not another objective's metric"),
    ):
        doc = improvement_doc(
            objectives=[
                objective_doc(
                    metric="tickets_closed",
                    baseline=100,
                    target=130,
                    direction="increase",
                    kpi_kind="process_efficiency",
                    input=wrong,
                ),
                objective_doc(metric="staff_hours", baseline=50, target=40),
            ]
        )
        said = "\n".join(cli.fails("apply", str(write_yaml(tmp_path, doc))))
        assert message in said, said
    doc = improvement_doc(
        objectives=[
            objective_doc(metric="staff_hours", baseline=50, target=40, input="mttr_hours"),
            objective_doc(),
        ]
    )
    said = "\n".join(cli.fails("apply", str(write_yaml(tmp_path, doc))))
    assert "staff_hours: an input is only for kpi_kind process_efficiency" in said, said


def test_the_report_shows_everything_and_records_bottlenecks_once(
    cli: Cli, practice: None, tmp_path: Path
) -> None:
    html = write_practice(START, END, "html", tmp_path / "p.html").read_text()
    assert html.count("<svg") == 2 and "<script src" not in html and "https://" not in html
    for heading in (
        "The ten KPIs",
        "Trend by quarter",
        "Gate waits",
        "Time in each stage",
        "Stalled improvements",
        "Where improvements came from",
        "Bottlenecks recorded as opportunities",
    ):
        assert f"<h2>{heading}</h2>" in html, heading
    markdown = write_practice(START, END, "md", tmp_path / "p.md").read_text()
    assert "| plan approval | 3 | 15 days | 15 days | 1 | 122 days |" in markdown
    assert "| 2026 Q2 | 2 | 1 | 50 % | 113 days |" in markdown
    assert "| incident trend | 2 | 50 % |" in markdown
    assert (
        "IMP-0003 Cut the time to restore network incidents (Service Request Management, "
        "awaiting approval): idle 122 days since 2026-03-01 00:00" in markdown
    )
    found = open_opportunities()
    practice_kinds = sorted((o.kind, o.group_by, o.group) for o in found)
    assert practice_kinds == [
        ("practice_gate_wait", "approver", "Omar Haddad"),
        ("practice_gate_wait", "gate", "plan_approval"),
        ("practice_stall", "process", "Service Request Management"),
    ]
    write_practice(START, END, "md", tmp_path / "again.md")  # the same quarter: nothing new
    assert len(open_opportunities()) == len(found)
    assert "Waits at gate plan approval: p90 15 days over 3 decisions" in markdown
    out = tmp_path / "shorter.md"
    cli.ok(
        "practice-report",
        "--from",
        "2026-01-01",
        "--to",
        "2026-07-01",
        "--format",
        "md",
        "--out",
        str(out),
        "--stall-days",
        "10",
    )
    assert "for 10 days or more" in out.read_text() and "IMP-0005" in out.read_text()


def test_a_bottleneck_is_accepted_into_the_register(
    cli: Cli, practice: None, tmp_path: Path
) -> None:
    write_practice(START, END, "md", tmp_path / "p.md")
    (stall,) = [o for o in open_opportunities() if o.kind == "practice_stall"]
    out = cli.ok("opportunities", "accept", str(stall.number), "--as", "Carmen Ruiz").stdout
    assert out.startswith("IMP-0006 registered from opportunity")
    shown = cli.json("show", "IMP-0006")
    assert (shown["status"], shown["source"], shown["owner"]) == (
        "identified",
        "other",
        "Carmen Ruiz",
    )
    (objective,) = shown["objectives"]
    assert (objective["metric"], objective["baseline"], objective["target"]) == (
        "stalled_improvements",
        1.0,
        0.0,
    )
    assert objective["source"] == {"kind": "manual"}
    assert "IMP-0003" in shown["description"]


def test_the_practice_page_is_added_up_once_until_the_register_changes(
    cli: Cli, people: None, tmp_path: Path
) -> None:
    from ci_workflow.services.reporting.practice_page import practice_page

    cli.ok("apply", str(write_yaml(tmp_path, improvement_doc())))
    first = practice_page(None, None)
    assert practice_page(None, None) is first
    assert first["now"]["by_stage"] == {"identified": 1}
    cli.ok("apply", str(write_yaml(tmp_path, improvement_doc(key="other", title="Other"))))
    again = practice_page(None, None)
    assert again is not first and again["now"]["by_stage"] == {"identified": 2}
    assert again["added_up_at"] >= first["added_up_at"]
    # Another period is added up on its own.
    assert practice_page(START, END) is not again
    # Who may decide a waiting gate is on the page: a change of people adds it up again.
    assert practice_page(None, None) is again
    cli.ok("people", "edit", "Priya Nair", "--role", "ci_manager")
    assert practice_page(None, None) is not again
