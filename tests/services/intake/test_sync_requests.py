""" "Sync now" as a use case, with a fake ``Runs`` (the port is ours) for what a real Prefect
server cannot be made to do on cue: a run that crashed, and two presses at the same moment.
The real server, `improve serve` and the page: tests/flows/test_sync_now.py."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

import pytest
from sqlmodel import select

from ci_workflow.domain.authority.actors import Actor, signed_in
from ci_workflow.domain.clock import utcnow
from ci_workflow.errors import AlreadyExists, NotAuthorised
from ci_workflow.services.intake.sync_requests import ask_sync, connections_now
from ci_workflow.store.db import transaction
from ci_workflow.store.intake.connections import by_name
from ci_workflow.store.people.people import load_directory
from ci_workflow.store.tables import AuditEvent
from tests.helpers import Cli
from tests.services.intake.servicenow_server import Instance, servicenow
from tests.services.intake.test_servicenow_sync import add


@dataclass(frozen=True)
class State:
    type: str
    name: str
    since: datetime | None = None

    @property
    def is_final(self) -> bool:
        return self.type in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED", "MISSING")


class FakeRuns:
    def __init__(self) -> None:
        self.states: dict[str, State] = {}
        self.started: list[str] = []
        self.cancelled: list[str] = []
        self.on_start: Callable[[], None] = lambda: None

    def start_sync(self, connection: str) -> str:
        run = f"run-{len(self.started) + 1}"
        self.on_start()
        self.started.append(run)
        self.states[run] = State("SCHEDULED", "Scheduled", utcnow())
        return run

    def state(self, flow_run_id: str) -> State:
        return self.states[flow_run_id]

    def cancel(self, flow_run_id: str) -> bool:
        self.cancelled.append(flow_run_id)
        self.states[flow_run_id] = State("CANCELLED", "Cancelled", utcnow())
        return True


@pytest.fixture
def instance(people: None, cli: Cli) -> Iterator[Instance]:
    with servicenow() as served:
        add(cli, served)
        yield served


def person(email: str) -> Actor:
    with transaction(write=False) as session:
        return signed_in(load_directory(session).get(email))


def asked() -> list[str]:
    with transaction(write=False) as session:
        events = session.exec(
            select(AuditEvent).where(AuditEvent.action == "connection_sync_asked")
        )
        return [f"{e.actor}: {e.detail}" for e in events]


def test_one_sync_at_a_time_and_a_crashed_one_makes_way(instance: Instance) -> None:
    runs, carmen = FakeRuns(), person("carmen@example.org")
    assert ask_sync("snow", actor=carmen, runs=runs).flow_run_id == "run-1"
    (shown,) = connections_now(runs)
    assert shown.asked is not None
    assert (shown.asked.progress, shown.asked.asked_by) == ("queued", "Carmen Ruiz")
    with pytest.raises(AlreadyExists, match="a sync is already queued; wait until it ends"):
        ask_sync("snow", actor=carmen, runs=runs)
    runs.states["run-1"] = State("RUNNING", "Running")
    with pytest.raises(AlreadyExists, match="a sync is already running"):
        ask_sync("snow", actor=carmen, runs=runs)
    runs.states["run-1"] = State("CRASHED", "Crashed")
    (shown,) = connections_now(runs)
    assert shown.asked is not None and (shown.asked.progress, shown.asked.state) == (
        "ended",
        "Crashed",
    )
    assert ask_sync("snow", actor=carmen, runs=runs).flow_run_id == "run-2"
    assert runs.started == ["run-1", "run-2"] and runs.cancelled == []
    assert asked() == [
        "Carmen Ruiz: snow: flow run run-1 of sync-itsm",
        "Carmen Ruiz: snow: flow run run-2 of sync-itsm",
    ]
    assert instance.requests == []  # the sync is the run's, never the press's


def test_of_two_presses_at_one_moment_one_run_is_kept(instance: Instance) -> None:
    runs, carmen = FakeRuns(), person("carmen@example.org")

    def the_other_press_records_its_run() -> None:
        with transaction() as session:
            connection = by_name(session, "snow")
            assert connection is not None
            connection.sync_run_id, connection.sync_asked_at = "run-other", utcnow()
            connection.sync_asked_by = "Carmen Ruiz"

    runs.on_start = the_other_press_records_its_run
    with pytest.raises(AlreadyExists, match="another sync was asked for at the same moment"):
        ask_sync("snow", actor=carmen, runs=runs)
    assert runs.cancelled == ["run-1"]  # ours goes; the other stays recorded
    with transaction(write=False) as session:
        connection = by_name(session, "snow")
        assert connection is not None and connection.sync_run_id == "run-other"
    assert asked() == []


def test_nobody_else_starts_one(instance: Instance) -> None:
    runs = FakeRuns()
    with pytest.raises(NotAuthorised, match="only a CI manager"):
        ask_sync("snow", actor=person("lena@example.org"), runs=runs)
    assert runs.started == [] and asked() == []
    with transaction(write=False) as session:
        refused = session.exec(select(AuditEvent).where(AuditEvent.action == "forbidden")).all()
    assert [e.actor for e in refused] == ["Lena Fischer"]
