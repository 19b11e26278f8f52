"""Ideas from staff: submitted by anyone registered, triaged among the opportunities, and the
submitter told by e-mail what became of theirs."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import select

from ci_workflow.store.db import transaction
from ci_workflow.store.tables import AuditEvent
from tests.helpers import Cli
from tests.services.conftest import Outbox, body


def test_an_idea_is_submitted_accepted_and_its_submitter_told(
    cli: Cli,
    people: None,
    mail: Outbox,
    tmp_path: Path,
) -> None:
    idea = cli.json(
        "ideas",
        "submit",
        "Let callers see their ticket's status",
        "--description",
        "Half the calls ask *where is my ticket*\x1b[31m",
        "--as",
        "Priya Nair",
    )
    assert (idea["kind"], idea["status"], idea["group"]) == ("staff_idea", "new", "Priya Nair")
    assert idea["evidence"]["idea"] == "Half the calls ask *where is my ticket*"  # no escapes
    again = cli.fails(
        "ideas",
        "submit",
        "Let callers see their ticket's status",
        "--description",
        "Half the calls ask *where is my ticket*\x1b[31m",
        "--as",
        "Priya Nair",
        code=2,
    )
    assert again == ["error: Priya Nair already submitted this idea"]
    refused = cli.fails(
        "opportunities", "accept", str(idea["number"]), "--as", "Lena Fischer", code=1
    )
    assert "may not accept or dismiss opportunities" in refused[0]
    assert mail.received == []
    out = cli.ok("opportunities", "accept", str(idea["number"]), "--as", "Omar Haddad").stdout
    assert out.startswith("IMP-0001 registered from opportunity")
    shown = cli.json("show", "IMP-0001")
    assert (shown["title"], shown["source"], shown["status"], shown["owner"]) == (
        "Let callers see their ticket's status",
        "staff_idea",
        "identified",
        "Omar Haddad",
    )
    assert shown["objectives"] == [] and "from Priya Nair" in shown["description"]
    (told,) = mail.received
    assert told["To"] == "priya@example.org"
    assert told["Subject"] == "Your idea: Let callers see their ticket's status"
    assert "accepted by Omar Haddad into the register as IMP-0001" in body(told)


def test_a_dismissed_idea_tells_its_submitter_why(
    cli: Cli,
    people: None,
    mail: Outbox,
) -> None:
    idea = cli.json("ideas", "submit", "Free coffee at the desk", "--as", "Lena Fischer")
    cli.ok(
        "opportunities",
        "dismiss",
        str(idea["number"]),
        "--reason",
        "Not a service change",
        "--as",
        "Carmen Ruiz",
    )
    (told,) = mail.received
    assert told["To"] == "lena@example.org"
    assert "dismissed by Carmen Ruiz: Not a service change" in body(told)
    assert cli.json("opportunities", "show", str(idea["number"]))["status"] == "dismissed"
    with transaction(write=False) as session:
        (event,) = session.exec(
            select(AuditEvent).where(AuditEvent.action == "opportunity_dismissed")
        ).all()
    assert event.actor == "Carmen Ruiz" and event.detail.endswith("Not a service change")


def test_an_idea_needs_a_title_and_a_registered_person(cli: Cli, people: None) -> None:
    assert cli.fails("ideas", "submit", "  ", "--as", "Lena Fischer", code=2) == [
        "error: an idea needs a title"
    ]
    assert cli.fails("ideas", "submit", "X", "--as", "Nobody Here")[0].startswith(
        "error: unknown person 'Nobody Here'"
    )
    long = "x" * 201
    assert cli.fails("ideas", "submit", long, "--as", "Lena Fischer", code=2) == [
        "error: an idea's title is at most 200 characters, its text 4000"
    ]
