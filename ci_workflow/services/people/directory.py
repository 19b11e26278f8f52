"""The practice's people: registering them with their roles, editing and deactivating them
(history keeps their name), inviting them to the workspace, and their notification choice.
Managing people is a CI manager's (or, on the register's machine, its administrator's)."""

from __future__ import annotations

import secrets

from sqlmodel import Session

from ci_workflow.domain.authority.actors import Actor
from ci_workflow.domain.authority.people import Grant, PersonView, parse_grant
from ci_workflow.domain.authority.permissions import Action, allowed
from ci_workflow.domain.clock import utcnow
from ci_workflow.errors import ImproveError, UsageError
from ci_workflow.schemas import PersonPublic
from ci_workflow.services.people import notifications
from ci_workflow.services.people.identity import new_invitation
from ci_workflow.services.people.refusals import require
from ci_workflow.settings import get_settings
from ci_workflow.store.audit import record_act
from ci_workflow.store.db import transaction
from ci_workflow.store.people.people import (
    create_person,
    find_person,
    get_person,
    grants_by_person,
    list_people,
    load_directory,
    rename_person,
    set_grants,
    view_of,
)
from ci_workflow.store.tables import Person

NOTIFY = ("now", "digest")


def require_manager(actor: Actor) -> None:
    _manages(actor)


def _manages(actor: Actor) -> None:
    """The CLI on the register's machine without ``--as`` is its administrator."""
    may = actor.person is None and actor.channel == "cli"
    may = may or (actor.person is not None and allowed(Action.manage_people, actor.person))
    require(may, actor, f"{actor.name} may not manage people: only a CI manager may")


def _checked(name: str, email: str, roles: list[str]) -> list[Grant]:
    problem = _name_problem(name) or _email_problem(email)
    if problem:
        raise UsageError(problem)
    return [parse_grant(role) for role in roles]


def add_person(
    name: str, *, email: str, roles: list[str], actor: Actor | None = None
) -> tuple[str, list[Grant]]:
    grants = _checked(name, email, roles)
    if actor is not None:
        _manages(actor)
    with transaction() as session:
        person = create_person(session, name=name, email=email, grants=grants)
        if actor is not None:
            held = ", ".join(map(str, grants)) or "no roles"
            _record(session, actor, f"added {person.name} ({held})")
        return person.name, grants


def edit_person(
    ref: str,
    *,
    actor: Actor,
    name: str | None = None,
    email: str | None = None,
    roles: list[str] | None = None,
) -> PersonPublic:
    """Change a person's name, e-mail or roles (``roles`` replaces them all)."""
    _manages(actor)
    with transaction() as session:
        person = get_person(session, ref)
        grants = _checked(name or person.name, email or person.email, roles or [])
        rename_person(session, person, name=name or person.name, email=email or person.email)
        if roles is not None:
            set_grants(session, person.id or 0, grants)
        changes = [f"name {name!r}" if name else "", f"e-mail {email!r}" if email else ""]
        if roles is not None:
            changes.append(f"roles {', '.join(map(str, grants)) or 'none'}")
        _record(session, actor, f"edited {person.name}: {', '.join(c for c in changes if c)}")
        return _public(person, grants_by_person(session).get(person.id or 0, []))


def deactivate(ref: str, *, actor: Actor) -> str:
    """A deactivated person can no longer sign in or decide; history keeps their name. Nobody
    deactivates themselves (the register's machine aside)."""
    _manages(actor)
    subject = person_view_of(ref)
    admin = actor.person is None and actor.channel == "cli"
    may = admin or (
        actor.person is not None
        and allowed(Action.deactivate_person, actor.person, subject_id=subject.id)
    )
    require(may, actor, f"{actor.name} may not deactivate themselves: another CI manager may")
    with transaction() as session:
        person = get_person(session, ref)
        if not person.active:
            raise UsageError(f"{person.name} is already deactivated")
        person.active, person.deactivated_at = False, utcnow()
        session.add(person)
        _record(session, actor, f"deactivated {person.name}")
        return person.name


