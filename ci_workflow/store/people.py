"""Reading and writing people and their role grants."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from ci_workflow.domain.people import Directory, Grant, PersonView
from ci_workflow.domain.vocabulary import Role
from ci_workflow.errors import AlreadyExists, PersonNotFound
from ci_workflow.store.tables import Person, RoleAssignment


def find_person(session: Session, ref: str) -> Person | None:
    """By name or e-mail, ignoring case."""
    needle = ref.strip().lower()
    query = select(Person).where(
        or_(func.lower(Person.name) == needle, func.lower(Person.email) == needle)
    )
    return session.exec(query).first()


def get_person(session: Session, ref: str) -> Person:
    person = find_person(session, ref)
    if person is None:
        raise PersonNotFound(f"unknown person {ref!r} (see `improve people list`)")
    return person


def create_person(session: Session, *, name: str, email: str, grants: list[Grant]) -> Person:
    for taken in (name, email):
        existing = find_person(session, taken)
        if existing is not None:
            raise AlreadyExists(f"{taken!r} is already registered (as {existing.name})")
    person = Person(name=name.strip(), email=email.strip())
    session.add(person)
    session.flush()
    assert person.id is not None
    for grant in dict.fromkeys(grants):  # keeps order, drops repeats
        session.add(RoleAssignment(person_id=person.id, role=grant.role, scope=grant.scope or ""))
    session.flush()
    return person


def grants_by_person(session: Session) -> dict[int, list[Grant]]:
    grants: dict[int, list[Grant]] = defaultdict(list)
    for row in session.exec(select(RoleAssignment).order_by(col(RoleAssignment.id))):
        grants[row.person_id].append(Grant(Role(row.role), row.scope or None))
    return grants


def list_people(session: Session) -> list[tuple[Person, list[Grant]]]:
    grants = grants_by_person(session)
    people = session.exec(select(Person).order_by(Person.name)).all()
    return [(person, grants.get(person.id or 0, [])) for person in people]


def load_directory(session: Session) -> Directory:
    return Directory(
        PersonView(id=person.id or 0, name=person.name, email=person.email, grants=frozenset(g))
        for person, g in list_people(session)
    )


def names_by_id(session: Session, ids: Iterable[int] | None = None) -> dict[int, str]:
    """Names of these people (default: everyone), by id."""
    query = select(Person.id, Person.name)
    if ids is not None:
        query = query.where(col(Person.id).in_(set(ids)))
    return {person_id or 0: name for person_id, name in session.exec(query)}


def emails_of(session: Session, ids: Iterable[int]) -> dict[int, str]:
    query = select(Person.id, Person.email).where(col(Person.id).in_(set(ids)))
    return {person_id or 0: email for person_id, email in session.exec(query)}
