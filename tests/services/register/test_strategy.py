"""``improve strategy apply/show/record``: validated whole, versioned, audited, CI managers only."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlmodel import col, select

from ci_workflow.store.db import transaction
from ci_workflow.store.tables import AuditEvent, KeyResultValue, StrategyItem, StrategyVersion
from tests.helpers import Cli

EXAMPLE = Path(__file__).resolve().parent / "strategy.yaml"


def example() -> dict[str, Any]:
    return copy.deepcopy(yaml.safe_load(EXAMPLE.read_text()))


def write(tmp_path: Path, doc: dict[str, Any], name: str = "strategy.yaml") -> str:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return str(path)


def strategy_events() -> list[AuditEvent]:
    with transaction(write=False) as session:
        query = select(AuditEvent).where(
            col(AuditEvent.action).in_(["strategy_applied", "key_result_recorded", "forbidden"])
        )
        return list(session.exec(query.order_by(col(AuditEvent.id))))


@pytest.fixture
def cast(people: None, cli: Cli) -> None:
    """The example strategy's owners who are not in the common cast."""
    cli.ok(
        "people", "add", "Tomás Silva", "--email", "tomas@example.org", "--role", "improvement_team"
    )


def test_apply_creates_every_item_then_reports_unchanged_and_keeps_one_version(
    cast: None, cli: Cli
) -> None:
    out = cli.ok("strategy", "apply", str(EXAMPLE), "--as", "Carmen Ruiz").stdout.splitlines()
    doc = example()
    expected = (
        len(doc["goals"])
        + len(doc["programmes"])
        + sum(1 + len(o["key_results"]) for g in doc["goals"] for o in g["objectives"])
    )
    assert len([line for line in out if line.endswith(": created")]) == expected == 12
    assert out[-1] == "strategy version 1"
    again = cli.ok("strategy", "apply", str(EXAMPLE), "--as", "Carmen Ruiz").stdout.splitlines()
    assert len([line for line in again if line.endswith(": unchanged")]) == expected
    assert again[-1] == "nothing changed; the strategy's version stays as it was"
    shown = cli.json("strategy", "show")
    assert (shown["version"], shown["applied_by"]) == (1, "Carmen Ruiz")
    assert [g["key"] for g in shown["goals"]] == ["reliable-services", "effortless-service"]
    assert [o["key"] for o in shown["goals"][0]["objectives"]] == [
        "restore-faster",
        "fewer-repeat-incidents",
    ]
    assert shown["programmes"][0] == {
        "key": "service-desk-2027",
        "title": "Service desk 2027",
        "owner": "Grace Kim",
        "budget": 120000.0,
        "improvements": [],
    }
    events = strategy_events()
    assert len(events) == 1 and events[0].actor == "Carmen Ruiz"
    assert events[0].detail.startswith(f"version 1 from {EXAMPLE}: created goal reliable-services;")


def test_an_update_and_a_removal_add_a_version_and_say_what_changed(
    cast: None, cli: Cli, tmp_path: Path
) -> None:
    cli.ok("strategy", "apply", str(EXAMPLE))
    doc = example()
    doc["goals"][0]["objectives"][0]["key_results"][0]["target"] = 3.5
    removed = doc["goals"][1]["objectives"].pop(1)
    out = cli.ok("strategy", "apply", write(tmp_path, doc), "--as", "Carmen Ruiz").stdout
    assert "key_result network-mttr-median: updated (target)" in out
    assert "objective faster-changes: removed" in out
    assert "key_result standard-change-share: removed" in out
    assert out.splitlines()[-1] == "strategy version 2"
    shown = cli.json("strategy", "show")
    assert shown["version"] == 2
    assert [o["key"] for o in shown["goals"][1]["objectives"]] == ["self-service-first"]
    assert shown["goals"][0]["objectives"][0]["key_results"][0]["target"] == 3.5
    with transaction(write=False) as session:
        versions = [v.version for v in session.exec(select(StrategyVersion))]
        retired = session.exec(select(StrategyItem).where(StrategyItem.key == removed["key"])).one()
    assert sorted(versions) == [1, 2]
    assert retired.retired_at is not None and retired.version == 2  # kept, not deleted
    # Naming it again brings it back.
    cli.ok("strategy", "apply", str(EXAMPLE))
    back = cli.json("strategy", "show")
    assert back["version"] == 3
    assert [o["key"] for o in back["goals"][1]["objectives"]] == [
        "self-service-first",
        "faster-changes",
    ]


