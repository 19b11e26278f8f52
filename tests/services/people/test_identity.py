"""Proving who one is, as an attacker would probe it: a refused sign-in says the same and does
the same work whoever the address belongs to; an invitation link works once, and only the newest
one; the register never keeps an invitation's secret (issue 24 #5, #7)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher
from sqlmodel import select

from ci_workflow.domain.authority.actors import operating_system
from ci_workflow.domain.clock import utcnow
from ci_workflow.errors import ImproveError, NotFound, SignInFailed
from ci_workflow.services.people import identity
from ci_workflow.services.people.directory import deactivate, invite
from ci_workflow.services.people.notifications import dispatch
from ci_workflow.store.db import transaction
from ci_workflow.store.people.people import get_person
from ci_workflow.store.tables import Notification
from tests.helpers import Cli
from tests.services.conftest import Outbox, body

ADMIN = operating_system("tests")
PASSWORD = "correct horse battery"


@pytest.fixture
def verifications(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every argon2 verification the sign-in makes (the work that takes its time)."""
    calls: list[str] = []
    real = PasswordHasher.verify

    def counted(self: PasswordHasher, hash: str | bytes, password: str | bytes) -> bool:
        calls.append(str(hash)[:20])
        return real(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", counted)
    yield calls


def _refusal(email: str, password: str) -> str:
    with pytest.raises(SignInFailed) as refused:
        identity.sign_in(email, password, channel="web", source="203.0.113.9")
    return str(refused.value)


def test_a_refused_sign_in_says_and_does_the_same_whoever_the_address_is(
    people: None, verifications: list[str]
) -> None:
    for email in ("omar@example.org", "lena@example.org", "grace@example.org"):
        identity.set_password(email, PASSWORD, actor="tests", channel="cli", principal="os:t")
    deactivate("grace@example.org", actor=ADMIN)
    with transaction() as session:  # Lena is locked out (five failures earlier)
        person = get_person(session, "lena@example.org")
        person.locked_until = utcnow().replace(year=utcnow().year + 1)
        session.add(person)
    identity.prepare()  # as the workspace does when it starts: no first-use hashing later
    verifications.clear()
    answers = {
        "unknown": _refusal("nobody@example.org", PASSWORD),
        "wrong password": _refusal("omar@example.org", "not the password"),
        "locked, right password": _refusal("lena@example.org", PASSWORD),
        "locked, wrong password": _refusal("lena@example.org", "not the password"),
        "deactivated": _refusal("grace@example.org", PASSWORD),
        "no password set": _refusal("priya@example.org", PASSWORD),
    }
    assert set(answers.values()) == {"wrong e-mail or password"}, answers
    assert len(verifications) == len(answers)  # one argon2 verification each, no more, no less


def _links(mail: Outbox) -> list[str]:
    return [
        found.group(0)
        for message in mail.received
        if (found := re.search(r"https://ci\.example\.org/invitation/\S+", body(message)))
    ]


def test_only_the_newest_invitation_link_works_and_only_once(people: None, mail: Outbox) -> None:
    invite("priya@example.org", actor=ADMIN)
    invite("priya@example.org", actor=ADMIN)
    older, newer = (link.rsplit("/", 1)[1] for link in _links(mail))
    with pytest.raises(NotFound):  # a newer invitation was sent: the older one is void
        identity.invited_person(older)
    assert identity.invited_person(newer).email == "priya@example.org"
    invite("priya@example.org", actor=ADMIN)
    newest = _links(mail)[-1].rsplit("/", 1)[1]
    with pytest.raises(NotFound):
        identity.redeem_invitation(newer, "a password long enough")
    identity.redeem_invitation(newest, "a password long enough")
    for used in (older, newer, newest):
        with pytest.raises(NotFound):
            identity.redeem_invitation(used, "another password long enough")


def test_the_register_never_keeps_an_invitations_secret(people: None, mail: Outbox) -> None:
    invite("priya@example.org", actor=ADMIN)
    (link,) = _links(mail)  # the e-mail carries the secret ...
    secret = link.rsplit("/", 1)[1]
    with transaction(write=False) as session:
        (row,) = session.exec(select(Notification).where(Notification.kind == "invitation")).all()
    kept = " ".join(str(value) for value in row.model_dump().values())
    assert secret not in kept and secret[:8] not in kept  # ... the register does not
    assert row.status == "sent" and row.link == "https://ci.example.org/invitation"
    assert dispatch() == [] and len(mail.received) == 1  # never sent again without its secret


def test_an_invitation_that_could_not_be_sent_is_not_sent_later_without_its_secret(
    people: None, mail: Outbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IMPROVE_SMTP_PORT", "9")  # nothing listens: the send fails
    from ci_workflow.settings import get_settings

    get_settings.cache_clear()
    with pytest.raises(ImproveError, match="could not be sent"):
        invite("priya@example.org", actor=ADMIN)
    monkeypatch.setenv("IMPROVE_SMTP_PORT", str(mail.port))
    get_settings.cache_clear()
    dispatch()  # the watchdog's next round
    assert mail.received == []
    with transaction(write=False) as session:
        (row,) = session.exec(select(Notification).where(Notification.kind == "invitation")).all()
    assert row.status == "failed" and "send a new invitation" in row.detail


def test_an_invitation_left_unsent_by_a_process_that_died_is_never_sent_without_its_secret(
    people: None, mail: Outbox
) -> None:
    from ci_workflow.services.people import notifications
    from ci_workflow.store.people.people import view_of

    with transaction() as session:  # written, and the process died before sending it
        person = get_person(session, "priya@example.org")
        message = notifications.Message("invitation", "s", "b", "https://ci.example.org/invitation")
        (row_id,) = notifications.queue_secret(
            session, message, key="invitation:x", person=view_of(person, [])
        )
        row = session.get(Notification, row_id)
        assert row is not None
        row.claimed_at = utcnow() - notifications.CLAIM_EXPIRY * 2
        session.add(row)
    dispatch()
    assert mail.received == []
    with transaction(write=False) as session:
        left = session.get(Notification, row_id)
    assert left is not None and left.status == "failed" and "new invitation" in left.detail


def test_an_older_register_forgets_its_invitation_secrets_and_its_tokens_expire(
    cli: Cli, backend: str
) -> None:
    """Schema 0015 kept invitation links whole and tokens without an end: `improve init` keeps
    the links without their secret, voids the invitations not used, and gives each token the
    days a new one gets."""
    from ci_workflow.store.db import get_engine
    from ci_workflow.store.migrate import upgrade_to_head
    from ci_workflow.store.tables import ApiToken

    upgrade_to_head(get_engine(), "0015")
    with get_engine().begin() as connection:
        for sql in (
            "INSERT INTO person (name, email, created_at, active, failed_sign_ins, notify) "
            "VALUES ('Ann Lee', 'ann@example.org', '2026-01-01 00:00:00', true, 0, 'now')",
            "INSERT INTO invitation (person_id, token_sha256, created_at, expires_at) VALUES "
            f"(1, '{identity.digest('old-secret')}', '2026-01-01 00:00:00', '2099-01-01 00:00:00')",
            "INSERT INTO api_token (person_id, token_sha256, label, created_at) VALUES "
            "(1, 'abc', 'improve login', '2026-01-01 00:00:00')",
            "INSERT INTO notification (key, kind, channel, recipient, subject, body, link, "
            "status, attempts, detail, created_at) VALUES ('k', 'invitation', 'email', "
            "'ann@example.org', 's', 'b', 'https://ci.example.org/invitation/old-secret', "
            "'sent', 1, '', '2026-01-01 00:00:00')",
        ):
            connection.exec_driver_sql(sql)
    cli.ok("init")
    with transaction(write=False) as session:
        (row,) = session.exec(select(Notification)).all()
        (token,) = session.exec(select(ApiToken)).all()
    assert row.link == "https://ci.example.org/invitation"
    assert abs((token.expires_at - utcnow()).days - 90) <= 1
    with pytest.raises(NotFound):
        identity.invited_person("old-secret")
