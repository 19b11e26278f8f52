"""A person's account as a CI manager sees it (roles, state, the lock and the sign-ins the audit
trail keeps, sessions and tokens still live) and lifts a lock; the person's own locks, shown to
them once they are signed in (the sign-in page never tells: it would say the address exists);
and the roles and scopes the people forms offer.

The shapes live here rather than in ``schemas.py``, which is at its size limit.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from pydantic import BaseModel

from ci_workflow.domain.authority.actors import Actor
from ci_workflow.domain.clock import as_utc, utcnow
from ci_workflow.domain.vocabulary import OPTIONALLY_SCOPED_ROLES, SCOPED_ROLES, SERVICE_SCOPE, Role
from ci_workflow.errors import UsageError
from ci_workflow.schemas import PersonPublic
from ci_workflow.services.people.directory import person_public, require_manager
from ci_workflow.services.people.sessions import SEEN_EVERY
from ci_workflow.settings import get_settings
from ci_workflow.store.audit import record_act
from ci_workflow.store.db import transaction
from ci_workflow.store.people.identity import (
    LOCK_LIFTED,
    live_sessions,
    live_tokens,
    lock_events,
    sign_in_events,
)
from ci_workflow.store.people.people import get_person, known_scopes
from ci_workflow.store.tables import AuditEvent, Person

LAST_SIGN_INS = 20
MY_LOCKS_DAYS = 30  # the person's page shows the locks of this many days
# How the scoped roles' scopes are named, and what each role is for.
SCOPE_KIND = {
    Role.process_owner: "process",
    Role.service_owner: "service",
    Role.data_analyst: "process or service",
    Role.finance: "programme",
}
WHAT = {
    Role.ci_manager: "runs the practice: people, any gate",
    Role.process_owner: "approves plans and signs off reviews of a process",
    Role.service_owner: "co-signs reviews of a service",
    Role.improvement_team: "works on improvements, records values",
    Role.data_analyst: "records measured values of a process or a service",
    Role.finance: "validates benefits' actuals: of every programme, or of one",
}
_LOCK = re.compile(
    r"until (\S+ \S+) UTC \((\d+) minutes\) after (\d+) failed .*the last from (.*)$"
)


class SignInPublic(BaseModel):
    """One sign-in or failed attempt, as the audit trail keeps it."""

    at: datetime
    signed_in: bool
    outcome: str  # "signed in", or why it was refused
    address: str  # the client's address
    email: str  # the address typed (a failure), or the person's


class LockPublic(BaseModel):
    """A lock-out: from when until when, after how many failures; lifted early by whom."""

    started_at: datetime
    until: datetime  # when it ended or ends: its term, or when it was lifted
    minutes: int
    failures: int
    last_from: str
    lifted_by: str | None = None


class PersonAccount(PersonPublic):
    """A person as a CI manager sees them on their page."""

    locked_until: datetime | None  # while locked out now
    locks: list[LockPublic]  # of the last MY_LOCKS_DAYS days, the newest first
    sign_ins: list[SignInPublic]  # the last LAST_SIGN_INS, the newest first
    sessions: int
    tokens: int


class RoleChoice(BaseModel):
    role: str
    what: str
    scoped: bool
    scope_kind: str  # process, service, or "" for a role without scope
    scopes: list[str]  # the known ones, for a scoped role
    scope_optional: bool = False  # the role given without scope reaches every scope (finance)


def person_account(ref: str, *, actor: Actor) -> PersonAccount:
    """A CI manager's view of one person (asked first: whether an address is known is theirs
    to see)."""
    require_manager(actor)
    now = utcnow()
    idle = timedelta(minutes=get_settings().session_idle_minutes) + SEEN_EVERY
    with transaction(write=False) as session:
        person = get_person(session, ref)
        public = person_public(session, person)
        sign_ins = sign_in_events(session, person, limit=LAST_SIGN_INS)
        locks = _locks(lock_events(session, person, since=now - timedelta(days=MY_LOCKS_DAYS)))
        return PersonAccount(
            **public.model_dump(),
            locked_until=_locked_until(person, now),
            locks=locks,
            sign_ins=[_sign_in(event) for event in sign_ins],
            sessions=live_sessions(session, person_id=person.id or 0, seen_since=now - idle),
            tokens=live_tokens(session, person_id=person.id or 0, now=now),
        )


def my_locks(actor: Actor) -> list[LockPublic]:
    """The signed-in person's own lock-outs of the last MY_LOCKS_DAYS days, the newest first."""
    assert actor.person is not None, "a lock is a person's"
    since = utcnow() - timedelta(days=MY_LOCKS_DAYS)
    with transaction(write=False) as session:
        person = session.get(Person, actor.person.id)
        return _locks(lock_events(session, person, since=since)) if person else []


