"""The owner confirms a measured baseline before the plan is approved (issue 25: the define
stage showed nothing a person confirms). The app in-process through Starlette's TestClient, the
orchestrator a recorder: the page shows the baseline as it was measured (value, when, window,
source) with a button for its owner; the approval warns and needs the box ticked until it is
confirmed; the trail keeps who confirmed which value when. A baseline typed in the file asks
for nothing."""

from __future__ import annotations

import uuid
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from starlette.exceptions import StarletteDeprecationWarning

from ci_workflow.services.lifecycle.gate_opening import open_gate
from ci_workflow.services.lifecycle.stages import define_stage
from ci_workflow.services.people.identity import set_password
from ci_workflow.services.register.browse import audit_trail
from ci_workflow.web import app as web_app
from ci_workflow.web.pages import improvement as improvement_page
from tests.helpers import Cli, improvement_doc, objective_doc, write_yaml
from tests.services.lifecycle.test_decide_channels import Orchestrator
from tests.web.conftest import csrf_of, password_of, sign_in

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

HOURS = 9.25  # every restore in the data took this long: the baseline's mean, whatever its window


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> Orchestrator:
    recorder = Orchestrator()
    monkeypatch.setattr(improvement_page, "PrefectRuns", lambda: recorder)
    return recorder


def waiting(cli: Cli, folder: Path, baseline: float | str) -> None:
    """IMP-0001 at its plan approval, its baseline measured from a CSV of the last 60 days (or
    typed in the file)."""
    today = datetime.now(UTC).date()
    days = [today - timedelta(days=n) for n in range(60)]
    data = folder / "restores.csv"
    rows = [f"INC{n},{d}T00:00:00,{HOURS}" for n, d in enumerate(days)]
    data.write_text("\n".join(["number,opened_at,hours", *rows]) + "\n", encoding="utf-8")
    source = {
        "kind": "csv",
        "path": str(data),
        "timestamp_column": "opened_at",
        "aggregation": "mean",
        "value_column": "hours",
    }
    objective = objective_doc(baseline=baseline, target=6, source=source)
    cli.ok("apply", str(write_yaml(folder, improvement_doc(objectives=[objective]))))
    run = str(uuid.uuid4())
    define_stage(1, run)
    open_gate(1, "plan_approval", 1, run)


def signed_in(email: str) -> TestClient:
    set_password(email, password_of(email), actor="tests", channel="cli", principal="os:t")
    client = TestClient(web_app.create_app(), follow_redirects=False)
    assert sign_in(client, email, password_of(email)).status_code == 303
    return client


def post(client: TestClient, to: str, form: dict[str, str]) -> str:
    sent = client.post(to, data={**form, "csrf": csrf_of(client, "/improvements/IMP-0001")})
    assert sent.status_code == 303, sent.text
    return client.get(sent.headers["location"]).text


def test_the_owner_confirms_the_measured_baseline_before_the_plan_is_approved(
    cli: Cli, people: None, tmp_path: Path, runs: Orchestrator
) -> None:
    waiting(cli, tmp_path, "measure")
    (measured,) = [s for s in cli.json("snapshots", "IMP-0001") if s["kind"] == "baseline"]
    assert measured["value"] == pytest.approx(HOURS)
    at = datetime.fromisoformat(measured["checkpoint_at"])
    line = f"mttr_hours: 9.25 h measured {at:%Y-%m-%d %H:%M} UTC over 30d from the csv source"
    warned = f"The owner has not confirmed the measured baseline {line}"

    omar = signed_in("omar@example.org")  # the process owner, who approves
    page = omar.get("/improvements/IMP-0001").text
    assert f'<li id="baseline-mttr_hours">{line}:' in page
    assert "not confirmed by the owner" in page and "Confirm the mttr_hours baseline" not in page
    pending = omar.get("/api/improvements/IMP-0001").json()["pending"]
    assert [w["text"] for w in pending["warnings"]] == [warned]
    assert pending["confirm_for"] == ["approve"]  # not reject, not rework
    form = {"decision": "approve", "gate": "plan-approval-1"}
    said = post(omar, "/improvements/IMP-0001/decide", form)
    assert "Tick “I have read the warnings” to approve over the 1 warning shown." in said
    assert runs.resumed == []
    refused = omar.post(
        "/improvements/IMP-0001/baselines",
        data={"metric": "mttr_hours", "csrf": csrf_of(omar, "/improvements/IMP-0001")},
    )
    assert refused.status_code == 403

    lena = signed_in("lena@example.org")  # the owner
    assert "Confirm the mttr_hours baseline" in lena.get("/improvements/IMP-0001").text
    said = post(lena, "/improvements/IMP-0001/baselines", {"metric": "mttr_hours"})
    assert f"IMP-0001 baseline confirmed: {line}" in said
    assert "confirmed by Lena Fischer" in said and "Confirm the mttr_hours baseline" not in said
    (confirmed,) = [e for e in audit_trail("IMP-0001")[1] if e.action == "baseline_confirmed"]
    assert (confirmed.actor, confirmed.detail, confirmed.channel) == ("Lena Fischer", line, "web")
    acts = lena.get("/api/improvements/IMP-0001").json()["acts"]
    assert acts["baselines"][0]["confirmed"] is True
    assert acts["baselines"][0]["confirmed_by"] == "Lena Fischer"
    assert cli.ok("confirm-baseline", "IMP-0001", "mttr_hours", "--as", "Lena Fischer").stdout == (
        "IMP-0001 mttr_hours: the baseline was confirmed already\n"
    )

    assert omar.get("/api/improvements/IMP-0001").json()["pending"]["warnings"] == []
    said = post(omar, "/improvements/IMP-0001/decide", form)
    assert "IMP-0001: approve sent to plan-approval-1" in said
    assert len(runs.resumed) == 1


def test_the_cli_approval_names_the_baseline_and_a_typed_baseline_asks_nothing(
    cli: Cli, people: None, tmp_path: Path
) -> None:
    waiting(cli, tmp_path, "measure")
    (line,) = cli.fails("approve", "IMP-0001", "--as", "Omar Haddad")
    assert line.startswith("error: IMP-0001 has 1 warning at plan_approval; approve was not sent")
    assert "The owner has not confirmed the measured baseline mttr_hours: 9.25 h measured" in line
    assert line.endswith("to approve all the same, run the command again with --confirm.")
    assert cli.fails("confirm-baseline", "IMP-0001", "mttr_hours", "--as", "Omar Haddad") == [
        "error: Omar Haddad may not confirm baselines of IMP-0001: only its owner or a CI manager "
        "may"
    ]
    assert cli.fails("confirm-baseline", "IMP-0001", "csat", "--as", "Lena Fischer") == [
        "error: IMP-0001 has no measured baseline 'csat'"
    ]


def test_a_baseline_typed_in_the_file_asks_for_no_confirmation(
    cli: Cli, people: None, tmp_path: Path
) -> None:
    waiting(cli, tmp_path, 9.5)
    omar = signed_in("omar@example.org")
    found = omar.get("/api/improvements/IMP-0001").json()
    assert found["pending"]["warnings"] == [] and found["acts"]["baselines"] == []
    assert 'id="baselines"' not in omar.get("/improvements/IMP-0001").text