def invite(ref: str, *, actor: Actor) -> str:
    """E-mail the person a one-time link to set their workspace password (their older links
    stop working). The link is sent now or never: a failed send is sent again by inviting
    again."""
    _manages(actor)
    settings = get_settings()
    if not settings.smtp_host:
        raise UsageError(
            "e-mail is not configured (IMPROVE_SMTP_HOST), so no invitation can be sent; "
            "set a password with `improve people passwd NAME` instead"
        )
    with transaction() as session:
        person = get_person(session, ref)
        if not person.active:
            raise UsageError(f"{person.name} is deactivated")
        token = new_invitation(session, person)
        message = notifications.Message(
            kind="invitation",
            subject="Your sign-in to the continual improvement workspace",
            body=f"{actor.name} invites you to the continual improvement workspace. Choose your "
            "password within a week with this link (it works once):",
            link=f"{settings.workspace_url}/invitation",  # the secret is e-mailed, never kept
        )
        key = f"invitation:{person.id}:{utcnow():%Y%m%dT%H%M%S}:{secrets.token_hex(4)}"
        queued = notifications.queue_secret(session, message, key=key, person=view_of(person, []))
        _record(session, actor, f"invited {person.name} ({person.email})")
        name = person.name
    sent = notifications.send_secret(queued, f"{settings.workspace_url}/invitation/{token}")
    if any(not line.endswith(": sent") for line in sent):
        raise ImproveError(f"the invitation to {name} could not be sent ({'; '.join(sent)})")
    return name


def set_notify(ref: str, notify: str, *, actor: Actor) -> None:
    """A person's own choice: each notification now, or a daily digest."""
    if notify not in NOTIFY:
        raise UsageError(f"notify must be one of {', '.join(NOTIFY)}")
    person = person_view_of(ref)
    mine = actor.person is not None and actor.person.id == person.id
    require(mine, actor, f"{actor.name} may not change {person.name}'s notifications")
    with transaction() as session:
        stored = get_person(session, ref)
        stored.notify = notify
        session.add(stored)


def people() -> list[PersonPublic]:
    with transaction(write=False) as session:
        return [_public(p, grants) for p, grants in list_people(session)]


def person_public(session: Session, person: Person) -> PersonPublic:
    return _public(person, grants_by_person(session).get(person.id or 0, []))


def new_person_problems(
    name: str, *, email: str, roles: list[str], actor: Actor
) -> dict[str, list[str]]:
    """Every problem of a person about to be added, by field (``name``, ``email``, ``roles``);
    none: ``add_person`` may go ahead. A CI manager's question only: it tells who is
    registered."""
    _manages(actor)
    found: dict[str, list[str]] = {}
    for field, problem in _problems(name, email, roles):
        found.setdefault(field, []).append(problem)
    return found


def _problems(name: str, email: str, roles: list[str]) -> list[tuple[str, str]]:
    problems = []
    for field, text, check in (("name", name, _name_problem), ("email", email, _email_problem)):
        problem = check(text)
        if problem:
            problems.append((field, problem))
    with transaction(write=False) as session:
        for field, text in (("name", name), ("email", email)):
            taken = find_person(session, text) if text.strip() else None
            if taken is not None:
                problems.append((field, f"{text.strip()!r} is already registered ({taken.name})"))
    for role in roles:
        try:
            parse_grant(role)
        except UsageError as wrong:
            problems.append(("roles", str(wrong)))
    return problems


def _name_problem(name: str) -> str:
    return "a person needs a name" if not name.strip() else ""


def _email_problem(email: str) -> str:
    if email.count("@") != 1 or any(c.isspace() for c in email) or len(email) > 320:
        return f"not an e-mail address: {email!r}"
    return ""


def _public(person: Person, grants: list[Grant]) -> PersonPublic:
    return PersonPublic(
        name=person.name,
        email=person.email,
        roles=[str(g) for g in grants],
        active=person.active,
        notify=person.notify,
    )


def person_view_of(ref: str) -> PersonView:
    """The person ``ref`` names, as the rules see them; raises if nobody does."""
    with transaction(write=False) as session:
        return load_directory(session).get(ref)


def known_name(ref: str) -> str:
    """The registered name of the person ``ref`` names; raises if nobody does."""
    with transaction(write=False) as session:
        return get_person(session, ref).name


def _record(session: Session, actor: Actor, detail: str) -> None:
    record_act(
        session,
        actor,
        improvement_id=None,
        action="people_changed",
        detail=detail,
    )