def lift_lock(ref: str, *, actor: Actor) -> str:
    """End the person's lock-out now (a CI manager), audited with who lifted it."""
    require_manager(actor)
    with transaction() as session:
        person = get_person(session, ref)
        until = _locked_until(person, utcnow())
        if until is None:
            raise UsageError(f"{person.name} is not locked out")
        person.locked_until, person.failed_sign_ins = None, 0
        session.add(person)
        record_act(
            session,
            actor,
            improvement_id=None,
            action=LOCK_LIFTED,
            detail=f"lifted the lock of {person.name} <{person.email}> "
            f"(locked until {until:%Y-%m-%d %H:%M} UTC)",
        )
        return person.name


def role_choices() -> list[RoleChoice]:
    """Every role the register knows, in the domain's order; a scoped role with the scopes the
    register names (its processes or services, and those already granted)."""
    with transaction(write=False) as session:
        known = known_scopes(session)
    choices = []
    for role in Role:
        optional = role in OPTIONALLY_SCOPED_ROLES
        kind = SCOPE_KIND.get(role, "scope") if role in SCOPED_ROLES or optional else ""
        scopes = sorted({*_offered(role, known), *known.get(str(role), [])}) if kind else []
        what = WHAT.get(role, "")
        choices.append(
            RoleChoice(
                role=role,
                what=what,
                scoped=bool(kind),
                scope_kind=kind,
                scopes=scopes,
                scope_optional=optional,
            )
        )
    return choices


def _offered(role: Role, known: dict[str, list[str]]) -> list[str]:
    """A data analyst's scopes are the processes and, written ``service:NAME``, the services."""
    if role == Role.finance:
        return known.get("programme", [])
    if role != Role.data_analyst:
        return known.get(SCOPE_KIND[role], [])
    services = [f"{SERVICE_SCOPE}{s}" for s in known.get("service", [])]
    return [*known.get("process", []), *services]


def _locked_until(person: Person, now: datetime) -> datetime | None:
    until = as_utc(person.locked_until) if person.locked_until else None
    return until if until is not None and until > now else None


def _sign_in(event: AuditEvent) -> SignInPublic:
    if event.action == "signed_in":
        address = event.detail.removeprefix("from ")
        return SignInPublic(
            at=event.at,
            signed_in=True,
            outcome="signed in",
            address=address,
            email=event.principal or "",
        )
    typed, _, rest = event.detail.partition(" from ")
    address, _, why = rest.partition(": ")
    return SignInPublic(
        at=event.at,
        signed_in=False,
        outcome=why or "refused",
        address=address,
        email=typed.strip("'\""),
    )


def _locks(events: list[AuditEvent]) -> list[LockPublic]:
    """Each lock-out, ended early where a lift came before its term."""
    locks: list[LockPublic] = []
    for event in events:
        found = _LOCK.search(event.detail) if event.action != LOCK_LIFTED else None
        if found:
            until = datetime.fromisoformat(found.group(1) + "+00:00")
            locks.append(
                LockPublic(
                    started_at=event.at,
                    until=until,
                    minutes=int(found[2]),
                    failures=int(found[3]),
                    last_from=found[4],
                )
            )
        elif event.action == LOCK_LIFTED and locks and locks[-1].until > event.at:
            locks[-1].until, locks[-1].lifted_by = event.at, event.actor
    return locks[::-1]
