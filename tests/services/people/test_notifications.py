"""Telling people, through a real SMTP server and a webhook on loopback: a gate waits (each
person who may decide it, once), a gate is overdue, an objective went off track; the digest for
who chose it; a failed send recorded with its reason, tried again, never stopping the flow."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from ci_workflow.domain.clock import utcnow
from ci_workflow.errors import NotAuthorised
from ci_workflow.services.lifecycle.gate_opening import open_gate
from ci_workflow.services.lifecycle.stages import define_stage
from ci_workflow.services.lifecycle.watchdog import report_overdue_gates
from ci_workflow.services.people.notifications import dispatch, send_digests
from ci_workflow.settings import get_settings
from ci_workflow.store.db import transaction
from ci_workflow.store.gates import open_requests
from ci_workflow.store.people.notifications import of_improvement, with_status
from tests.helpers import Cli, improvement_doc, write_yaml
from tests.services.conftest import Outbox, body


def waiting(cli: Cli, folder: Path, **fields: Any) -> str:
    cli.ok("apply", str(write_yaml(folder, improvement_doc(**fields))))
    run = str(uuid.uuid4())
    define_stage(1, run)
    open_gate(1, "plan_approval", 1, run)
    return run


def test_a_gate_that_opens_tells_everyone_who_may_decide_it_once(
    cli: Cli, people: None, tmp_path: Path, mail: Outbox
) -> None:
    received, posts = mail.received, mail.posts
    run = waiting(cli, tmp_path)
    assert sorted(m["To"] for m in received) == ["carmen@example.org", "omar@example.org"]
    message = next(m for m in received if m["To"] == "omar@example.org")
    assert (
        message["Subject"] == "IMP-0001 Cut the time to restore network incidents: approval needed"
    )
    assert "https://ci.example.org/improvements/IMP-0001#decide" in body(message)
    (post,) = posts
    assert post["link"] == "https://ci.example.org/improvements/IMP-0001#decide"
    open_gate(1, "plan_approval", 1, run)  # the flow replays: nobody is told twice
    assert len(received) == 2 and len(posts) == 1
    with transaction(write=False) as session:
        rows = of_improvement(session, 1)
    assert {(r.channel, r.recipient, r.status, r.attempts) for r in rows} == {
        ("email", "carmen@example.org", "sent", 1),
        ("email", "omar@example.org", "sent", 1),
        ("webhook", "127.0.0.1", "sent", 1),
    }
    told = [e for e in cli.json("audit", "IMP-0001") if e["action"] == "notified"]
    assert len(told) == 3


def test_who_chose_a_digest_gets_one_e_mail_a_day(
    cli: Cli, people: None, tmp_path: Path, mail: Outbox
) -> None:
    from ci_workflow.domain.authority.actors import operating_system, signed_in
    from ci_workflow.services.people.directory import person_view_of, set_notify

    received = mail.received
    set_notify("omar@example.org", "digest", actor=signed_in(person_view_of("omar@example.org")))
    with pytest.raises(NotAuthorised, match="may not change Omar Haddad's notifications"):
        set_notify("omar@example.org", "now", actor=operating_system("someone"))
    waiting(cli, tmp_path)
    assert [m["To"] for m in received] == ["carmen@example.org"]
    assert send_digests() == ["email omar@example.org: sent"]
    digest = received[-1]
    assert digest["To"] == "omar@example.org" and digest["Subject"].endswith("1 item today")
    assert "IMP-0001 Cut the time to restore network incidents: approval needed" in body(digest)
    assert send_digests() == []


def test_a_failed_send_is_recorded_retried_and_stops_nothing(
    cli: Cli,
    people: None,
    tmp_path: Path,
    mail: Outbox,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    received, posts, control = mail.received, mail.posts, mail.control
    control["status"] = 503
    monkeypatch.setenv("IMPROVE_SMTP_PORT", "9")  # nothing listens there
    get_settings.cache_clear()
    waiting(cli, tmp_path)  # the gate opens all the same
    assert cli.json("show", "IMP-0001")["status"] == "awaiting_approval"
    with transaction(write=False) as session:
        rows = of_improvement(session, 1)
    assert {(r.status, r.attempts) for r in rows} == {("pending", 1)}
    webhook_row = next(r for r in rows if r.channel == "webhook")
    assert webhook_row.detail == "HTTPStatusError: HTTP 503" and "/hooks/" not in webhook_row.detail
    not_sent = [e for e in cli.json("audit", "IMP-0001") if e["action"] == "notification_not_sent"]
    assert len(not_sent) == 3
    control["status"] = 200
    monkeypatch.setenv("IMPROVE_SMTP_PORT", str(mail.port))
    get_settings.cache_clear()
    assert sorted(dispatch()) == [
        "email carmen@example.org: sent",
        "email omar@example.org: sent",
        "webhook 127.0.0.1: sent",
    ]  # the watchdog's next pass
    assert len(received) == 2 and len(posts) == 2  # the webhook: refused once, then taken


def test_overdue_gates_remind_who_may_decide_and_the_ci_managers(
    cli: Cli, people: None, tmp_path: Path, mail: Outbox
) -> None:
    received = mail.received
    waiting(cli, tmp_path)
    received.clear()
    with transaction() as session:
        for request in open_requests(session):
            request.opened_at = utcnow() - timedelta(days=6)
            session.add(request)
    (line,) = report_overdue_gates()
    assert line.startswith("IMP-0001 has waited 6 days at plan-approval-1")
    assert sorted(m["To"] for m in received) == ["carmen@example.org", "omar@example.org"]
    assert received[0]["Subject"] == "Overdue: IMP-0001 has waited 6 days at plan approval"
    assert report_overdue_gates() == [] and len(received) == 2  # once a day
    assert dispatch() == []


def test_a_title_with_a_line_break_cannot_add_a_mail_header(
    cli: Cli, people: None, tmp_path: Path, mail: Outbox
) -> None:
    waiting(cli, tmp_path)
    from ci_workflow.reports.channels import email_message

    message = email_message("IMP-0001 Faster\r\nBcc: eve@example.org", ["a@example.org"], "x")
    assert message["Subject"] == "IMP-0001 Faster Bcc: eve@example.org"
    assert message["Bcc"] is None


def test_an_objective_off_track_is_told_to_its_owner_once(
    cli: Cli, people: None, tmp_path: Path, mail: Outbox
) -> None:
    from tests.helpers import move_to, objective_doc

    csat = objective_doc(
        metric="csat",
        unit="points",
        baseline=3.0,
        target=4.0,
        direction="increase",
        source={"kind": "manual"},
    )
    cli.ok("apply", str(write_yaml(tmp_path, improvement_doc(objectives=[csat]))))
    move_to("executing")
    for day, value in [("2026-10-01", "3.1"), ("2026-10-15", "3.12"), ("2026-10-29", "3.13")]:
        cli.ok("record", "IMP-0001", "csat", value, "--as", "Priya Nair", "--at", day)
    (told,) = mail.received
    assert told["To"] == "lena@example.org" and told["Subject"] == "IMP-0001: csat is off track"
    assert "against a target of 4 points" in body(told)
    assert "https://ci.example.org/improvements/IMP-0001#objectives" in body(told)


def test_a_service_owner_is_told_not_asked_when_an_improvement_to_their_service_waits(
    cli: Cli, people: None, tmp_path: Path, mail: Outbox
) -> None:
    cli.ok(
        "people",
        "add",
        "Sam Berg",
        "--email",
        "sam@example.org",
        "--role",
        "service_owner:Corporate Network",
    )
    cli.ok(
        "people", "add", "Ida Holm", "--email", "ida@example.org", "--role", "service_owner:Payroll"
    )
    waiting(cli, tmp_path)  # improvement_doc's service is Corporate Network
    (told,) = [m for m in mail.received if m["To"] == "sam@example.org"]
    assert told["Subject"] == "IMP-0001 for your service Corporate Network: plan approval"
    assert "nothing to decide" in body(told)
    assert not [m for m in mail.received if m["To"] == "ida@example.org"]
    # An answer from a service owner is no decision: only the process owner's counts.
    from ci_workflow.domain.stages.gates import Gate, refusal
    from ci_workflow.services.people.directory import person_view_of
    from ci_workflow.store.register.improvements import get_improvement, parties_of

    with transaction(write=False) as session:
        parties = parties_of(session, get_improvement(session, "IMP-0001"))
    sam = person_view_of("Sam Berg")
    refused = refusal(Gate.plan_approval, "approve", by="Sam Berg", person=sam, parties=parties)
    assert refused is not None and refused.kind == "not_allowed"


def test_two_processes_sending_at_once_send_each_notification_once(
    cli: Cli, people: None, tmp_path: Path, mail: Outbox, backend: str
) -> None:
    """Flow processes on several workers each send what is pending after opening their gate."""
    if backend == "sqlite":
        pytest.skip("SQLite runs one write transaction at a time (BEGIN IMMEDIATE)")
    waiting(cli, tmp_path)
    assert (len(mail.received), len(mail.posts)) == (2, 1)
    with transaction() as session:  # the gate's three notifications queued again
        for row in of_improvement(session, 1):
            row.status = "pending"
            session.add(row)
    with ThreadPoolExecutor(1) as other, transaction() as claiming:
        assert len(with_status(claiming, "pending", claim=True)) == 3  # one sender is claiming
        # Another sends meanwhile: it neither waits for the claim nor sends what it holds.
        assert other.submit(dispatch).result(timeout=120) == []
    assert (len(mail.received), len(mail.posts)) == (2, 1)
    assert len(dispatch()) == 3  # the claim ended without sending: the next sender sends them
    assert (len(mail.received), len(mail.posts)) == (4, 2)
