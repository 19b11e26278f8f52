"""Who may do what: people, their roles, and the checks that read them (no database here)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from ci_workflow.domain.vocabulary import (
    OPTIONALLY_SCOPED_ROLES,
    SCOPED_ROLES,
    SERVICE_SCOPE,
    Role,
)
from ci_workflow.errors import PersonNotFound, UsageError


@dataclass(frozen=True)
class Grant:
    role: Role
    scope: str | None = None

    def __str__(self) -> str:
        return f"{self.role}:{self.scope}" if self.scope else str(self.role)


def parse_grant(text: str) -> Grant:
    """Read ``ROLE`` or ``ROLE:SCOPE`` as typed on the command line."""
    name, _, scope = text.partition(":")
    try:
        role = Role(name.strip())
    except ValueError:
        choices = ", ".join(Role)
        raise UsageError(f"unknown role {name.strip()!r}; choose from {choices}") from None
    scope = scope.strip()
    if role in SCOPED_ROLES and not scope:
        also = f" or {role}:service:NAME" if role == Role.data_analyst else ""
        raise UsageError(f"role {role} needs a scope: {role}:NAME (the process or service){also}")
    if role not in SCOPED_ROLES and role not in OPTIONALLY_SCOPED_ROLES and scope:
        # "ci_manager:Service Desk" would otherwise make a full CI manager without a word.
        raise UsageError(f"role {role} takes no scope; write {role} alone, not {role}:{scope}")
    if role == Role.data_analyst:
        scope = _analyst_scope(scope)
    return Grant(role, scope)


def _analyst_scope(scope: str) -> str:
    """A data analyst's scope: a process, or ``service:NAME`` (blanks around the colon go)."""
    kind, colon, name = scope.partition(":")
    if not colon or kind.strip().casefold() != SERVICE_SCOPE[:-1]:
        return scope
    if not name.strip():
        raise UsageError("role data_analyst:service: needs the service's name")
    return f"{SERVICE_SCOPE}{name.strip()}"


def name_key(text: str) -> str:
    """How names, e-mails and scopes are compared: Unicode-normalised (NFKC), without
    surrounding blanks, case-folded ("Ömer Test" and "ÖMER TEST" are one person)."""
    return unicodedata.normalize("NFKC", text).strip().casefold()


def same_scope(a: str | None, b: str | None) -> bool:
    """Process and service names are matched without regard to case or surrounding blanks."""
    return name_key(a or "") == name_key(b or "")


@dataclass(frozen=True)
class PersonView:
    """A person as the rules need to see them: identity and grants."""

    id: int
    name: str
    email: str
    grants: frozenset[Grant] = field(default_factory=frozenset)
    active: bool = True

    def holds(self, role: Role, scope: str | None = None) -> bool:
        """A deactivated person holds no role any more."""
        return self.active and any(
            g.role == role and _covers(role, g.scope, scope) for g in self.grants
        )


def _covers(role: Role, granted: str | None, wanted: str | None) -> bool:
    """A grant of ``role`` reaches ``wanted``: a role without scope everywhere; a role whose
    scope may be left out everywhere when it is, else its own scope only."""
    if role in OPTIONALLY_SCOPED_ROLES and not granted:
        return True
    if role in SCOPED_ROLES or role in OPTIONALLY_SCOPED_ROLES:
        return same_scope(granted, wanted)
    return True


class Directory:
    """Everyone in the register, found by name or e-mail (both case-insensitive)."""

    def __init__(self, people: Iterable[PersonView]) -> None:
        self.people = list(people)
        self._index: dict[str, PersonView] = {}
        for person in self.people:
            self._index[name_key(person.name)] = person
            self._index[name_key(person.email)] = person

    def find(self, ref: str) -> PersonView | None:
        """By name or e-mail, deactivated people included (history names them)."""
        return self._index.get(name_key(ref))

    def get(self, ref: str) -> PersonView:
        person = self.find(ref)
        if person is None:
            raise PersonNotFound(f"unknown person {ref!r} (see `improve people list`)")
        return person

    def holders(self, role: Role, scope: str | None = None) -> list[PersonView]:
        return [p for p in self.people if p.holds(role, scope)]
