"""The closed improvements' index kept in a file (``closed_file``), which a plan-approval gate's
text asks: the same closed improvements in the same order as an index built in memory for the
question, and it follows the closed improvements as they change."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from ci_workflow.domain.improvement.similarity import Match
from ci_workflow.services.reporting import closed_file, lessons
from ci_workflow.services.reporting.closed_index import index_of
from ci_workflow.settings import get_settings
from ci_workflow.store.db import transaction
from ci_workflow.store.register.improvements import get_improvement
from ci_workflow.store.reporting import lessons as store
from tests.helpers import Cli, improvement_doc, move_to, write_yaml
from tests.services.reporting.test_lessons import PLAN, closed_on, register  # noqa: F401

PROBLEMS = "process_owner:Problem Management"
# More closed ones, all of the new one's process and service: bm25 alone orders them.
MORE = [
    ("relay", "Network outages relayed to the network team", "Outages of the network seen."),
    ("switches", "Core switches replaced", "Network outages rarer."),
    ("runbook", "A runbook for network outages", "Outages restored from the runbook."),
    ("paging", "Paging the on-call engineer", "Nobody misses a page."),
]


@pytest.fixture
def many(cli: Cli, register: str, tmp_path: Path) -> str:  # noqa: F811
    for day, (key, title, vision) in enumerate(MORE, start=10):
        doc = improvement_doc(
            key=key, title=title, vision=vision, service="Corporate Network", plan=PLAN
        )
        cli.ok("apply", str(write_yaml(tmp_path, doc)))
        ref = f"IMP-{6 + day - 9:04d}"
        closed_on(ref, day, f"Lesson of {key}")
    # Being shaped too, other processes and services, and one with no word worth matching.
    cli.ok("people", "add", "Pia Lund", "--email", "pia@example.org", "--role", PROBLEMS)
    for key, title, process, service in (
        ("desk", "Network requests at the desk", "Service Request Management", "Service Desk"),
        ("plain", "Be it", "Problem Management", "Nothing Alike"),
    ):
        doc = improvement_doc(key=key, title=title, vision="", process=process, service=service)
        cli.ok("apply", str(write_yaml(tmp_path, doc)))
    return register


def in_memory(ref: str, limit: int) -> list[Match]:
    """What an index built now for the question finds (the improvement page's ranking)."""
    with transaction(write=False) as session:
        improvement = get_improvement(session, ref)
        rows, plans = store.closed_texts(session), store.closed_plans(session)
        with closing(index_of(rows, plans)) as index:
            return lessons._closest(index, improvement, limit)


def from_file(ref: str, limit: int = 10) -> list[Match]:
    with transaction(write=False) as session:
        return closed_file.closest(session, get_improvement(session, ref), limit)


def kept_files() -> list[Path]:
    return sorted((get_settings().home_dir / "cache").glob("closed-*.sqlite"))


@pytest.mark.parametrize("limit", [1, 3, 10])
@pytest.mark.parametrize("ref", ["IMP-0006", "IMP-0011", "IMP-0012", "IMP-0005"])
def test_the_file_finds_what_an_index_built_for_the_question_finds(
    many: str, ref: str, limit: int
) -> None:
    assert from_file(ref, limit) == in_memory(ref, limit)


def test_the_closest_are_ranked_by_names_then_text_then_recency(many: str) -> None:
    found = from_file("IMP-0006")
    # Same process and service: the four sharing words (by bm25), then IMP-0010 (none shared);
    # then same process alone (IMP-0002), then a word alone (IMP-0003).
    assert [m.improvement_id for m in found][4:] == [10, 2, 3]
    assert {m.improvement_id for m in found[:4]} == {1, 7, 8, 9}
    # "restored" in its vision is the new one's "restore", stemmed.
    runbook = [m.shared_words for m in found if m.improvement_id == 9]
    assert runbook == [("restore", "network", "outages")]
    assert from_file("IMP-0012") == []  # no name nor word in common with any


def test_the_file_is_kept_until_an_improvement_closes(many: str) -> None:
    from_file("IMP-0006")
    (kept,) = kept_files()
    built = kept.stat().st_ino
    move_to("awaiting_approval", "IMP-0011")  # the register changes; no closed one does
    assert from_file("IMP-0006") == in_memory("IMP-0006", 10)
    assert kept.stat().st_ino == built
    # Closed (a closed improvement cannot be changed: closing one is what changes them).
    closed_on("IMP-0005", 20, "Watch the core switches first.")
    found = [m for m in from_file("IMP-0006") if m.improvement_id == 5]
    assert [(m.same_process, m.same_service, m.shared_words) for m in found] == [
        (True, True, ("network", "outages"))
    ]
    assert from_file("IMP-0006") == in_memory("IMP-0006", 10)
    assert kept_files() == [kept] and kept.stat().st_ino != built


def test_an_unreadable_file_is_built_again(many: str) -> None:
    from_file("IMP-0006")
    (kept,) = kept_files()
    kept.write_bytes(b"not an index")
    assert from_file("IMP-0006") == in_memory("IMP-0006", 10)


def test_a_file_with_its_version_but_not_its_index_is_made_again(many: str) -> None:
    from_file("IMP-0006")
    (kept,) = kept_files()
    with closing(sqlite3.connect(kept)) as index:
        index.execute("DROP TABLE named")
        index.commit()
    assert from_file("IMP-0006") == in_memory("IMP-0006", 10)


def test_without_a_place_for_the_file_the_text_still_lists_them(many: str) -> None:
    (get_settings().home_dir / "cache").write_text("not a folder")
    with transaction(write=False) as session:
        improvement = get_improvement(session, "IMP-0006")
        found = lessons.similar_to(session, improvement, limit=10)
    assert found is not None
    assert [s.id for s in found] == [f"IMP-{m.improvement_id:04d}" for m in in_memory(many, 10)]
    assert kept_files() == []
