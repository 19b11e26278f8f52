"""Ideas from staff: anyone registered submits one; it waits among the opportunities (source
``staff_idea``) for a CI manager or process owner to accept into the register or dismiss, and
its submitter is told which (``services.intake.triage``)."""

from __future__ import annotations

import hashlib

from sqlmodel import Session

from ci_workflow.domain.authority.actors import Actor
from ci_workflow.domain.authority.permissions import Action, allowed
from ci_workflow.domain.clock import utcnow
from ci_workflow.errors import UsageError
from ci_workflow.formatting import one_line, plain
from ci_workflow.schemas import OpportunityPublic
from ci_workflow.services.intake.detection import show
from ci_workflow.services.people import notifications
from ci_workflow.services.people.refusals import require
from ci_workflow.settings import get_settings
from ci_workflow.store.audit import record_act
from ci_workflow.store.db import transaction
from ci_workflow.store.intake.opportunities import recorded
from ci_workflow.store.people.people import person_view
from ci_workflow.store.tables import Opportunity

KIND = "staff_idea"
MAX_TITLE, MAX_TEXT = 200, 4000


def submit(title: str, description: str, *, actor: Actor) -> OpportunityPublic:
    person = actor.person
    require(
        person is not None and allowed(Action.submit_idea, person),
        actor,
        f"{actor.name} may not submit ideas: only a registered, active person may",
    )
    assert person is not None
    title, description = one_line(title, MAX_TITLE + 1), plain(description).strip()
    if not title:
        raise UsageError("an idea needs a title")
    if len(title) > MAX_TITLE or len(description) > MAX_TEXT:
        raise UsageError(f"an idea's title is at most {MAX_TITLE} characters, its text {MAX_TEXT}")
    now = utcnow()
    digest = hashlib.sha256(f"{title}\n{description}".encode()).hexdigest()[:16]
    with transaction() as session:
        idea = Opportunity(
            # The same person submitting the same idea twice is one idea; the submitter's id is
            # the second part (``_submitter_id``), kept out of the evidence people read.
            fingerprint=f"{KIND}|{person.id}|{digest}",
            kind=KIND,
            group_by="submitted_by",
            group=person.name,
            title=title,
            period_start=now,
            period_end=now,
            evidence={"idea": description, "submitted_by": person.name},
            objective={},
            source=KIND,
            value_hours=0.0,
            confidence=0.0,
            score=0.0,
        )
        if recorded(session, idea.fingerprint):
            raise UsageError(f"{person.name} already submitted this idea")
        session.add(idea)
        session.flush()
        record_act(
            session,
            actor,
            improvement_id=None,
            action="idea_submitted",
            detail=f"idea {idea.id}: {title[:80]}",
        )
        number = idea.id or 0
    return show(number)


def tell_submitter(session: Session, idea: Opportunity, outcome: str) -> None:
    """In the triage's transaction: the submitter hears what became of their idea."""
    submitter = person_view(session, _submitter_id(idea))
    if submitter is None:
        return
    message = notifications.Message(
        kind="idea_decided",
        subject=f"Your idea: {one_line(idea.title, 80)}",
        body=f"Your idea {idea.id} ({plain(idea.title)}) was {outcome}.",
        link=get_settings().link(f"/opportunities/{idea.id}"),
    )
    notifications.queue(
        session, message, key=f"idea_decided:{idea.id}", people=[submitter], webhook=False
    )


def _submitter_id(idea: Opportunity) -> int:
    return int(idea.fingerprint.split("|")[1])
