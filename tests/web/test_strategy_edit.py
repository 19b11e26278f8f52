"""The strategy edited in the workspace: /strategy and /api/strategy for CI managers (preview,
apply, problems named on the page with nothing written, a version conflict), 403 for anyone
else (audited), secrets of key results' sources never shown; ``improve strategy apply`` through
the workspace when the CLI is logged in."""

from __future__ import annotations

import html
import re
import subprocess
from pathlib import Path
from typing import Any

import httpx
import yaml
from sqlmodel import select

from ci_workflow.store.db import transaction
from ci_workflow.store.tables import AuditEvent
from tests.helpers import Cli
from tests.processes import improve_command
from tests.services.register.test_strategy import EXAMPLE, example
from tests.web.conftest import Workspace, csrf_of, password_of
from tests.web.test_portfolio import text_of

CARMEN, OMAR = "carmen@example.org", "omar@example.org"
NEW_OBJECTIVE = {
    "key": "web-edited-{n}",
    "title": "Objective <b>typed</b> in the workspace",
    "owner": "Grace Kim",
}


def events(action: str) -> list[dict[str, Any]]:
    with transaction(write=False) as session:
        found = session.exec(select(AuditEvent).where(AuditEvent.action == action)).all()
        return [e.model_dump() for e in found]


def held(client: httpx.Client) -> dict[str, Any]:
    answer = client.get("/api/strategy")
    assert answer.status_code == 200, answer.text
    shown: dict[str, Any] = answer.json()
    return shown


def with_new_objective(text: str, n: int) -> tuple[str, str]:
    doc = yaml.safe_load(text)
    objective = {**NEW_OBJECTIVE, "key": NEW_OBJECTIVE["key"].format(n=n)}
    doc["goals"][1]["objectives"].append(objective)
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), objective["key"]


def textarea_of(page: str) -> str:
    found = re.search(r'<textarea id="text"[^>]*>(.*?)</textarea>', page, re.S)
    assert found, "no text box"
    return html.unescape(found.group(1))


def test_a_ci_manager_previews_then_applies_an_edit_and_errors_write_nothing(
    use: Workspace,
) -> None:
    Cli().ok("strategy", "apply", str(EXAMPLE))
    carmen = use.signed_in(CARMEN)
    page = carmen.get("/strategy")
    assert page.status_code == 200
    assert '<a href="/strategy">Strategy</a>' in carmen.get("/").text  # in the nav
    assert 'href="/strategy">Edit the strategy</a>' in carmen.get("/portfolio").text
    before = held(carmen)
    assert textarea_of(page.text) == before["document"]
    assert f"Editing version {before['version']}" in text_of(page.text)
    text, key = with_new_objective(before["document"], before["version"])
    token = csrf_of(carmen, "/strategy")
    form = {"csrf": token, "text": text, "version": str(before["version"])}
    preview = carmen.post("/strategy", data={**form, "act": "preview"})
    assert preview.status_code == 200
    words = text_of(preview.text)
    assert "Applying it would change 1 item" in words
    assert f"objective {key} created" in words
    assert "Objective &lt;b&gt;typed&lt;/b&gt;" in preview.text  # escaped in the text box
    assert held(carmen)["version"] == before["version"]  # a preview writes nothing

    # A problem: named with its field, the text kept as typed, nothing written.
    broken = text.replace("owner: Grace Kim\n", "owner: Nobody\n", 1)
    wrong = carmen.post("/strategy", data={**form, "text": broken, "act": "apply"})
    assert wrong.status_code == 422
    assert "Nothing was applied: 1 problem" in text_of(wrong.text)
    assert (
        "strategy.yaml: goals[1].objectives[0].owner: unknown person 'Nobody' "
        "(add them with: improve people add)"
    ) in text_of(wrong.text)
    assert textarea_of(wrong.text) == broken
    assert held(carmen)["version"] == before["version"]

    applied = carmen.post("/strategy", data={**form, "act": "apply"})
    assert applied.status_code == 303
    after = carmen.get("/strategy")
    assert f"Strategy version {before['version'] + 1} applied." in text_of(after.text)
    shown = Cli().json("strategy", "show")
    assert shown["version"] == before["version"] + 1
    assert key in [o["key"] for o in shown["goals"][1]["objectives"]]
    (event,) = [e for e in events("strategy_applied") if key in e["detail"]]
    assert (event["actor"], event["channel"]) == ("Carmen Ruiz", "web")

    # Edited from a version no longer held: refused, nothing written.
    stale = carmen.post("/strategy", data={**form, "act": "apply"})
    assert stale.status_code == 409
    assert "the strategy changed since you opened it" in text_of(stale.text)
    assert Cli().json("strategy", "show")["version"] == before["version"] + 1


