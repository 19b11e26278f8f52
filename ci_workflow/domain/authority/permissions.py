"""Who may do what: decide an improvement's gates, edit it, record its values, withdraw it;
manage people; triage opportunities. Every channel (web, API, CLI, the flow when a decision
arrives) asks these functions, so a rule is written once.

"Governs" an improvement: a CI manager, or a process owner of its process. Its values are
recorded by its owner, its team, a data analyst of its process or service, or a CI manager:
the improvement_team role names what someone does, and reaches only the teams they are on.
A deactivated person may do nothing. With separation of duties, nobody decides the approval
gates of an improvement they own: another process owner or a CI manager does.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ci_workflow.domain.authority.people import PersonView
from ci_workflow.domain.vocabulary import SERVICE_SCOPE, Gate, Role

# Gates that judge the improvement rather than report on its work.
APPROVALS = (Gate.plan_approval, Gate.review_signoff)


@dataclass(frozen=True)
class Parties:
    """The people an improvement belongs to: its process, owner, process owner and team."""

    process: str
    owner_id: int
    process_owner_id: int
    team_ids: frozenset[int]
    service: str | None = None
    # The review sign-off needs a service owner of ``service`` as well
    # (``domain.authority.cosign``).
    cosigned: bool = False
    # Owners it had since its plan first went for approval (``domain.authority.ownership``).
    former_owner_ids: frozenset[int] = frozenset()

    def owned_by(self, person_id: int | None) -> bool:
        return person_id == self.owner_id or person_id in self.former_owner_ids


class Action(StrEnum):
    decide = "decide"
    edit = "edit"
    progress_plan = "progress_plan"  # set a plan action's status
    record = "record"
    confirm_baseline = "confirm_baseline"  # a measured baseline, before the plan is approved
    withdraw = "withdraw"
    bring_code = "bring_code"
    manage_people = "manage_people"
    deactivate_person = "deactivate_person"  # a CI manager, never themselves
    submit_idea = "submit_idea"
    triage_opportunities = "triage_opportunities"
    create_improvement = "create_improvement"  # from the workspace's form or its API
    discuss = "discuss"  # comment, attach evidence, follow: whoever may see the improvement
    remove_contribution = "remove_contribution"  # a comment or attachment: its author, a CI manager
    manage_strategy = "manage_strategy"  # apply strategy.yaml: a CI manager
    record_key_result = "record_key_result"  # a key result's value: its owner, a CI manager
    accept_portfolio_plan = "accept_portfolio_plan"  # a proposed plan, as a decision: a CI manager
    manage_connections = "manage_connections"  # add, remove, test, sync ITSM connections
    record_benefit = "record_benefit"  # a benefit's actual: its owner or team, a CI manager
    validate_benefit = "validate_benefit"  # finance (of its programme) or a CI manager


def governs(person: PersonView, parties: Parties) -> bool:
    return person.holds(Role.ci_manager) or person.holds(Role.process_owner, parties.process)


def informed_of(gate: Gate, person: PersonView, service: str | None) -> bool:
    """A service owner hears when an improvement to their service waits for plan approval or
    for its review sign-off: it changes what they run."""
    return (
        service is not None
        and gate in (Gate.plan_approval, Gate.review_signoff)
        and person.holds(Role.service_owner, service)
    )


def may_decide(
    gate: Gate, person: PersonView, parties: Parties, *, separation: bool = False
) -> bool:
    if not person.active:
        return False
    if separation and gate in APPROVALS and parties.owned_by(person.id):
        return False
    if person.holds(Role.ci_manager):
        return True
    if gate == Gate.review_signoff and parties.cosigned and co_signs(person, parties):
        return True
    if gate in APPROVALS:
        return governs(person, parties)
    if gate == Gate.resubmitted:
        return person.id == parties.owner_id
    return person.id == parties.owner_id or person.id in parties.team_ids


def co_signs(person: PersonView, parties: Parties) -> bool:
    """A service owner of the improvement's service, where its sign-off is co-signed."""
    return parties.cosigned and person.holds(Role.service_owner, parties.service)


def who_may_decide(gate: Gate, parties: Parties, *, separation: bool = False) -> str:
    if gate in APPROVALS:
        former = " or a former owner" if parties.former_owner_ids else ""
        mine = f" other than its owner{former}" if separation else ""
        also = (
            f", and a service owner of {parties.service!r} co-signs"
            if gate == Gate.review_signoff and parties.cosigned
            else ""
        )
        return f"a process owner of {parties.process!r} or a CI manager{mine}{also}"
    if gate == Gate.resubmitted:
        return "the improvement's owner or a CI manager"
    return "the improvement's owner, a team member or a CI manager"


def analyses(person: PersonView, parties: Parties) -> bool:
    """A data analyst of the improvement's process, or of its service."""
    return person.holds(Role.data_analyst, parties.process) or (
        parties.service is not None
        and person.holds(Role.data_analyst, f"{SERVICE_SCOPE}{parties.service}")
    )


def may_record(person: PersonView, parties: Parties) -> bool:
    return person.active and (
        person.id == parties.owner_id
        or person.id in parties.team_ids
        or analyses(person, parties)
        or person.holds(Role.ci_manager)
    )


def may_withdraw(person: PersonView, parties: Parties) -> bool:
    return person.active and (
        person.id in (parties.owner_id, parties.process_owner_id) or governs(person, parties)
    )


