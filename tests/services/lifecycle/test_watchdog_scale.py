"""The gate watchdog and the gate list over many waiting gates: the same reads whatever their
number (one query per gate made 1,000 gates take 34.5 s), and every reminder over one SMTP
connection, each to who may decide and to the CI managers."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event

from ci_workflow.domain.clock import utcnow
from ci_workflow.services.lifecycle.gate_opening import open_gate
from ci_workflow.services.lifecycle.stages import define_stage
from ci_workflow.services.lifecycle.watchdog import report_overdue_gates
from ci_workflow.services.views.waiting_gates import pending_gates
from ci_workflow.settings import get_settings
from ci_workflow.store.db import transaction
from ci_workflow.store.gates import open_requests
from tests.helpers import Cli, improvement_doc, write_yaml
from tests.servers import mailbox_on
from tests.services.conftest import body


@contextmanager
def counted_reads() -> Iterator[list[str]]:
    """The SELECT statements sent to any database meanwhile."""
    reads: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            reads.append(statement)

    event.listen(Engine, "before_cursor_execute", seen)
    try:
        yield reads
    finally:
        event.remove(Engine, "before_cursor_execute", seen)


def open_gates(cli: Cli, folder: Path, first: int, count: int) -> None:
    """Improvements ``first`` .. ``first + count - 1`` waiting at plan approval, from two
    processes (so that who may decide differs), opened six days ago."""
    paths = []
    for n in range(first, first + count):
        process = "Incident Management" if n % 2 else "Service Request Management"
        doc = improvement_doc(key=f"imp-{n}", title=f"Improvement {n}", process=process)
        paths.append(str(write_yaml(folder, doc)))
    cli.ok("apply", *paths)
    for n in range(first, first + count):
        run = str(uuid.uuid4())
        define_stage(n, run)
        open_gate(n, "plan_approval", 1, run)
    with transaction() as session:
        for request in open_requests(session):
            request.opened_at = utcnow() - timedelta(days=6)
            session.add(request)


@pytest.fixture
def mailbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    with mailbox_on() as box:
        for name, value in {
            "IMPROVE_SMTP_HOST": "127.0.0.1",
            "IMPROVE_SMTP_PORT": str(box.port),
            "IMPROVE_SMTP_STARTTLS": "false",
            "IMPROVE_WEB_URL": "https://ci.example.org",
        }.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        yield box


def test_the_watchdog_reads_as_much_for_twelve_gates_as_for_two(
    cli: Cli, people: None, tmp_path: Path, mailbox: Any
) -> None:
    open_gates(cli, tmp_path, 1, 2)
    mailbox.received.clear(), mailbox.peers.clear()  # the gate-open e-mails
    with counted_reads() as few:
        assert len(report_overdue_gates()) == 2
    open_gates(cli, tmp_path, 3, 10)
    with transaction() as session:  # the first two were reminded two days ago
        for request in open_requests(session):
            request.reminded_at = utcnow() - timedelta(days=2) if request.reminded_at else None
            session.add(request)
    mailbox.received.clear(), mailbox.peers.clear()
    with counted_reads() as many:
        reported = report_overdue_gates()
    assert len(reported) == 12
    assert len(many) == len(few), "the reads do not grow with the number of gates"
    # Odd improvements are Incident Management's (Omar), even ones Service Requests' (Grace);
    # Carmen, the CI manager, hears of all ten new ones (the first two's reminders were sent
    # today already, and are keyed by day): one e-mail each listing theirs, over one connection.
    told = {m["To"]: m for m in mailbox.received}
    assert len(mailbox.received) == 3 and len(set(mailbox.peers)) == 1
    assert told["carmen@example.org"]["Subject"] == "Overdue: 10 gates wait for a decision"
    assert told["omar@example.org"]["Subject"] == "Overdue: 5 gates wait for a decision"
    listed = re.findall(
        r"^- Overdue: (IMP-\d+) has waited 6 days", body(told["grace@example.org"]), re.M
    )
    assert listed == ["IMP-0004", "IMP-0006", "IMP-0008", "IMP-0010", "IMP-0012"]
    assert "https://ci.example.org/improvements/IMP-0012#decide" in body(told["grace@example.org"])
    assert report_overdue_gates() == []  # each once a day


def test_the_gate_list_reads_as_much_for_twelve_gates_as_for_two(
    cli: Cli, people: None, tmp_path: Path
) -> None:
    open_gates(cli, tmp_path, 1, 2)
    with counted_reads() as few:
        assert len(pending_gates()) == 2
    open_gates(cli, tmp_path, 3, 10)
    with counted_reads() as many:
        gates = pending_gates()
    assert len(many) == len(few)
    by_id = {g.id: g for g in gates}
    assert by_id["IMP-0003"].deciders == ["Carmen Ruiz", "Omar Haddad"]
    assert by_id["IMP-0004"].deciders == ["Carmen Ruiz", "Grace Kim"]
    assert by_id["IMP-0012"].may_decide == (
        "a process owner of 'Service Request Management' or a CI manager"
    )
