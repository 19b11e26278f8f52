"""Who may do what, on every channel, from one table: the web workspace (a signed-in browser),
its API (a personal token), the CLI on the register's machine (``--as``), and an answer typed
into the Prefect UI's form (unsigned, counted under IMPROVE_PREFECT_UI_DECISIONS=allow) as the
flow receives it. An act allowed on one channel is allowed on every other, and a refused one
is refused everywhere, with an audit event."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ci_workflow.services.lifecycle.gate_decisions import Outcome, decide_gate
from ci_workflow.services.lifecycle.gate_opening import open_gate
from ci_workflow.services.register.browse import audit_trail
from tests.helpers import Cli, improvement_doc, write_yaml
from tests.web.conftest import Workspace, csrf_of, password_of
from tests.web.helpers import waiting_at_plan_approval

ROLES = {
    "ci_manager": "carmen@example.org",
    "process_owner": "omar@example.org",  # of the improvement's process
    "other_process_owner": "grace@example.org",
    "owner": "lena@example.org",  # the improvement's owner (improvement_team)
    "team_member": "priya@example.org",  # on its team (data_analyst)
    "outsider": "olaf@example.org",  # registered, no role
    "deactivated": "dora@example.org",  # was a CI manager
}
ACTIONS = (
    "decide_plan_approval",
    "decide_execution_complete",
    "edit",
    "record",
    "withdraw",
    "manage_people",
)
# Y: allowed, N: refused; one column per action, in the order above.
TABLE = {
    "ci_manager": "YYYYYY",
    "process_owner": "YNYNYN",
    "other_process_owner": "NNNNNN",
    "owner": "NYYYYN",
    "team_member": "NYNYNN",
    "outsider": "NNNNNN",
    "deactivated": "NNNNNN",
}
CHANNELS = ("cli", "web", "api", "prefect-ui")
CASES = [
    (channel, role, action, TABLE[role][ACTIONS.index(action)] == "Y")
    for channel, role, action in itertools.product(CHANNELS, ROLES, ACTIONS)
    if channel != "prefect-ui" or action.startswith("decide")
]
_names = itertools.count(1)


@pytest.fixture(scope="module")
def sessions(workspace: Workspace) -> Iterator[dict[str, tuple[httpx.Client, str]]]:
    """For each role: a signed-in browser session and a personal token (the deactivated person
    got both before they were deactivated)."""
    workspace.improve("people", "add", "Olaf Olsen", "--email", ROLES["outsider"])
    workspace.improve(
        "people", "add", "Dora Dale", "--email", ROLES["deactivated"], "--role", "ci_manager"
    )
    for email in (ROLES["outsider"], ROLES["deactivated"]):
        workspace.improve("people", "passwd", email, "--password-stdin", stdin=password_of(email))
    found = {}
    for role, email in ROLES.items():
        token = httpx.post(
            f"{workspace.url}/api/tokens", json={"email": email, "password": password_of(email)}
        ).json()["token"]
        found[role] = (workspace.signed_in(email, for_test=False), token)
    workspace.improve("people", "deactivate", ROLES["deactivated"])
    yield found
    for client, _ in found.values():
        client.close()


def _improvement(space: Workspace, folder: Path, action: str) -> tuple[str, int, Path]:
    """A fresh improvement owned by Lena, in the state the action needs."""
    key = f"perm-{next(_names)}"
    path = write_yaml(folder, improvement_doc(key=key), f"{key}.yaml")
    if action.startswith("decide"):
        shown = waiting_at_plan_approval(space, folder, key=key)
        path = folder / f"{key}.yaml"
    else:
        Cli().ok("apply", str(path))
        from ci_workflow.services.register.browse import show_improvement

        shown = show_improvement(key).id
    number = int(shown.split("-")[1])
    if action == "decide_execution_complete":
        assert (
            decide_gate(
                number, "plan_approval", 1, {"by": "Carmen Ruiz", "decision": "approve"}
            ).for_flow
            == "approve"
        )
        open_gate(number, "execution_complete", 1, str(uuid.uuid4()))
    return shown, number, path


def _via_cli(cli: Cli, email: str, action: str, shown: str, path: Path) -> bool:
    args = {
        "decide_plan_approval": ["approve", shown],
        "decide_execution_complete": ["complete", shown],
        "edit": ["apply", str(path)],
        "record": ["record", shown, "mttr_hours", "7.5"],
        "withdraw": ["withdraw", shown, "--reason", "no longer needed"],
        "manage_people": [
            "people",
            "add",
            f"New {next(_names)}",
            "--email",
            f"new{next(_names)}@example.org",
        ],
    }[action]
    result = cli.run(*args, "--as", email)
    return result.exit_code == 0 or (
        "may not" not in result.stderr and "deactivated" not in result.stderr
    )


def _via_http(
    client: httpx.Client, headers: dict[str, str], action: str, shown: str, path: Path
) -> bool:
    requests: dict[str, tuple[str, dict[str, Any]]] = {
        "decide_plan_approval": (f"/api/improvements/{shown}/decisions", {"decision": "approve"}),
        "decide_execution_complete": (
            f"/api/improvements/{shown}/decisions",
            {"decision": "complete"},
        ),
        "edit": ("/api/apply", {"files": [{"name": path.name, "text": path.read_text()}]}),
        "record": (f"/api/improvements/{shown}/values", {"metric": "mttr_hours", "value": 7.5}),
        "withdraw": (f"/api/improvements/{shown}/withdraw", {"reason": "no longer needed"}),
        "manage_people": (
            "/api/people",
            {"name": f"New {next(_names)}", "email": f"new{next(_names)}@example.org"},
        ),
    }
    where, body = requests[action]
    answer = client.post(where, json=body, headers=headers)
    return answer.status_code not in (401, 403)


@pytest.mark.parametrize(
    ("channel", "role", "action", "allowed"), CASES, ids=[f"{c}-{r}-{a}" for c, r, a, _ in CASES]
)
def test_the_same_rule_holds_on_every_channel(
    use: Workspace,
    sessions: dict[str, tuple[httpx.Client, str]],
    tmp_path: Path,
    channel: str,
    role: str,
    action: str,
    allowed: bool,
) -> None:
    shown, number, path = _improvement(use, tmp_path, action)
    email = ROLES[role]
    if channel == "prefect-ui":  # the flow's own check of an unsigned answer
        from ci_workflow.store.db import transaction
        from ci_workflow.store.people.people import get_person

        with transaction(write=False) as session:
            name = get_person(session, email).name
        gate = "plan_approval" if action == "decide_plan_approval" else "execution_complete"
        decision = "approve" if gate == "plan_approval" else "complete"
        outcome = decide_gate(number, gate, 1, {"by": name, "decision": decision})
        assert (outcome.outcome is not Outcome.refused) == allowed
        return
    if channel == "cli":
        done = _via_cli(Cli(), email, action, shown, path)
    else:
        browser, token = sessions[role]
        if channel == "web":
            headers = {"X-CSRF-Token": csrf_of(browser, "/me")} if role != "deactivated" else {}
            done = _via_http(browser, headers, action, shown, path)
        else:
            with httpx.Client(base_url=use.url, timeout=30) as api:
                done = _via_http(api, {"Authorization": f"Bearer {token}"}, action, shown, path)
    assert done == allowed, (
        f"{role} {action} via {channel}: expected {'allowed' if allowed else 'refused'}"
    )
    if not allowed and role != "deactivated" and action != "manage_people":
        trail = audit_trail(shown)[1]
        assert any(e.action in ("forbidden",) and e.channel == channel for e in trail)