def test_a_person_who_is_not_a_ci_manager_is_refused_and_it_is_audited(
    cast: None, cli: Cli, tmp_path: Path
) -> None:
    errors = cli.fails("strategy", "apply", str(EXAMPLE), "--as", "Omar Haddad")
    assert errors == ["error: only a CI manager applies the strategy"]
    # Refused before the file is read: a broken file does not tell them more.
    broken = tmp_path / "broken.yaml"
    broken.write_text("goals: [\n", encoding="utf-8")
    errors = cli.fails("strategy", "apply", str(broken), "--as", "Omar Haddad")
    assert errors == ["error: only a CI manager applies the strategy"]
    assert cli.json("strategy", "show")["version"] is None
    assert cli.ok("strategy", "show").stdout == (
        "no strategy applied yet: improve strategy apply strategy.yaml\n"
    )
    events = strategy_events()
    assert [(e.action, e.actor) for e in events] == [("forbidden", "Omar Haddad")] * 2


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda d: d["goals"][0]["objectives"][0].update(owner="Nobody"),
            "goals[0].objectives[0].owner: unknown person 'Nobody' "
            "(add them with: improve people add)",
        ),
        (
            lambda d: d["programmes"][1].update(budget=-5),
            "programmes[1].budget: Input should be greater than or equal to 0",
        ),
        (
            lambda d: d["goals"][1].update(key="reliable-services"),
            "goals[1].key: 'reliable-services' is already the key of goals[0]",
        ),
        (
            lambda d: d["goals"][0]["objectives"][0]["key_results"][0].update(target=12),
            "goals[0].objectives[0].key_results[0]: target 12 must be below the baseline 9.5 "
            "to decrease",
        ),
        (lambda d: d.update(themes=[]), "themes: unknown field"),
    ],
)
def test_a_bad_strategy_file_is_refused_naming_the_file_and_field_and_nothing_is_written(
    cast: None, cli: Cli, tmp_path: Path, change: Any, expected: str
) -> None:
    doc = example()
    change(doc)
    path = write(tmp_path, doc)
    errors = cli.fails("strategy", "apply", path)
    assert errors[0] == f"{path}: {expected}"
    assert errors[-1] == f"error: {path}: 1 problem, nothing was written"
    assert cli.json("strategy", "show")["version"] is None
    with transaction(write=False) as session:
        assert list(session.exec(select(StrategyItem))) == []


def test_a_cycle_in_the_strategy_tree_is_refused_and_nothing_is_written(
    cast: None, cli: Cli, tmp_path: Path
) -> None:
    path = tmp_path / "strategy.yaml"
    goal = "  - key: reliable-services\n    title: Reliable\n    owner: Carmen Ruiz\n"
    path.write_text(f"goals: &goals\n{goal}    objectives: *goals\n")  # a goal inside itself
    errors = cli.fails("strategy", "apply", str(path))
    assert errors == [
        "an alias refers back to a value that holds it (a cycle): write the value out",
        f"error: {path}: 1 problem, nothing was written",
    ]
    assert cli.json("strategy", "show")["version"] is None


def test_a_repeated_key_in_the_yaml_is_refused_with_its_line(
    cast: None, cli: Cli, tmp_path: Path
) -> None:
    path = tmp_path / "strategy.yaml"
    path.write_text("goals: []\ngoals: []\n")
    errors = cli.fails("strategy", "apply", str(path))
    assert errors[0] == "line 2: key 'goals' appears twice in one mapping"


def test_a_key_result_is_recorded_by_its_owner_and_shows_its_progress(cast: None, cli: Cli) -> None:
    cli.ok("strategy", "apply", str(EXAMPLE))
    line = cli.ok(
        "strategy",
        "record",
        "network-mttr-median",
        "7.5",
        "--at",
        "2026-11-01",
        "--as",
        "Priya Nair",
    ).stdout.strip()
    assert line == "network-mttr-median = 7.5 h at 2026-11-01 00:00 UTC recorded"
    cli.ok("strategy", "record", "network-mttr-median", "6", "--at", "2026-11-15")
    result = cli.json("strategy", "show")["goals"][0]["objectives"][0]["key_results"][0]
    baseline, target = 9.5, 4.0
    assert result["latest"] == 6.0
    assert result["achieved_pct"] == pytest.approx((6.0 - baseline) / (target - baseline) * 100)
    assert result["latest_at"].startswith("2026-11-15")
    shown_pct = f"{(6.0 - baseline) / (target - baseline) * 100:.1f} %"  # 63.6 %
    words = cli.ok("strategy", "show").stdout
    assert (
        "    network-mttr-median Median time to restore network incidents: 6 h (baseline 9.5 h, "
        f"target 4 h by 2027-06-30; {shown_pct} of the way, " in words
    )
    assert "  faster-changes Routine changes without a board: nobody serves it yet" in words
    assert (
        "programme service-desk-2027 Service desk 2027 (Grace Kim), budget 120,000 EUR: no "
        in words
    )
    errors = cli.fails("strategy", "record", "network-mttr-median", "5", "--as", "Lena Fischer")
    assert errors == [
        "error: only the owner of key result network-mttr-median or a CI manager records it"
    ]
    assert cli.fails("strategy", "record", "restore-faster", "5") == [
        "error: no key result 'restore-faster' in the strategy (see: improve strategy show)"
    ]
    with transaction(write=False) as session:
        assert len(list(session.exec(select(KeyResultValue)))) == 2
    assert [e.action for e in strategy_events()] == [
        "strategy_applied",
        "key_result_recorded",
        "key_result_recorded",
        "forbidden",
    ]
