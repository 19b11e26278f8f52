"""Which waiting gates a person could decide, said before any gate is read: My work lists one
person's gates among a thousand waiting, and reading every gate's parties to ask the decision
rule (``permissions.may_decide``) of each, for each person, cost most of the page.

As ``may_decide`` has it: a deactivated person decides nothing; a CI manager may decide any
gate; an approval gate a process owner (``permissions.APPROVALS``), and a co-signed review
sign-off a service owner, of some process or service (the rule then asks which); every other
gate only the improvement's owner or its team. The reach is never narrower than the rule, and
the rule is still asked of each gate it reaches.
"""

from __future__ import annotations

from dataclasses import dataclass

from ci_workflow.domain.authority.people import PersonView
from ci_workflow.domain.authority.permissions import APPROVALS
from ci_workflow.domain.vocabulary import Gate, Role

# The gates a role decides of improvements its holder is no party to.
_DECIDED_BY_ROLE = {
    Role.process_owner: frozenset(APPROVALS),
    Role.service_owner: frozenset({Gate.review_signoff}),  # when its sign-off is co-signed
}


@dataclass(frozen=True)
class GateReach:
    """Every waiting gate (``everywhere``), or those at ``gates`` and those of the improvements
    ``party`` owns or is on the team of (``party`` None: none of those)."""

    everywhere: bool = False
    gates: frozenset[Gate] = frozenset()
    party: int | None = None


def gate_reach(person: PersonView) -> GateReach:
    """The waiting gates ``person`` could decide, at most."""
    if not person.active:
        return GateReach()
    if person.holds(Role.ci_manager):
        return GateReach(everywhere=True)
    held = {grant.role for grant in person.grants} & _DECIDED_BY_ROLE.keys()
    gates = frozenset(gate for role in held for gate in _DECIDED_BY_ROLE[role])
    return GateReach(gates=gates, party=person.id)