def test_a_process_owner_is_refused_on_every_channel_and_it_is_audited(use: Workspace) -> None:
    Cli().ok("strategy", "apply", str(EXAMPLE))
    omar = use.signed_in(OMAR)
    assert omar.get("/strategy").status_code == 403
    assert '<a href="/strategy">' not in omar.get("/").text
    assert "Edit the strategy" not in omar.get("/portfolio").text
    token = _csrf_any(omar)
    sent = omar.post("/strategy", data={"csrf": token, "text": "goals: []\n", "act": "apply"})
    assert sent.status_code == 403
    assert omar.get("/api/strategy").status_code == 403
    api = omar.post("/api/strategy", json={"text": "goals: []\n"}, headers={"X-CSRF-Token": token})
    assert api.status_code == 403
    assert Cli().json("strategy", "show")["goals"]  # nothing was emptied
    refusals = [e for e in events("forbidden") if e["actor"] == "Omar Haddad"]
    assert len([e for e in refusals if "may not edit the strategy" in e["detail"]]) >= 4


def _csrf_any(client: httpx.Client) -> str:
    """The session's CSRF token, from a page every signed-in person sees."""
    return csrf_of(client, "/me")


def test_the_json_twin_previews_and_applies_and_source_secrets_are_never_shown(
    use: Workspace, tmp_path: Path
) -> None:
    doc = example()
    secret = "Bearer s3cret-token-value"
    doc["goals"][1]["objectives"][0]["key_results"][0].update(
        source={
            "kind": "http",
            "url": "https://metrics.example.org/self-service",
            "path": "share",
            "headers": {"Authorization": secret},
        }
    )
    path = tmp_path / "strategy.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    Cli().ok("strategy", "apply", str(path))
    carmen = use.signed_in(CARMEN)
    shown = held(carmen)
    assert shown["masked"] is True and secret not in shown["document"]
    assert "Authorization: '***'" in shown["document"]
    assert secret not in carmen.get("/strategy").text
    token = _csrf_any(carmen)
    headers = {"X-CSRF-Token": token}
    # Applied back as shown: the mask keeps the secret held, so nothing changes.
    same = carmen.post(
        "/api/strategy",
        json={"text": shown["document"], "version": shown["version"]},
        headers=headers,
    )
    assert same.status_code == 200, same.text
    assert same.json()["version"] is None
    assert {c["outcome"] for c in same.json()["changes"]} == {"unchanged"}
    text, key = with_new_objective(shown["document"], shown["version"])
    preview = carmen.post(
        "/api/strategy", json={"text": text, "preview": True}, headers=headers
    ).json()
    assert preview["version"] is None
    assert [c for c in preview["changes"] if c["outcome"] != "unchanged"] == [
        {"kind": "objective", "key": key, "outcome": "created", "changed": []}
    ]
    applied = carmen.post("/api/strategy", json={"text": text}, headers=headers).json()
    assert applied["version"] == shown["version"] + 1
    bad = carmen.post(
        "/api/strategy",
        json={"text": text.replace("baseline: 9.5", "baseline: high")},
        headers=headers,
    )
    assert bad.status_code == 400
    assert bad.json()["problems"] == [
        "strategy.yaml: goals[0].objectives[0].key_results[0].baseline: Input should be a "
        "valid number"
    ]


def test_strategy_apply_goes_through_the_workspace_when_the_cli_is_logged_in(
    use: Workspace, tmp_path: Path
) -> None:
    Cli().ok("strategy", "apply", str(EXAMPLE))
    env = {**use.env, "IMPROVE_HOME": str(tmp_path / "cli-home")}  # another machine

    def there(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*improve_command(), *args],
            env=env,
            input=stdin,
            text=True,
            capture_output=True,
            timeout=120,
        )

    for email in (OMAR, CARMEN):
        logged = there("login", "--email", email, "--password-stdin", stdin=password_of(email))
        assert logged.returncode == 0, logged.stderr
        version = Cli().json("strategy", "show")["version"]
        text, key = with_new_objective(EXAMPLE.read_text(), version + 100)
        file = tmp_path / f"{email}.yaml"
        file.write_text(text)
        applied = there("strategy", "apply", str(file))
        if email == OMAR:
            assert applied.returncode == 1
            assert "may not edit the strategy" in applied.stderr
            continue
        assert applied.returncode == 0, applied.stderr
        assert f"objective {key}: created" in applied.stdout
        assert applied.stdout.splitlines()[-1] == f"strategy version {version + 1}"
        (event,) = [e for e in events("strategy_applied") if key in e["detail"]]
        assert (event["actor"], event["channel"]) == ("Carmen Ruiz", "api")
