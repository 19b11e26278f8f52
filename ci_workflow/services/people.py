"""Registering people and their roles."""

from __future__ import annotations

from ci_workflow.domain.people import Grant, parse_grant
from ci_workflow.errors import UsageError
from ci_workflow.schemas import PersonPublic
from ci_workflow.store.db import transaction
from ci_workflow.store.people import create_person, get_person, list_people


def add_person(name: str, *, email: str, roles: list[str]) -> tuple[str, list[Grant]]:
    if not name.strip():
        raise UsageError("a person needs a name")
    if email.count("@") != 1 or any(c.isspace() for c in email):
        raise UsageError(f"not an e-mail address: {email!r}")
    grants = [parse_grant(role) for role in roles]
    with transaction() as session:
        person = create_person(session, name=name, email=email, grants=grants)
        return person.name, grants


def people() -> list[PersonPublic]:
    with transaction(write=False) as session:
        return [
            PersonPublic(name=p.name, email=p.email, roles=[str(g) for g in grants])
            for p, grants in list_people(session)
        ]


def known_name(ref: str) -> str:
    """The registered name of the person ``ref`` names; raises if nobody does."""
    with transaction(write=False) as session:
        return get_person(session, ref).name
