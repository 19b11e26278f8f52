"""Reading and writing people, their role grants, and what signing in keeps of them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlmodel import Session, col, delete, select

from ci_workflow.domain.authority.people import Directory, Grant, PersonView, name_key
from ci_workflow.domain.vocabulary import Role
from ci_workflow.errors import AlreadyExists, PersonNotFound
from ci_workflow.store.gate_reads import directory
from ci_workflow.store.strategy.tables import StrategyItem
from ci_workflow.store.tables import Improvement, Person, RoleAssignment


def find_person(session: Session, ref: str) -> Person | None:
    """By name or e-mail, compared as ``name_key`` compares them (case, Unicode forms)."""
    wanted = name_key(ref)
    for person in session.exec(select(Person)):
        if wanted in (name_key(person.name), name_key(person.email)):
            return person
    return None


def get_person(session: Session, ref: str) -> Person:
    person = find_person(session, ref)
    if person is None:
        raise PersonNotFound(f"unknown person {ref!r} (see `improve people list`)")
    return person


def _refuse_taken(session: Session, names: Iterable[str], *, besides: int | None = None) -> None:
    for taken in names:
        existing = find_person(session, taken)
        if existing is not None and existing.id != besides:
            raise AlreadyExists(f"{taken!r} is already registered (as {existing.name})")


def create_person(session: Session, *, name: str, email: str, grants: list[Grant]) -> Person:
    _refuse_taken(session, (name, email))
    person = Person(name=name.strip(), email=email.strip())
    session.add(person)
    session.flush()
    assert person.id is not None
    set_grants(session, person.id, grants)
    return person


def rename_person(session: Session, person: Person, *, name: str, email: str) -> None:
    _refuse_taken(session, (name, email), besides=person.id)
    person.name, person.email = name.strip(), email.strip()
    session.add(person)
    session.flush()


def set_grants(session: Session, person_id: int, grants: list[Grant]) -> None:
    session.exec(delete(RoleAssignment).where(col(RoleAssignment.person_id) == person_id))
    for grant in dict.fromkeys(grants):  # keeps order, drops repeats
        session.add(RoleAssignment(person_id=person_id, role=grant.role, scope=grant.scope or ""))
    session.flush()


def grants_by_person(session: Session) -> dict[int, list[Grant]]:
    grants: dict[int, list[Grant]] = defaultdict(list)
    for row in session.exec(select(RoleAssignment).order_by(col(RoleAssignment.id))):
        grants[row.person_id].append(Grant(Role(row.role), row.scope or None))
    return grants


def list_people(session: Session) -> list[tuple[Person, list[Grant]]]:
    grants = grants_by_person(session)
    people = session.exec(select(Person).order_by(Person.name)).all()
    return [(person, grants.get(person.id or 0, [])) for person in people]


def view_of(person: Person, grants: Iterable[Grant]) -> PersonView:
    return PersonView(
        id=person.id or 0,
        name=person.name,
        email=person.email,
        grants=frozenset(grants),
        active=person.active,
    )


def load_directory(session: Session) -> Directory:
    """Everyone with their grants, by name: read through Core clauses, for ``improve gates``."""
    return directory(session)


def person_view(session: Session, person_id: int) -> PersonView | None:
    person = session.get(Person, person_id)
    if person is None:
        return None
    return view_of(person, grants_by_person(session).get(person_id, []))


def people_by_id(session: Session, ids: Iterable[int]) -> dict[int, Person]:
    wanted = set(ids)
    if not wanted:
        return {}
    return {p.id or 0: p for p in session.exec(select(Person).where(col(Person.id).in_(wanted)))}


def names_by_id(session: Session, ids: Iterable[int] | None = None) -> dict[int, str]:
    """Names of these people (default: everyone), by id."""
    query = select(Person.id, Person.name)
    if ids is not None:
        query = query.where(col(Person.id).in_(set(ids)))
    return {person_id or 0: name for person_id, name in session.exec(query)}


def emails_of(session: Session, ids: Iterable[int]) -> dict[int, str]:
    query = select(Person.id, Person.email).where(col(Person.id).in_(set(ids)))
    return {person_id or 0: email for person_id, email in session.exec(query)}


def known_scopes(session: Session) -> dict[str, list[str]]:
    """The scopes a role may name: the processes and services the register's improvements
    name, and every scope already granted, by role (``process``, ``service``, and each scoped
    role), each list sorted."""
    found: dict[str, set[str]] = defaultdict(set)
    found["process"] = set(session.exec(select(Improvement.process).distinct()))
    services = select(Improvement.service).where(col(Improvement.service).is_not(None))
    found["service"] = {s for s in session.exec(services.distinct()) if s}
    programmes = select(StrategyItem.key).where(
        StrategyItem.kind == "programme", col(StrategyItem.retired_at).is_(None)
    )
    found["programme"] = set(session.exec(programmes))
    granted = select(RoleAssignment.role, RoleAssignment.scope).where(RoleAssignment.scope != "")
    for role, scope in session.exec(granted.distinct()):
        found[role].add(scope)
    return {kind: sorted(names, key=name_key) for kind, names in found.items()}
