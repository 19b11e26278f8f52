"""Improvements name the strategic objectives they serve and their programme: checked against
the strategy in force, kept, audited, given back by the file, and guarding the strategy."""

from __future__ import annotations

from pathlib import Path

import yaml

from ci_workflow.services.views.improvement_file import improvement_file
from ci_workflow.store.audit import events_for
from ci_workflow.store.db import transaction
from ci_workflow.store.register.file_versions import versions_of
from tests.helpers import Cli, improvement_doc, move_to, write_yaml
from tests.services.register.test_strategy import EXAMPLE, cast, example, write

__all__ = ["cast"]  # the fixture, shared

SERVES = [
    {"objective": "restore-faster", "contribution": "network MTTR from 9.5 h to 6 h"},
    "fewer-repeat-incidents",
]


def test_an_improvement_serves_objectives_and_the_file_gives_them_back(
    cast: None, cli: Cli, tmp_path: Path
) -> None:
    cli.ok("strategy", "apply", str(EXAMPLE))
    doc = improvement_doc(serves=SERVES, programme="network-resilience")
    assert cli.ok("apply", str(write_yaml(tmp_path, doc))).stdout == (
        "IMP-0001 created: network-mttr\n"
    )
    held = improvement_file("network-mttr")
    assert held.document["serves"] == SERVES
    assert held.document["programme"] == "network-resilience"
    back = tmp_path / "back"
    back.mkdir()
    (back / "f.yaml").write_text(held.text, encoding="utf-8")
    assert cli.ok("apply", str(back / "f.yaml")).stdout == "IMP-0001 unchanged: network-mttr\n"
    shown = cli.json("strategy", "show")
    reliable = shown["goals"][0]["objectives"]
    assert [o["served_by"] for o in reliable] == [["IMP-0001"], ["IMP-0001"]]
    assert shown["programmes"][1]["improvements"] == ["IMP-0001"]
    assert shown["programmes"][0]["improvements"] == []


def test_changing_what_it_serves_is_an_audited_update(cast: None, cli: Cli, tmp_path: Path) -> None:
    cli.ok("strategy", "apply", str(EXAMPLE))
    cli.ok("apply", str(write_yaml(tmp_path, improvement_doc(serves=SERVES))))
    with transaction(write=False) as session:
        before = versions_of(session, [1])[1]
    doc = improvement_doc(serves=["self-service-first"], programme="service-desk-2027")
    out = cli.ok("apply", str(write_yaml(tmp_path, doc))).stdout
    assert out == "IMP-0001 updated: network-mttr (serves, programme)\n"
    with transaction(write=False) as session:
        last = events_for(session, 1)[-1]
        assert versions_of(session, [1])[1] > before  # the file's version moved
    assert last.action == "updated"
    assert last.detail == (
        "changed serves, programme from network-mttr.yaml: serves 'restore-faster (network "
        "MTTR from 9.5 h to 6 h), fewer-repeat-incidents' → 'self-service-first'; "
        "programme — → 'service-desk-2027'"
    )
    assert improvement_file("network-mttr").document["serves"] == ["self-service-first"]


def test_an_unknown_objective_or_programme_is_refused_naming_the_file_and_field(
    cast: None, cli: Cli, tmp_path: Path
) -> None:
    cli.ok("strategy", "apply", str(EXAMPLE))
    doc = improvement_doc(serves=["restore-faster", "world-peace"], programme="moonshot")
    path = write_yaml(tmp_path, doc)
    errors = cli.fails("apply", str(path))
    assert errors == [
        f"{path}: serves[1].objective: unknown strategic objective 'world-peace' "
        "(see: improve strategy show)",
        f"{path}: programme: unknown programme 'moonshot' (see: improve strategy show)",
        f"error: {path}: 2 problems, nothing was written",
    ]
    assert cli.json("list") == []


def test_an_objective_twice_is_refused(cast: None, cli: Cli, tmp_path: Path) -> None:
    cli.ok("strategy", "apply", str(EXAMPLE))
    path = write_yaml(tmp_path, improvement_doc(serves=["restore-faster", "restore-faster"]))
    assert cli.fails("apply", str(path))[0] == (
        f"{path}: serves: objective 'restore-faster' appears twice"
    )


def test_a_served_objective_or_used_programme_cannot_leave_the_strategy(
    cast: None, cli: Cli, tmp_path: Path
) -> None:
    cli.ok("strategy", "apply", str(EXAMPLE))
    doc = improvement_doc(serves=["restore-faster"], programme="network-resilience")
    cli.ok("apply", str(write_yaml(tmp_path, doc)))
    strategy = example()
    strategy["goals"][0]["objectives"].pop(0)
    strategy["programmes"].pop(1)
    path = write(tmp_path, strategy)
    errors = cli.fails("strategy", "apply", path)
    assert errors == [
        f"{path}: restore-faster: served by IMP-0001; change their files first",
        f"{path}: network-resilience: the programme of IMP-0001; change their files first",
        f"error: {path}: 2 problems, nothing was written",
    ]
    assert cli.json("strategy", "show")["version"] == 1
    # Once the improvement serves something else, the objective may go.
    cli.ok("apply", str(write_yaml(tmp_path, improvement_doc(serves=["fewer-repeat-incidents"]))))
    strategy["programmes"] = example()["programmes"]
    assert cli.ok("strategy", "apply", write(tmp_path, strategy)).stdout.splitlines()[-1] == (
        "strategy version 2"
    )
    assert yaml.safe_load(improvement_file("network-mttr").text)["serves"] == [
        "fewer-repeat-incidents"
    ]


def test_a_closed_improvement_does_not_hold_the_strategy_back(
    cast: None, cli: Cli, tmp_path: Path
) -> None:
    cli.ok("strategy", "apply", str(EXAMPLE))
    doc = improvement_doc(serves=["restore-faster"], programme="network-resilience")
    cli.ok("apply", str(write_yaml(tmp_path, doc)))
    move_to("closed")  # its file cannot change any more
    strategy = example()
    strategy["goals"][0]["objectives"].pop(0)
    strategy["programmes"].pop(1)
    out = cli.ok("strategy", "apply", write(tmp_path, strategy)).stdout
    assert "objective restore-faster: removed" in out
    assert out.splitlines()[-1] == "strategy version 2"
    # Its history still says what it served.
    assert improvement_file("network-mttr").document["serves"] == ["restore-faster"]
