"""An improvement's file as the register holds it: every field written back as a person would,
secrets masked and kept when the file comes back, and the version an edit is made from."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from ci_workflow.domain.authority.actors import operating_system
from ci_workflow.domain.stages.lifecycle import Status
from ci_workflow.errors import ValidationFailed, VersionConflict
from ci_workflow.services.register.edit import update_improvement
from ci_workflow.services.register.plan_actions import set_action_status
from ci_workflow.services.views.improvement_file import improvement_file
from ci_workflow.store.db import transaction
from ci_workflow.store.register.improvements import change_status, get_improvement
from ci_workflow.store.tables import AuditEvent, Objective
from tests.helpers import Cli, improvement_doc, move_to, objective_doc, write_yaml

ADMIN = operating_system("tests")
SQL_URL = "postgresql://reader:s3cret@db.example.org/itsm"
HTTP = {
    "kind": "http",
    "url": "https://survey.example.org/api/scores",
    "path": "data.average",
    "headers": {"Authorization": "Bearer t0ken"},
    "params": {"api_key": "k3y", "topic": "reset"},
}


def full_doc() -> dict[str, Any]:
    return improvement_doc(
        key="full",
        description="Line one.\nLine two.",
        started="2026-11-09",
        team=["Priya Nair", "Lena Fischer"],
        objectives=[
            objective_doc(),
            objective_doc(
                metric="csat",
                source=dict(HTTP),
                baseline="measure",
                target=4.5,
                direction="increase",
                kpi_kind="customer_satisfaction",
                window="4w",
                unit="",
            ),
            objective_doc(
                metric="tickets",
                source={"kind": "sql", "url": SQL_URL, "query": "SELECT 1"},
                baseline=120,
                target=90,
            ),
        ],
        plan=[
            {
                "action": "Add a routing rule",
                "owner": "Priya Nair",
                "due": "2026-12-15",
                "status": "in_progress",
                "change": "CHG0001234",
            },
            {"action": "Train the agents", "owner": "Lena Fischer"},
        ],
        checkpoints={"cron": "0 7 * * 2"},
        sustain="12w",
        sustain_keep="80%",
        service_owner_signoff=True,
        wsjf={"business_value": 8, "time_criticality": 5, "risk_reduction": 3, "effort": 5},
    )


def events(action: str | None = None) -> list[AuditEvent]:
    with transaction(write=False) as session:
        query = select(AuditEvent).where(AuditEvent.improvement_id == 1)
        found = session.exec(query.order_by(AuditEvent.id)).all()  # type: ignore[arg-type]
        return [e for e in found if action is None or e.action == action]


def stored_sources() -> dict[str, dict[str, Any]]:
    with transaction(write=False) as session:
        return {o.metric: o.source for o in session.exec(select(Objective)).all()}


def test_the_file_holds_every_field_as_a_person_writes_it(
    people: None, cli: Cli, tmp_path: Path
) -> None:
    cli.ok("apply", str(write_yaml(tmp_path, full_doc())))
    found = improvement_file("full")
    (created,) = events("created")
    assert (found.id, found.key, found.version) == ("IMP-0001", "full", created.id)
    assert found.document == {
        "key": "full",
        "title": "Cut the time to restore network incidents",
        "type": "incremental",
        "source": "incident_trend",
        "process": "Incident Management",
        "service": "Corporate Network",
        "description": "Line one.\nLine two.",
        "vision": "Network incidents restored the same day.",
        "owner": "Lena Fischer",
        "process_owner": "Omar Haddad",
        "team": ["Lena Fischer", "Priya Nair"],
        "strategic_impact": 4,
        "feasibility": 3,
        "estimated_cost": 12000,
        "expected_gain": 45000,
        "identified": date(2026, 11, 2),
        "started": date(2026, 11, 9),
        "objectives": [
            {
                "metric": "mttr_hours",
                "description": "Mean time to restore",
                "unit": "h",
                "window": "30d",
                "source": {"kind": "manual"},
                "baseline": 9.5,
                "target": 6,
                "direction": "decrease",
                "due": date(2027, 3, 31),
                "kpi_kind": "service_performance",
            },
            {
                "metric": "csat",
                "description": "Mean time to restore",
                "window": "4w",
                "source": {
                    "kind": "http",
                    "url": "https://survey.example.org/api/scores",
                    "path": "data.average",
                    "timeout": 10,
                    "retries": 2,
                    "headers": {"Authorization": "***"},
                    "params": {"api_key": "***", "topic": "***"},
                },
                "baseline": "measure",
                "target": 4.5,
                "direction": "increase",
                "due": date(2027, 3, 31),
                "kpi_kind": "customer_satisfaction",
            },
            {
                "metric": "tickets",
                "description": "Mean time to restore",
                "unit": "h",
                "window": "30d",
                "source": {
                    "kind": "sql",
                    "url": "postgresql://reader:***@db.example.org/itsm",
                    "query": "SELECT 1",
                    "timeout": 30,
                },
                "baseline": 120,
                "target": 90,
                "direction": "decrease",
                "due": date(2027, 3, 31),
                "kpi_kind": "service_performance",
            },
        ],
        "plan": [
            {
                "action": "Add a routing rule",
                "owner": "Priya Nair",
                "due": date(2026, 12, 15),
                "status": "in_progress",
                "change": "CHG0001234",
            },
            {"action": "Train the agents", "owner": "Lena Fischer", "status": "planned"},
        ],
        "checkpoints": {"cron": "0 7 * * 2"},
        "sustain": "84d",
        "sustain_keep": "80%",
        "service_owner_signoff": True,
        "wsjf": {"business_value": 8, "time_criticality": 5, "risk_reduction": 3, "effort": 5},
    }
    text = found.text
    assert text.startswith(f"# IMP-0001 as the register holds it, version {created.id}.\n")
    assert "description: |-\n  Line one.\n  Line two.\n" in text
    assert "s3cret" not in text and "t0ken" not in text and "k3y" not in text


def test_the_file_applied_back_changes_nothing_and_keeps_every_secret(
    people: None, cli: Cli, tmp_path: Path
) -> None:
    cli.ok("apply", str(write_yaml(tmp_path, full_doc())))
    before, version = stored_sources(), improvement_file("full").version
    back = tmp_path / "back"
    back.mkdir()
    (back / "full.yaml").write_text(improvement_file("full").text, encoding="utf-8")
    assert cli.ok("apply", str(back / "full.yaml")).stdout == "IMP-0001 unchanged: full\n"
    assert stored_sources() == before and before["tickets"]["url"] == SQL_URL
    assert before["csat"]["headers"] == {"Authorization": "Bearer t0ken"}
    assert improvement_file("full").version == version
    # A field next to a kept secret changes; the secret stays what it was.
    text = improvement_file("full").text.replace("timeout: 10", "timeout: 20")
    (back / "full.yaml").write_text(text, encoding="utf-8")
    assert (
        cli.ok("apply", str(back / "full.yaml")).stdout == "IMP-0001 updated: full (objectives)\n"
    )
    after = stored_sources()["csat"]
    assert after == {**before["csat"], "timeout": 20.0}
    (updated,) = events("updated")
    assert "t0ken" not in updated.detail and "k3y" not in updated.detail
    assert improvement_file("full").version == updated.id > version


def test_a_mask_sent_to_another_address_or_standing_for_nothing_is_a_problem(
    people: None, cli: Cli, tmp_path: Path
) -> None:
    cli.ok("apply", str(write_yaml(tmp_path, full_doc())))
    before, version = stored_sources(), improvement_file("full").version
    moved = (
        improvement_file("full")
        .text.replace(
            "https://survey.example.org/api/scores", "https://attacker.example.net/collect"
        )
        .replace("@db.example.org/itsm", "@db.attacker.example.net/itsm")
    )
    back = tmp_path / "back"
    back.mkdir()
    (back / "full.yaml").write_text(moved, encoding="utf-8")
    lines = cli.fails("apply", str(back / "full.yaml"))
    where = f"{back / 'full.yaml'}: "
    said = "'***' stands for a secret this register does not hold for this source; write the secret itself"
    assert lines == [
        f"{where}objectives[1].source.headers.Authorization: {said}",
        f"{where}objectives[1].source.params.api_key: {said}",
        f"{where}objectives[1].source.params.topic: {said}",
        f"{where}objectives[2].source.url: {said}",
        f"error: {back / 'full.yaml'}: 4 problems, nothing was written",
    ]
    assert stored_sources() == before and improvement_file("full").version == version
    # Under another key (another register, a copy), no mask stands for anything.
    (back / "full.yaml").write_text(
        improvement_file("full").text.replace("key: full", "key: copy"), encoding="utf-8"
    )
    assert len(cli.fails("apply", str(back / "full.yaml"))) == 5
    assert cli.json("list")[0]["key"] == "full" and len(cli.json("list")) == 1


def test_the_version_moves_only_with_what_the_file_holds(
    people: None, cli: Cli, tmp_path: Path
) -> None:
    cli.ok("apply", str(write_yaml(tmp_path, full_doc())))
    (created,) = events("created")
    move_to("approved", "IMP-0001")  # status changes: the file is the same
    assert improvement_file("full").version == created.id
    set_action_status("full", 1, "done", actor=ADMIN)
    (progress,) = events("plan_progress")
    assert improvement_file("full").version == progress.id
    with transaction() as session:  # the lifecycle moves it to executing
        improvement = get_improvement(session, "full")
        change_status(session, improvement, Status.executing, actor="test", reason="test")
    executing = [e for e in events("status_changed") if e.to_status == "executing"]
    assert improvement_file("full").version == executing[0].id > progress.id


def test_an_edit_from_an_older_version_is_refused_with_what_changed_since(
    people: None, cli: Cli, tmp_path: Path
) -> None:
    cli.ok("apply", str(write_yaml(tmp_path, full_doc())))
    start = improvement_file("full")
    mine = {**start.document, "scope": "Only the LAN"}
    theirs = write_yaml(tmp_path, {**full_doc(), "title": "Restore network incidents faster"})
    cli.ok("apply", str(theirs))
    (updated,) = events("updated")
    with pytest.raises(VersionConflict) as conflict:
        update_improvement("full", mine, version=start.version, actor=ADMIN)
    assert conflict.value.version == updated.id
    assert str(conflict.value) == (
        f"IMP-0001 changed since version {start.version} (it is at version {updated.id} now): "
        f"nothing was written; start again from version {updated.id}"
    )
    assert [
        (c["version"], c["action"], c["fields"], c["detail"]) for c in conflict.value.changes
    ] == [
        (
            updated.id,
            "updated",
            ["title"],
            "changed title from full.yaml: title 'Cut the time to restore network incidents' → "
            "'Restore network incidents faster'",
        ),
    ]
    shown = cli.json("show", "full")
    assert (shown["title"], shown["scope"]) == ("Restore network incidents faster", "")
    # From the version now: their title stays, the scope is changed, the secrets kept.
    again = {**improvement_file("full").document, "scope": "Only the LAN"}
    edited = update_improvement("full", again, version=updated.id, actor=ADMIN)
    assert (edited.outcome, edited.changed) == ("updated", ("scope",))
    assert edited.version == events("updated")[-1].id > updated.id
    assert stored_sources()["tickets"]["url"] == SQL_URL
    with pytest.raises(ValidationFailed) as refused:
        update_improvement("full", {**again, "key": "other"}, version=-1, actor=ADMIN)
    assert refused.value.problems == [
        "key: IMP-0001's key is 'full'; a key cannot change (sent 'other')"
    ]
