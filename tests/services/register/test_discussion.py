"""Talking about an improvement, through the use cases on a real store (SQLite, and PostgreSQL
when IMPROVE_TEST_POSTGRES_URL is set) and a real SMTP server on loopback: a comment kept and
audited, its mentions told by e-mail with a link to it; out-of-bounds text or an unknown person
mentioned refused with nothing kept or sent; watchers told of comments, gates and decisions once
each; files attached byte for byte, or refused with nothing kept; removing by the author or a
CI manager only."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from ci_workflow.domain.authority.actors import Actor, signed_in
from ci_workflow.errors import NotAuthorised, UsageError
from ci_workflow.services.lifecycle.gate_decisions import decide_gate
from ci_workflow.services.lifecycle.gate_opening import open_gate
from ci_workflow.services.lifecycle.stages import define_stage
from ci_workflow.services.people.notifications import dispatch
from ci_workflow.services.register.discussion.attachments import (
    Upload,
    attach,
    remove_attachment,
)
from ci_workflow.services.register.discussion.comments import add_comment, remove_comment
from ci_workflow.services.register.discussion.watchers import follow
from ci_workflow.services.views.discussion import attachment_file, discussion_of
from ci_workflow.store.db import transaction
from ci_workflow.store.people.people import load_directory
from tests.helpers import Cli, improvement_doc, write_yaml
from tests.services.conftest import Outbox, body

TITLE = "Cut the time to restore network incidents"  # improvement_doc's title


def actor(email: str) -> Actor:
    with transaction(write=False) as session:
        return signed_in(load_directory(session).get(email))


@pytest.fixture
def improvement(cli: Cli, people: None, tmp_path: Path) -> str:
    cli.ok("apply", str(write_yaml(tmp_path, improvement_doc())))
    return "IMP-0001"


def trail(cli: Cli, *actions: str) -> list[dict[str, Any]]:
    return [e for e in cli.json("audit", "IMP-0001") if e["action"] in actions]


def test_a_comment_is_kept_audited_and_its_mentions_are_e_mailed_a_link_to_it(
    cli: Cli, improvement: str, mail: Outbox
) -> None:
    text = "@omar-haddad can you check the baseline?\n\nData: https://evil.example/x <b>\n@lena@example.org"
    number = add_comment(improvement, text, actor=actor("carmen@example.org"), gate="plan_approval")
    (shown,) = discussion_of(improvement, actor("priya@example.org")).comments
    assert (shown.id, shown.by, shown.gate, shown.body) == (
        number,
        "Carmen Ruiz",
        "plan_approval",
        text,
    )
    assert shown.paragraphs == [
        ["@omar-haddad can you check the baseline?"],
        ["Data: https://evil.example/x <b>", "@lena@example.org"],
    ]
    assert not shown.may_remove  # Priya is neither its author nor a CI manager
    assert sorted(m["To"] for m in mail.received) == ["lena@example.org", "omar@example.org"]
    message = next(m for m in mail.received if m["To"] == "omar@example.org")
    assert message["Subject"] == "IMP-0001: Carmen Ruiz mentioned you"
    assert f"https://ci.example.org/improvements/IMP-0001#comment-{number}" in body(message)
    assert "can you check the baseline?" in body(message)
    assert mail.posts == []  # a mention is a person's, not the webhook's
    (added,) = trail(cli, "comment_added")
    assert (added["actor"], added["channel"], added["principal"]) == (
        "Carmen Ruiz",
        "web",
        "carmen@example.org",
    )
    assert "about plan_approval" in added["detail"]
    sent = trail(cli, "mention_sent")
    assert [e["detail"].split(": ")[1] for e in sent] == [
        "Omar Haddad (omar@example.org) is told",
        "Lena Fischer (lena@example.org) is told",
    ]


MENTION = "@omar-haddad "  # would be told, were the comment kept


@pytest.mark.parametrize(
    ("text", "gate", "error", "said"),
    [
        (
            MENTION + "x" * (1_048_576 - len(MENTION)),  # 1 MB
            None,
            UsageError,
            "comment: 1,048,576 characters; at most 10,000 are kept",
        ),
        (MENTION + "x" * (10_001 - len(MENTION)), None, UsageError, "comment: 10,001 characters"),
        ("   ", None, UsageError, "comment: write something to say"),
        (
            "ping @zed-nobody",
            None,
            UsageError,
            "comment: @zed-nobody is nobody in the register",
        ),
        ("ping @zed@example.org", None, UsageError, "comment: @zed@example.org is nobody"),
        (
            MENTION + "fine",
            "approval",
            UsageError,
            "gate: 'approval' is no gate; choose from plan_approval",
        ),
    ],
)
def test_a_refused_comment_names_its_field_and_keeps_and_sends_nothing(
    cli: Cli, improvement: str, mail: Outbox, text: str, gate: str | None, error: type, said: str
) -> None:
    follow(improvement, actor=actor("priya@example.org"))
    with pytest.raises(error, match=f"^{said}"):
        add_comment(improvement, text, actor=actor("carmen@example.org"), gate=gate)
    assert discussion_of(improvement, actor("carmen@example.org")).comments == []
    assert trail(cli, "comment_added", "mention_sent") == []
    dispatch()
    assert mail.received == []


def test_watchers_hear_comments_gates_and_decisions_once_each(
    cli: Cli, improvement: str, mail: Outbox
) -> None:
    assert follow(improvement, actor=actor("priya@example.org")) == "you follow IMP-0001"
    assert follow(improvement, actor=actor("priya@example.org")) == "you already follow IMP-0001"
    follow(improvement, actor=actor("omar@example.org"))  # he decides the plan, too
    follow(improvement, actor=actor("grace@example.org"))
    add_comment(improvement, "Looks good, @priya-nair", actor=actor("lena@example.org"))
    told = sorted((m["To"], m["Subject"]) for m in mail.received)
    assert told == [
        ("grace@example.org", "IMP-0001: a comment from Lena Fischer"),
        ("omar@example.org", "IMP-0001: a comment from Lena Fischer"),
        ("priya@example.org", "IMP-0001: Lena Fischer mentioned you"),  # not twice
    ]
    mail.received.clear()
    run = str(uuid.uuid4())
    define_stage(1, run)
    open_gate(1, "plan_approval", 1, run)
    open_gate(1, "plan_approval", 1, run)  # replayed: nobody is told twice
    told = sorted((m["To"], m["Subject"]) for m in mail.received)
    assert told == [
        ("carmen@example.org", f"IMP-0001 {TITLE}: approval needed"),
        ("grace@example.org", "IMP-0001 waits at plan approval"),
        ("omar@example.org", f"IMP-0001 {TITLE}: approval needed"),  # once
        ("priya@example.org", "IMP-0001 waits at plan approval"),
    ]
    mail.received.clear()
    decide_gate(1, "plan_approval", 1, {"by": "Omar Haddad", "decision": "approve"})
    dispatch()  # as the flow's decide task does after the decision
    told = sorted((m["To"], m["Subject"]) for m in mail.received)
    assert told == [
        ("grace@example.org", "IMP-0001: plan approval 1: approve by Omar Haddad"),
        ("priya@example.org", "IMP-0001: plan approval 1: approve by Omar Haddad"),
    ]
    assert (
        follow(improvement, actor=actor("grace@example.org"), on=False)
        == "you no longer follow IMP-0001"
    )
    assert discussion_of(improvement, actor("grace@example.org")).watchers == [
        "Priya Nair",
        "Omar Haddad",
    ]
    assert [e["actor"] for e in trail(cli, "watcher_added", "watcher_removed")] == [
        "Priya Nair",
        "Omar Haddad",
        "Grace Kim",
        "Grace Kim",
    ]


def test_a_comment_is_removed_by_its_author_or_a_ci_manager_only(
    cli: Cli, improvement: str
) -> None:
    first = add_comment(improvement, "first", actor=actor("lena@example.org"))
    second = add_comment(improvement, "second", actor=actor("lena@example.org"))
    with pytest.raises(NotAuthorised, match="only its author or a CI manager"):
        remove_comment(improvement, first, actor=actor("omar@example.org"))
    assert remove_comment(improvement, first, actor=actor("lena@example.org"))
    assert remove_comment(improvement, second, actor=actor("carmen@example.org"))
    assert discussion_of(improvement, actor("lena@example.org")).comments == []
    assert [e["actor"] for e in trail(cli, "comment_removed", "forbidden")] == [
        "Omar Haddad",
        "Lena Fischer",
        "Carmen Ruiz",
    ]


PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"


def test_a_file_is_kept_byte_for_byte_listed_and_removed_with_its_trail(
    cli: Cli, improvement: str
) -> None:
    number = attach(
        improvement, Upload("../evidence Q4.pdf", PDF), actor=actor("priya@example.org")
    )
    (listed,) = discussion_of(improvement, actor("priya@example.org")).attachments
    assert (listed.filename, listed.size, listed.by, listed.media_type) == (
        "evidence Q4.pdf",
        len(PDF),
        "Priya Nair",
        "application/pdf",
    )
    assert listed.may_remove
    found, data = attachment_file(improvement, number)
    assert data == PDF and found.sha256 == listed.sha256
    with pytest.raises(NotAuthorised):
        remove_attachment(improvement, number, actor=actor("lena@example.org"))
    remove_attachment(improvement, number, actor=actor("carmen@example.org"))
    assert discussion_of(improvement, actor("priya@example.org")).attachments == []
    actions = [
        e["action"] for e in trail(cli, "attachment_added", "attachment_removed", "forbidden")
    ]
    assert actions == ["attachment_added", "forbidden", "attachment_removed"]


def test_a_file_too_large_or_not_what_it_says_is_refused_and_nothing_kept(
    cli: Cli, improvement: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ci_workflow.settings import get_settings

    monkeypatch.setenv("IMPROVE_ATTACHMENT_MAX_BYTES", "5000")
    get_settings.cache_clear()
    with pytest.raises(UsageError, match=r"^file: 'evidence\.pdf' is larger than 5,000 bytes"):
        attach(improvement, Upload("evidence.pdf", PDF), actor=actor("priya@example.org"))
    with pytest.raises(
        UsageError, match=r"^file: 'page\.pdf' does not hold what a \.pdf file holds"
    ):
        attach(
            improvement,
            Upload("page.pdf", b"<script>alert(1)</script>"),
            actor=actor("priya@example.org"),
        )
    with pytest.raises(UsageError, match=r"^file: 'run\.exe' is not a kind kept here"):
        attach(improvement, Upload("run.exe", b"MZ"), actor=actor("priya@example.org"))
    assert discussion_of(improvement, actor("priya@example.org")).attachments == []
    assert trail(cli, "attachment_added") == []


def test_a_file_comes_with_its_comment_or_neither_is_kept(cli: Cli, improvement: str) -> None:
    lena = actor("lena@example.org")
    with pytest.raises(UsageError, match=r"does not hold what a \.pdf file holds"):
        add_comment(improvement, "see attached", actor=lena, upload=Upload("a.pdf", b"<html>"))
    assert discussion_of(improvement, lena).comments == []
    number = add_comment(improvement, "see attached", actor=lena, upload=Upload("a.pdf", PDF))
    (attached,) = discussion_of(improvement, lena).attachments
    assert attached.comment_id == number and attached.filename == "a.pdf"
    remove_comment(improvement, number, actor=lena)  # its file goes with it
    assert discussion_of(improvement, lena).attachments == []
    actions = [
        e["action"]
        for e in trail(
            cli, "comment_added", "comment_removed", "attachment_added", "attachment_removed"
        )
    ]
    assert actions == ["comment_added", "attachment_added", "attachment_removed", "comment_removed"]
