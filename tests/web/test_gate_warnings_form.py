"""The decision form where warnings stand (the app in-process, through Starlette's TestClient,
the orchestrator a recorder): the page and its JSON twin show them; signing off needs the
ticked box, checked by the server; the API needs "confirm": true; the trail says who confirmed."""

from __future__ import annotations

import uuid
import warnings
from pathlib import Path

import pytest
from starlette.exceptions import StarletteDeprecationWarning

from ci_workflow.services.lifecycle.gate_opening import open_gate
from ci_workflow.services.lifecycle.stages import define_stage
from ci_workflow.services.people.identity import set_password
from ci_workflow.services.register.browse import audit_trail
from ci_workflow.web import app as web_app
from ci_workflow.web.pages import improvement as improvement_page
from tests.helpers import Cli, improvement_doc, write_yaml
from tests.services.lifecycle.test_decide_channels import Orchestrator
from tests.services.lifecycle.test_gate_warnings import failing  # noqa: F401 (a fixture)
from tests.web.conftest import csrf_of, password_of, sign_in

with warnings.catch_warnings():
    # Starlette now asks for the httpx2 fork, which the project does not install; its client
    # works on httpx as it always did.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

WARNED = "2 of 2 objectives (mttr_hours, reopen_rate) have no measurement"


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> Orchestrator:
    """What the workspace sends to Prefect, kept: no Prefect server in these tests."""
    recorder = Orchestrator()
    monkeypatch.setattr(improvement_page, "PrefectRuns", lambda: recorder)
    return recorder


@pytest.fixture
def client(failing: None, cli: Cli) -> TestClient:  # noqa: F811
    for email in ("omar@example.org", "lena@example.org"):
        set_password(email, password_of(email), actor="tests", channel="cli", principal="os:t")
    return TestClient(web_app.create_app(), follow_redirects=False)


def test_signing_off_over_warnings_needs_the_box_ticked(
    client: TestClient, runs: Orchestrator
) -> None:
    open_gate(1, "review_signoff", 1, "run-1")
    assert sign_in(client, "omar@example.org", password_of("omar@example.org")).status_code == 303
    page = client.get("/improvements/IMP-0001").text
    assert 'id="warnings"' in page and WARNED in page
    assert 'type="checkbox" id="confirm" name="confirm" value="yes"' in page
    twin = client.get("/api/improvements/IMP-0001").json()["pending"]
    assert twin["warnings"][0]["text"].startswith(WARNED) and twin["confirm_for"] == ["accept"]

    form = {"decision": "accept", "gate": "review-signoff-1", "lessons": "Watch the source"}
    sent = client.post("/improvements/IMP-0001/decide", data={**form, "csrf": csrf(client)})
    said = client.get(sent.headers["location"]).text
    assert "Tick “I have read the warnings” to accept over the 1 warning shown." in said
    assert runs.resumed == []  # nothing sent, nothing claimed: the form can be sent again
    form["confirm"] = "yes"
    sent = client.post("/improvements/IMP-0001/decide", data={**form, "csrf": csrf(client)})
    said = client.get(sent.headers["location"]).text
    assert "IMP-0001: accept sent to review-signoff-1" in said
    ((_, key, answer),) = runs.resumed
    assert key == "review-signoff-1" and "confirm" not in answer  # not part of the answer
    confirmed = [e for e in audit_trail("IMP-0001")[1] if e.action == "warnings_confirmed"]
    assert len(confirmed) == 1 and confirmed[0].channel == "web"
    assert confirmed[0].principal == "omar@example.org"
    assert "Omar Haddad confirmed accept at review-signoff-1 over 1 warning" in confirmed[0].detail


def test_the_api_needs_confirm_true(
    client: TestClient, runs: Orchestrator, cli: Cli, tmp_path: Path
) -> None:
    open_gate(1, "execution_complete", 1, "run-1")
    answer = client.post(
        "/api/tokens",
        json={"email": "lena@example.org", "password": password_of("lena@example.org")},
    )
    bearer = {"Authorization": f"Bearer {answer.json()['token']}"}
    refused = client.post(
        "/api/improvements/IMP-0001/decisions", json={"decision": "complete"}, headers=bearer
    )
    assert refused.status_code == 400
    assert WARNED in refused.json()["error"]
    assert refused.json()["error"].endswith('To complete all the same, send "confirm": true.')
    assert runs.resumed == []
    taken = client.post(
        "/api/improvements/IMP-0001/decisions",
        json={"decision": "complete", "confirm": True},
        headers=bearer,
    )
    assert taken.status_code == 200, taken.text
    assert [key for _, key, _ in runs.resumed] == ["execution-complete-1"]
    # No warning, nothing to confirm: a plan approved as ever.
    cli.ok("apply", str(write_yaml(tmp_path, improvement_doc(key="clean"), "clean.yaml")))
    run = str(uuid.uuid4())
    define_stage(2, run)
    open_gate(2, "plan_approval", 1, run)
    clean = client.get("/api/improvements/IMP-0002", headers=bearer).json()["pending"]
    assert (clean["warnings"], clean["confirm_for"]) == ([], [])


def csrf(client: TestClient) -> str:
    return csrf_of(client, "/improvements/IMP-0001")
