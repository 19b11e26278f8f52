"""Who the CLI says acted (issue 24, #11): the principal is the account of the process's real
user id, whatever $USER says; under IMPROVE_REQUIRE_LOGIN, acting for a person (--as, any
decision) needs `improve login` first, and the refusal is on the record."""

from __future__ import annotations

import json
import os
import pwd
import uuid
from pathlib import Path

import pytest
from sqlmodel import select

from ci_workflow.cli._common import cli_actor
from ci_workflow.domain.stages.gates import Gate
from ci_workflow.services.lifecycle.decide import prepare_decision
from ci_workflow.services.lifecycle.gate_opening import open_gate
from ci_workflow.services.lifecycle.stages import define_stage
from ci_workflow.settings import get_settings
from ci_workflow.store.db import transaction
from ci_workflow.store.tables import AuditEvent
from tests.helpers import Cli, improvement_doc, write_yaml

REAL = pwd.getpwuid(os.getuid()).pw_name
SIGN_IN_FIRST = (
    "error: IMPROVE_REQUIRE_LOGIN is on: the CLI acts for a person only as the one signed in; "
    "run `improve login` first"
)


@pytest.fixture
def waiting(cli: Cli, people: None, tmp_path: Path) -> str:
    """IMP-0001 waits at plan approval; IMP-0002 is identified."""
    for key in ("first", "second"):
        cli.ok("apply", str(write_yaml(tmp_path, improvement_doc(key=key))))
    run = str(uuid.uuid4())
    define_stage(1, run)
    open_gate(1, "plan_approval", 1, run)
    return run


@pytest.fixture
def someone_else(monkeypatch: pytest.MonkeyPatch) -> str:
    """Every variable getpass.getuser reads names another account."""
    other = "omar" if REAL != "omar" else "lena"
    for name in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        monkeypatch.setenv(name, other)
    return other


def test_the_principal_is_the_real_users_account_not_USER(
    cli: Cli, waiting: str, someone_else: str
) -> None:
    assert cli_actor().principal == f"os:{REAL}"
    sent = prepare_decision(
        "IMP-0001", Gate.plan_approval, "approve", actor=cli_actor(), by="Omar Haddad"
    )
    assert (sent.run_input["by"], sent.run_input["principal"]) == ("Omar Haddad", f"os:{REAL}")
    cli.ok("withdraw", "IMP-0002", "--as", "Lena Fischer", "--reason", "dup")
    last = cli.json("audit", "IMP-0002")[-1]
    assert (last["actor"], last["principal"]) == ("Lena Fischer", f"os:{REAL}")


def test_require_login_refuses_acting_for_a_person_without_login(
    cli: Cli, waiting: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IMPROVE_REQUIRE_LOGIN", "true")
    get_settings.cache_clear()
    assert cli.fails("approve", "IMP-0001", "--as", "Omar Haddad") == [SIGN_IN_FIRST]
    assert cli.fails("withdraw", "IMP-0002", "--as", "Lena Fischer", "--reason", "x") == [
        SIGN_IN_FIRST
    ]
    assert cli.fails("record", "IMP-0002", "mttr_hours", "8", "--as", "Priya Nair") == [
        SIGN_IN_FIRST
    ]
    assert [g["id"] for g in cli.json("gates")] == ["IMP-0001"]  # still waiting, unclaimed
    assert cli.json("show", "IMP-0002")["status"] == "identified"
    with transaction(write=False) as session:
        refused = session.exec(select(AuditEvent).where(AuditEvent.action == "forbidden")).all()
        said = [(e.actor, e.channel, e.principal, e.detail) for e in refused]
    assert sorted(said) == sorted(
        (name, "cli", f"os:{REAL}", SIGN_IN_FIRST.removeprefix("error: "))
        for name in ("Lena Fischer", "Priya Nair", f"os:{REAL}")  # the decision: by the account
    )
    # The machine's own administration, for nobody but its account, still works.
    cli.ok("people", "add", "Noor Ali", "--email", "noor@example.org")


def test_require_login_lets_a_signed_in_cli_act(
    cli: Cli, waiting: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IMPROVE_REQUIRE_LOGIN", "true")
    monkeypatch.setenv("IMPROVE_WEB_URL", "https://ci.example.org")
    get_settings.cache_clear()
    token = {"url": "https://ci.example.org", "token": "t", "person": "Lena Fischer"}
    (get_settings().home_dir / "token.json").write_text(json.dumps(token), encoding="utf-8")
    cli.ok("withdraw", "IMP-0002", "--as", "Lena Fischer", "--reason", "dup")
    assert cli.json("show", "IMP-0002")["status"] == "withdrawn"
