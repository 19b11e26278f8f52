"""Deactivating a person, asked through the one door (``permissions.allowed``): a CI manager
deactivates others, never themselves; nobody else deactivates anyone. Ids are above 256 and
distinct int objects, so a rule comparing them with ``is`` would fail here."""

from __future__ import annotations

from ci_workflow.domain.authority.people import Grant, PersonView
from ci_workflow.domain.authority.permissions import Action, allowed, may_deactivate
from ci_workflow.domain.vocabulary import Role


def someone(text_id: str, *grants: Grant, active: bool = True) -> PersonView:
    return PersonView(
        id=int(text_id),
        name=f"person {text_id}",
        email=f"p{text_id}@example.org",
        grants=frozenset(grants),
        active=active,
    )


MANAGER = someone("2001", Grant(Role.ci_manager))
OWNER = someone("2002", Grant(Role.process_owner, "Incident Management"))


def test_a_ci_manager_deactivates_others_never_themselves() -> None:
    assert allowed(Action.deactivate_person, MANAGER, subject_id=int("2002"))
    assert not allowed(Action.deactivate_person, MANAGER, subject_id=int("2001"))
    assert may_deactivate(MANAGER, int("2002"))
    assert not may_deactivate(MANAGER, int("2001"))


def test_nobody_else_deactivates_anyone() -> None:
    assert not allowed(Action.deactivate_person, OWNER, subject_id=int("2001"))
    retired = someone("2003", Grant(Role.ci_manager), active=False)
    assert not allowed(Action.deactivate_person, retired, subject_id=int("2002"))
