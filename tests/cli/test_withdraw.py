"""Withdrawing: who may, what it records, and what is refused."""

from pathlib import Path

import pytest

from tests.helpers import Cli, improvement_doc, write_yaml


@pytest.fixture
def registered(cli: Cli, people: None, tmp_path: Path) -> None:
    cli.ok("apply", str(write_yaml(tmp_path, improvement_doc())))


@pytest.mark.parametrize("who", ["Lena Fischer", "omar@example.org", "Carmen Ruiz"])
def test_owner_process_owner_and_ci_manager_may_withdraw(
    cli: Cli, registered: None, who: str
) -> None:
    out = cli.ok("withdraw", "IMP-0001", "--as", who, "--reason", "Superseded by the SD project")
    assert out.stdout.strip() == "IMP-0001 withdrawn"
    shown = cli.json("show", "IMP-0001")
    assert shown["status"] == "withdrawn" and shown["completed_at"] is not None
    last = cli.json("audit", "IMP-0001")[-1]
    assert (last["action"], last["from_status"], last["to_status"], last["detail"]) == (
        "status_changed",
        "identified",
        "withdrawn",
        "Superseded by the SD project",
    )


def test_someone_else_is_refused_and_nothing_changes(cli: Cli, registered: None) -> None:
    assert cli.fails("withdraw", "IMP-0001", "--as", "Grace Kim", "--reason", "no") == [
        "error: Grace Kim may not withdraw IMP-0001: only its owner, a process owner of "
        "'Incident Management' or a CI manager may"
    ]
    assert cli.json("show", "IMP-0001")["status"] == "identified"
    _, refused = cli.json("audit", "IMP-0001")  # the refusal is on the record
    assert (refused["action"], refused["actor"], refused["channel"]) == (
        "forbidden",
        "Grace Kim",
        "cli",
    )
    assert refused["principal"].startswith("os:")


def test_unknown_people_and_ids_are_clear_and_a_second_withdrawal_changes_nothing(
    cli: Cli, registered: None
) -> None:
    assert cli.fails("withdraw", "IMP-0001", "--as", "Mallory", "--reason", "x") == [
        "error: unknown person 'Mallory' (see `improve people list`)"
    ]
    assert cli.fails("withdraw", "IMP-0009", "--as", "Carmen Ruiz", "--reason", "x") == [
        "error: no improvement 'IMP-0009' in the register"
    ]
    cli.ok("withdraw", "IMP-0001", "--as", "Carmen Ruiz", "--reason", "dup")
    # Again (after Prefect was unreachable, say): allowed, and it changes nothing more.
    again = cli.ok("withdraw", "IMP-0001", "--as", "Carmen Ruiz", "--reason", "again")
    assert again.stdout.strip() == "IMP-0001 withdrawn"
    moves = [e for e in cli.json("audit", "IMP-0001") if e["to_status"] == "withdrawn"]
    assert [e["detail"] for e in moves] == ["dup"]
    assert cli.fails("withdraw", "IMP-0001", "--as", "Grace Kim", "--reason", "x") == [
        "error: Grace Kim may not withdraw IMP-0001: only its owner, a process owner of "
        "'Incident Management' or a CI manager may"
    ]
    assert cli.fails("withdraw", "IMP-0001", "--as", "Carmen Ruiz", "--reason", "  ", code=2) == [
        "error: a reason is required to withdraw an improvement"
    ]
