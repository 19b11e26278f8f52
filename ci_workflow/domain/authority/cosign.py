"""A review sign-off co-signed by a service owner (``service_owner_signoff: true``): the
improvement is accepted once both sides have said accept in the same review round, the process
side (a process owner of its process, or a CI manager) and the service side (a service owner of
its service), in either order and by two people. Each signature is kept in the trail."""

from __future__ import annotations

from ci_workflow.domain.authority.people import PersonView
from ci_workflow.domain.authority.permissions import Parties, co_signs, governs

PROCESS_SIDE, SERVICE_SIDE = "process owner", "service owner"
BOTH = (PROCESS_SIDE, SERVICE_SIDE)


def sides(person: PersonView, parties: Parties) -> list[str]:
    """The sides this person may sign for, the process side first."""
    found = [PROCESS_SIDE] if governs(person, parties) else []
    return found + ([SERVICE_SIDE] if co_signs(person, parties) else [])


def take(signed: dict[str, str], name: str, its_sides: list[str]) -> tuple[str, bool] | str:
    """``signed``: side → who signed it this round. The side this signature takes and whether
    the sign-off is then complete; or why it cannot be taken."""
    if name in signed.values():
        missing = next(s for s in BOTH if s not in signed)
        return f"{name} has signed already; a {missing} must co-sign"
    side = next((s for s in its_sides if s not in signed), None)
    if side is None:
        missing = next(s for s in BOTH if s not in signed)
        return f"the {', '.join(its_sides)} side is signed already; a {missing} must co-sign"
    return side, all(s in signed or s == side for s in BOTH)


def signature_detail(gate_key: str, name: str, side: str) -> str:
    """How the trail records one signature (read back by ``signer_of``)."""
    return f"{gate_key}: {name} signed as {side}"


def signer_of(detail: str) -> tuple[str, str] | None:
    """(side, name) from a signature's trail detail."""
    _, _, said = detail.partition(": ")
    name, found, side = said.rpartition(" signed as ")
    return (side, name) if found and side in BOTH else None