def may_confirm_baseline(person: PersonView, parties: Parties) -> bool:
    """Confirm a measured baseline is the one to improve from: the improvement's owner, or a CI
    manager (who may do whatever an owner may)."""
    return person.active and (person.id == parties.owner_id or person.holds(Role.ci_manager))


def may_edit(person: PersonView, parties: Parties) -> bool:
    """Change the improvement's file (``apply``), or its plan's progress: the same people who
    may withdraw it."""
    return may_withdraw(person, parties)


def may_bring_code(person: PersonView, parties: Parties) -> bool:
    """Make a metric's source a Python function once the plan is approved: the code runs inside
    the flow, so only who approves plans may change what it runs."""
    return person.active and governs(person, parties)


def may_manage_people(person: PersonView) -> bool:
    return person.holds(Role.ci_manager)


def may_deactivate(person: PersonView, subject_id: int | None) -> bool:
    """A CI manager deactivates others, never themselves: the practice would be left without
    its manager by a slip of the hand (another CI manager, or the register's machine, does)."""
    return may_manage_people(person) and person.id != subject_id


def may_submit_idea(person: PersonView) -> bool:
    """Anyone registered and active: ideas come from the whole organisation."""
    return person.active


def may_triage_opportunities(person: PersonView) -> bool:
    """Accept an opportunity into the register or dismiss it: a CI manager or a process owner."""
    return person.holds(Role.ci_manager) or any(
        g.role == Role.process_owner for g in person.grants if person.active
    )


def may_discuss(person: PersonView) -> bool:
    """Comment on an improvement, attach evidence, follow it: every active person of the
    register sees every improvement in the workspace, so every one may speak about it."""
    return person.active


def may_remove_contribution(person: PersonView, author_id: int | None) -> bool:
    """Remove a comment or an attachment: who added it, or a CI manager (moderation)."""
    return person.active and (person.id == author_id or person.holds(Role.ci_manager))


def may_manage_strategy(person: PersonView) -> bool:
    """Apply the strategy (goals, objectives, key results, programmes): a CI manager, who
    keeps the practice aligned with what the organisation wants."""
    return person.holds(Role.ci_manager)


def may_record_key_result(person: PersonView, owner_id: int | None) -> bool:
    """Record a key result's value: the key result's owner, or a CI manager."""
    return person.active and (person.id == owner_id or person.holds(Role.ci_manager))


def may_manage_connections(person: PersonView) -> bool:
    """Add, remove, test or sync a connection to an ITSM tool: a CI manager, since a
    connection holds the tool's credentials and writes the incident and change records."""
    return person.active and person.holds(Role.ci_manager)


def may_record_benefit(person: PersonView, parties: Parties) -> bool:
    """Record a benefit line's actual: the improvement's owner or team, or a CI manager."""
    return person.active and (
        person.id == parties.owner_id
        or person.id in parties.team_ids
        or person.holds(Role.ci_manager)
    )


def may_validate_benefit(
    person: PersonView, programme: str | None, recorder_id: int | None
) -> bool:
    """Validate or reject a benefit's actual: a CI manager, or finance (unscoped, or scoped to
    the improvement's programme); never who recorded it."""
    if not person.active or (recorder_id is not None and person.id == recorder_id):
        return False
    return person.holds(Role.ci_manager) or person.holds(Role.finance, programme or "")


def allowed(
    action: Action,
    person: PersonView,
    parties: Parties | None = None,
    *,
    gate: Gate | None = None,
    separation: bool = False,
    assignee_id: int | None = None,
    subject_id: int | None = None,
    programme: str | None = None,
) -> bool:
    """The one door every channel and use case asks: may ``person`` take ``action`` on the
    improvement ``parties`` describe (at ``gate``; on the plan action ``assignee_id`` owns; on
    the person ``subject_id``)?"""
    if action == Action.manage_people:
        return may_manage_people(person)
    if action == Action.deactivate_person:
        return may_deactivate(person, subject_id)
    if action == Action.submit_idea:
        return may_submit_idea(person)
    if action in (Action.triage_opportunities, Action.create_improvement):
        return may_triage_opportunities(person)  # a CI manager or a process owner
    if action == Action.discuss:
        return may_discuss(person)
    if action == Action.remove_contribution:  # subject_id: the comment's or file's author
        return may_remove_contribution(person, subject_id)
    if action == Action.manage_strategy:
        return may_manage_strategy(person)
    if action == Action.accept_portfolio_plan:
        return person.holds(Role.ci_manager)  # who answers for the portfolio's choices
    if action == Action.manage_connections:
        return may_manage_connections(person)
    if action == Action.record_key_result:  # subject_id: the key result's owner
        return may_record_key_result(person, subject_id)
    if action == Action.validate_benefit:  # subject_id: who recorded the actual
        return may_validate_benefit(person, programme, subject_id)
    assert parties is not None, f"{action} is about one improvement"
    if action == Action.decide:
        assert gate is not None
        return may_decide(gate, person, parties, separation=separation)
    if action == Action.progress_plan:  # the action's own owner, or who may edit the improvement
        return (person.active and person.id == assignee_id) or may_edit(person, parties)
    rules = {
        Action.edit: may_edit,
        Action.record: may_record,
        Action.confirm_baseline: may_confirm_baseline,
        Action.withdraw: may_withdraw,
        Action.bring_code: may_bring_code,
        Action.record_benefit: may_record_benefit,
    }
    return rules[action](person, parties)
