"""Lessons learned seen again: the closed improvements most like a new one (its plan-approval
summary), and `improve lessons` over every closed improvement's lessons and texts."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from ci_workflow.domain.stages.gates import Gate
from ci_workflow.reports.gate_summary import gate_summary
from ci_workflow.services.reporting.lessons import similar_improvements, similar_to
from ci_workflow.services.views.shapes import detail_of
from ci_workflow.store.db import transaction
from ci_workflow.store.register.improvements import get_improvement, objectives_of
from ci_workflow.store.tables import MetricSnapshot
from tests.helpers import Cli, improvement_doc, move_to, write_yaml

PLAN = [{"action": "Write the runbook", "owner": "Priya Nair", "due": "2026-12-15"}]
# Applied in this order: IMP-0001 to IMP-0006.
IMPROVEMENTS = [
    # Same process and service as the new one, and a word in common.
    dict(
        key="routing",
        title="Route network incidents to the network team",
        vision="Incidents reach the right team the first time.",
        service="Corporate Network",
    ),
    # Same process only: nothing else in common.
    dict(
        key="hold-times",
        title="Shorter hold times on the phone",
        vision="Callers wait less than a minute.",
        service="Service Desk",
    ),
    # Another process and service; a word in common.
    dict(
        key="access",
        title="Network access requests fulfilled in a day",
        vision="Access granted the day it is asked for.",
        process="Service Request Management",
        service="Identity",
    ),
    # Nothing in common.
    dict(
        key="laptops",
        title="Laptop refresh",
        vision="Laptops replaced every four years.",
        process="Service Request Management",
        service="End User Computing",
    ),
    # Same process, service and words, but not closed: nothing to learn from yet.
    dict(
        key="monitoring",
        title="Network monitoring for outages",
        vision="Outages seen first.",
        service="Corporate Network",
    ),
    # The one being shaped.
    dict(
        key="outages",
        title="Restore network outages faster",
        vision="Outages of the network fixed within hours.",
        service="Corporate Network",
    ),
]
LESSONS = {
    "IMP-0001": "Agree the <b>routing</b> rules with the service desk [before](javascript:go) go-live.",
    "IMP-0002": "Staff the phones to match when customers call.",
    "IMP-0003": "Ask the identity team for an approval API early.",
    "IMP-0004": "",
}


def closed_on(ref: str, day: int, lessons: str) -> None:
    move_to("closed", ref)
    with transaction() as session:
        improvement = get_improvement(session, ref)
        improvement.lessons_learned = lessons or None
        improvement.completed_at = datetime(2027, 5, day, 12, tzinfo=UTC)
        session.add(improvement)


@pytest.fixture
def register(cli: Cli, people: None, tmp_path: Path) -> str:
    """Four closed improvements (IMP-0001 met its objective), one executing, and IMP-0006 new."""
    for fields in IMPROVEMENTS:
        cli.ok("apply", str(write_yaml(tmp_path, improvement_doc(plan=PLAN, **fields))))
    for day, (ref, lessons) in enumerate(LESSONS.items(), start=1):
        closed_on(ref, day, lessons)
    move_to("executing", "IMP-0005")
    with transaction() as session:
        (objective,) = objectives_of(session, 1)
        session.add(
            MetricSnapshot(
                objective_id=objective.id,
                kind="final",
                value=5.5,
                checkpoint_at=datetime(2027, 4, 30, tzinfo=UTC),
            )
        )
    return "IMP-0006"


def test_the_same_process_and_service_come_first_then_shared_words(register: str) -> None:
    found = similar_improvements(register, limit=10)
    assert found is not None
    assert [s.id for s in found] == ["IMP-0001", "IMP-0002", "IMP-0003"]
    first, second, third = found
    assert first.why == "same process; same service; shared words: network"
    assert second.why == "same process"
    assert third.why == "shared words: network"
    assert first.outcome == "mttr_hours met" and third.outcome == "mttr_hours not measured"
    assert first.lessons == LESSONS["IMP-0001"]
    assert (first.process, first.service) == ("Incident Management", "Corporate Network")
    assert [s.id for s in similar_improvements(register) or []] == [s.id for s in found][:3]


def test_the_kept_index_follows_a_newly_closed_improvement(register: str) -> None:
    before = similar_improvements(register, limit=10)
    assert before is not None and [s.id for s in before] == ["IMP-0001", "IMP-0002", "IMP-0003"]
    # Same process, service and a word ("network", "outages") as the new one: it comes first
    # once closed, and then in the page's order as a fresh index of the register ranks it.
    closed_on("IMP-0005", 9, "Watch the core switches first.")
    after = similar_improvements(register, limit=10)
    assert after is not None
    assert [s.id for s in after] == ["IMP-0005", "IMP-0001", "IMP-0002", "IMP-0003"]
    assert after[0].why == "same process; same service; shared words: network, outages"
    assert after[0].lessons == "Watch the core switches first."
    with transaction(write=False) as session:
        fresh = similar_to(session, get_improvement(session, register), limit=10)
    assert fresh == after


def test_once_the_plan_is_approved_no_lessons_are_looked_for(register: str) -> None:
    move_to("approved", register)
    assert similar_improvements(register) is None


def test_the_plan_approval_summary_shows_the_lessons_escaped(register: str) -> None:
    with transaction(write=False) as session:
        improvement = get_improvement(session, register)
        detail, similar = detail_of(session, improvement), similar_to(session, improvement)
    text = gate_summary(detail, Gate.plan_approval, {}, similar=similar)
    section = text[text.index("**Lessons from similar improvements**") :]
    assert (
        "- IMP-0001 Route network incidents to the network team (Incident Management, "
        "Corporate Network; same process; same service; shared words: network). "
        r"Result: mttr\_hours met. Lessons: Agree the &lt;b&gt;routing&lt;/b&gt; rules with the "
        r"service desk \[before\]\(javascript:go\) go-live."
    ) in section
    assert "- IMP-0003 Network access requests" in section and "<b>" not in text
    assert "IMP-0004" not in section and "IMP-0005" not in section
    assert "Lessons from similar" not in gate_summary(detail, Gate.plan_approval, {})
    none_yet = gate_summary(detail, Gate.plan_approval, {}, similar=[])
    assert (
        "**Lessons from similar improvements**\nNo closed improvement is like this one yet."
        in none_yet
    )


def test_improve_lessons_finds_lessons_and_texts_by_words(cli: Cli, register: str) -> None:
    out = cli.ok("lessons", "identity approval").stdout
    assert out.startswith("IMP-0003 Network access requests fulfilled in a day")
    assert "lessons: Ask the identity team for an approval API early." in out
    assert "why: shared words: identity, approval" in out and "IMP-0001" not in out
    found = cli.json("lessons", "network")
    assert [s["id"] for s in found] == ["IMP-0001", "IMP-0003"]  # two in its title, one in this
    assert found[0]["verdicts"] == [{"metric": "mttr_hours", "verdict": "met"}]
    assert found[0]["shared_words"] == ["network"] and found[0]["lessons"] == LESSONS["IMP-0001"]
    assert [s["id"] for s in cli.json("lessons", "network", "--limit", "1")] == ["IMP-0001"]
    only = cli.json("lessons", "network", "--process", "service request MANAGEMENT")
    assert [s["id"] for s in only] == ["IMP-0003"]
    assert cli.json("lessons", "runbook", "--service", "Service Desk")[0]["id"] == "IMP-0002"


@pytest.mark.parametrize(
    "query",
    [
        '"network" NEAR(route* team)',
        "network*",
        'title:network OR "',
        "(( network",
        "NEAR",
        "^network AND NOT -",
    ],
)
def test_fts_syntax_in_a_query_is_only_words(cli: Cli, register: str, query: str) -> None:
    found = cli.json("lessons", query)
    if "network" in query:
        assert {"IMP-0001", "IMP-0003"} <= {s["id"] for s in found}
    else:
        assert found == []
        assert "none of the 4 closed improvements matches" in cli.ok("lessons", query).stdout


def test_without_a_query_the_most_recent_lessons_come_first(cli: Cli, register: str) -> None:
    found = cli.json("lessons")
    assert [s["id"] for s in found] == ["IMP-0003", "IMP-0002", "IMP-0001"]  # IMP-0004 has none
    out = cli.ok("lessons", "--process", "incident management").stdout
    assert out.index("IMP-0002 Shorter hold times") < out.index("IMP-0001 Route network")
    assert "why: recently closed" in out and "IMP-0003" not in out
    assert "closed 2027-05-02" in out


def test_an_empty_register_says_there_is_nothing_yet(cli: Cli, people: None) -> None:
    assert cli.json("lessons") == []
    out = cli.ok("lessons", "network").stdout
    assert "no closed improvements yet: their lessons are kept when they are signed off" in out
    out = cli.ok("lessons", "--process", "Problem Management").stdout
    assert "no closed improvements of process 'Problem Management' yet" in out


def test_user_text_cannot_restyle_the_terminal(cli: Cli, register: str) -> None:
    with transaction() as session:
        improvement = get_improvement(session, "IMP-0002")
        improvement.lessons_learned = "[red]Staff[/red] the phones \x1b[2J when customers call"
        session.add(improvement)
    out = cli.ok("lessons", "phones").stdout
    assert "[red]Staff[/red] the phones" in out and "\x1b" not in out
