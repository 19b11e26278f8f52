"""The register under load (issue 14): an apply of many files holds the write lock for a fixed
handful of statements, whatever the number of files; others write meanwhile; and what changed
between its reading and its writing is taken into account."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import event

from ci_workflow.domain.authority.actors import operating_system
from ci_workflow.domain.stages.lifecycle import Status
from ci_workflow.errors import ChangeRefused
from ci_workflow.services.people.directory import add_person
from ci_workflow.services.register import apply as module
from ci_workflow.services.register.apply import apply_documents
from ci_workflow.store.db import get_engine, transaction
from ci_workflow.store.register.improvements import get_improvement
from tests.helpers import Cli, improvement_doc, move_to, objective_doc

ADMIN = operating_system("test")
# Statements an apply runs under the write lock: people, the files' rows, one per write.
BOUND = 25


def documents(
    folder: Path, count: int, *, first: int = 0, version: int = 0
) -> list[tuple[str, str]]:
    """``count`` files of two objectives each; ``version`` changes every one of them."""
    found = []
    for n in range(first, first + count):
        objectives = [objective_doc(metric=f"m{k}", target=6 - version) for k in range(2)]
        doc = improvement_doc(
            key=f"load-{n:04d}",
            title=f"Load {n} v{version}",
            objectives=objectives,
            team=["Lena Fischer", "Priya Nair"][: 1 + version % 2],
            plan=[{"action": f"Step v{version}", "owner": "Priya Nair", "due": "2026-12-15"}],
        )
        found.append((str(folder / f"load-{n:04d}.yaml"), yaml.safe_dump(doc)))
    return found


@contextmanager
def statements_on(connection: Any) -> Iterator[list[str]]:
    """The statements run on ``connection`` in the block."""
    found: list[str] = []

    def record(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if conn is connection:
            found.append(statement)

    event.listen(get_engine(), "before_cursor_execute", record)
    try:
        yield found
    finally:
        event.remove(get_engine(), "before_cursor_execute", record)


@pytest.fixture
def write_transactions(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The statements each of apply's write transactions ran, counted from the moment it took
    the write lock: a measure of how long it held it that no busy machine changes."""
    real, counts = module.transaction, []

    @contextmanager
    def counted(*, write: bool = True, url: str | None = None) -> Iterator[Any]:
        with real(write=write, url=url) as session:
            if not write:
                yield session
                return
            # SQLite: BEGIN IMMEDIATE, the write lock, is taken here.
            with statements_on(session.connection()) as statements:
                yield session
            counts.append(len(statements))

    monkeypatch.setattr(module, "transaction", counted)
    return counts


def test_the_write_lock_holds_as_many_statements_for_300_files_as_for_10(
    people: None, tmp_path: Path, write_transactions: list[int]
) -> None:
    for version in (0, 1):  # created, then every file changed
        write_transactions.clear()
        small = apply_documents(documents(tmp_path, 10, version=version), actor=ADMIN)
        big = apply_documents(documents(tmp_path, 300, first=10, version=version), actor=ADMIN)
        assert {a.outcome for a in small + big} == {"updated" if version else "created"}
        assert len(write_transactions) == 2
        assert write_transactions[0] == write_transactions[1] <= BOUND


def test_an_apply_that_changes_nothing_takes_no_write_lock(
    people: None, tmp_path: Path, write_transactions: list[int]
) -> None:
    files = documents(tmp_path, 20)
    apply_documents(files, actor=ADMIN)
    assert {a.outcome for a in apply_documents(files, actor=ADMIN)} == {"unchanged"}
    assert len(write_transactions) == 1


def test_a_small_write_goes_through_while_a_big_apply_writes(
    backend: str, people: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite: the small write waits for the apply's one short transaction, then commits.
    PostgreSQL: it commits while the apply's transaction is still open (row locks)."""
    real, failures, counts = module.transaction, [], []
    started, done = threading.Event(), threading.Event()

    def small_write() -> None:
        started.set()
        try:
            add_person("Noor Aziz", email="noor@example.org", roles=["improvement_team"])
        except Exception as error:  # reported by the test below
            failures.append(error)
        done.set()

    writer = threading.Thread(target=small_write)

    @contextmanager
    def watched(*, write: bool = True, url: str | None = None) -> Iterator[Any]:
        with real(write=write, url=url) as session:
            if not write:
                yield session
                return
            connection = session.connection()  # the apply holds the write lock from here
            writer.start()
            assert started.wait(10)
            if backend == "postgres":
                assert done.wait(10), "a person is added beside an open apply"
            with statements_on(connection) as statements:
                yield session
            counts.append(len(statements))
            assert backend == "postgres" or not done.is_set(), "no write beside ours"

    monkeypatch.setattr(module, "transaction", watched)
    applied = apply_documents(documents(tmp_path, 300), actor=ADMIN)
    writer.join(30)
    assert failures == [] and done.is_set()
    assert [a.id for a in applied] == [f"IMP-{n:04d}" for n in range(1, 301)]
    assert counts[0] <= BOUND  # statements the apply ran holding the lock
    assert "Noor Aziz" in Cli().ok("people", "list").stdout


def interloping(monkeypatch: pytest.MonkeyPatch, change: Callable[[], None]) -> None:
    """Run ``change`` as another writer after the apply read the register, before it writes."""
    real = module.transaction

    @contextmanager
    def late(*, write: bool = True, url: str | None = None) -> Iterator[Any]:
        if write:
            change()
        with real(write=write, url=url) as session:
            yield session

    monkeypatch.setattr(module, "transaction", late)


def test_a_change_made_meanwhile_is_what_the_apply_changes_from(
    cli: Cli, people: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    apply_documents(documents(tmp_path, 3), actor=ADMIN)

    def retitle() -> None:
        with transaction() as session:
            improvement = get_improvement(session, "load-0001")
            improvement.title = "Retitled meanwhile"
            session.add(improvement)

    interloping(monkeypatch, retitle)
    applied = apply_documents(documents(tmp_path, 3, version=1), actor=ADMIN)
    assert [a.outcome for a in applied] == ["updated"] * 3
    detail = cli.json("audit", "load-0001")[-1]["detail"]
    assert "title 'Retitled meanwhile' → 'Load 1 v1'" in detail


def test_an_improvement_closed_meanwhile_refuses_the_whole_apply(
    cli: Cli, people: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    apply_documents(documents(tmp_path, 2), actor=ADMIN)
    interloping(monkeypatch, lambda: move_to(Status.closed, "IMP-0002"))
    with pytest.raises(ChangeRefused, match="IMP-0002 is closed and cannot be changed"):
        apply_documents(documents(tmp_path, 3, version=1), actor=ADMIN)
    assert [i["title"] for i in cli.json("list")] == ["Load 0 v0", "Load 1 v0"]
