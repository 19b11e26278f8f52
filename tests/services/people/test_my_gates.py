"""My work reads only the waiting gates a person could decide (``domain.authority.gate_reach``)
before asking the decision rule of each: for every person, whatever their roles, the gates it
lists are those the rule allows of every waiting gate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ci_workflow.domain.authority.gate_reach import gate_reach
from ci_workflow.domain.vocabulary import Gate
from ci_workflow.services.views.my_work import my_work
from ci_workflow.services.views.shapes import decidable_by
from ci_workflow.settings import get_settings
from ci_workflow.store.db import transaction
from ci_workflow.store.gates import waiting_gates
from ci_workflow.store.people.people import load_directory
from ci_workflow.store.register.improvements import get_improvement
from ci_workflow.store.tables import GateRequest
from tests.helpers import Cli, improvement_doc, write_yaml

IMPROVEMENTS = [  # key, process, service, owner, team, its review sign-off co-signed
    ("routing", "Incident Management", "Corporate Network", "Lena Fischer", ["Priya Nair"], True),
    ("desk", "Service Request Management", "Service Desk", "Noor Ali", [], False),
    ("outages", "Incident Management", "Corporate Network", "Omar Haddad", ["Lena Fischer"], True),
    ("identity", "Service Request Management", "Identity", "Priya Nair", ["Noor Ali"], False),
]
# Every gate waits for each improvement, opened in turn: 16 gates.
WAITING = [(key, gate) for key, *_ in IMPROVEMENTS for gate in Gate]


@pytest.fixture
def waiting(cli: Cli, people: None, tmp_path: Path) -> None:
    """The cast, a service owner, a person with no role and a deactivated CI manager; four
    improvements each waiting at every gate."""
    cli.ok(
        "people",
        "add",
        "Sam Okoro",
        "--email",
        "sam@example.org",
        "--role",
        "service_owner:Corporate Network",
    )
    cli.ok("people", "add", "Noor Ali", "--email", "noor@example.org")
    cli.ok("people", "add", "Dana Berg", "--email", "dana@example.org", "--role", "ci_manager")
    cli.ok("people", "deactivate", "dana@example.org")
    for key, process, service, owner, team, _ in IMPROVEMENTS:
        doc = improvement_doc(
            key=key, title=key.title(), process=process, service=service, owner=owner, team=team
        )
        cli.ok("apply", str(write_yaml(tmp_path, doc)))
    opened = datetime(2027, 1, 4, 9, tzinfo=UTC)
    with transaction() as session:
        for key, *_, cosigned in IMPROVEMENTS:
            improvement = get_improvement(session, key)
            improvement.service_owner_signoff = cosigned
            session.add(improvement)
        for n, (key, gate) in enumerate(WAITING):
            improvement_id = get_improvement(session, key).id or 0
            at = opened + timedelta(hours=n)
            session.add(
                GateRequest(improvement_id=improvement_id, gate=gate, attempt=1, opened_at=at)
            )


@pytest.mark.parametrize("separation", [False, True])
def test_each_person_is_offered_the_gates_the_rule_allows_of_every_waiting_one(
    waiting: None, monkeypatch: pytest.MonkeyPatch, separation: bool
) -> None:
    monkeypatch.setenv("IMPROVE_SEPARATION_OF_DUTIES", str(separation).lower())
    get_settings.cache_clear()
    offered: dict[str, int] = {}
    with transaction(write=False) as session:
        everyone = load_directory(session).people
        every_gate = waiting_gates(session)
        assert len(every_gate) == len(WAITING)
        for person in everyone:
            narrowed = decidable_by(session, person, waiting_gates(session, gate_reach(person)))
            assert narrowed == decidable_by(session, person, every_gate), person.name
            offered[person.email] = len(narrowed)
    for person in everyone:
        page = my_work(person)
        assert (page.gates_total, len(page.gates)) == (offered[person.email],) * 2
    # What each may decide, counted from the rule by hand: an owner decides the resubmitted and
    # execution-complete gates, a team member execution complete, a process owner the approvals.
    expected = {
        "carmen@example.org": 16,  # a CI manager: all
        # owner of "outages" (2), approvals of "routing" and "outages" (4): with separation,
        # not of his own
        "omar@example.org": 6 if not separation else 4,
        "grace@example.org": 4,  # process owner of "desk" and "identity": their approvals
        "lena@example.org": 3,  # owner of "routing", 2; on the team of "outages", 1
        "priya@example.org": 3,  # on the team of "routing", 1; owner of "identity", 2
        "sam@example.org": 2,  # service owner: the co-signed review sign-offs of two
        "noor@example.org": 3,  # owner of "desk", 2; on the team of "identity", 1
        "dana@example.org": 0,  # deactivated
    }
    assert offered == expected
