"""Attaching a file to an improvement as evidence (perhaps to one of its comments): kept in the
register's database with its size, SHA-256, who and when, if it is of a kind kept, within the
size bound, and its content is what its extension says; otherwise nothing is kept. Removing
one: who attached it, or a CI manager."""

from __future__ import annotations

import hashlib

from ci_workflow.domain.authority.actors import Actor
from ci_workflow.domain.authority.permissions import Action, allowed
from ci_workflow.domain.discussion.attachments import kept_name, media_type
from ci_workflow.domain.ids import format_id
from ci_workflow.errors import NotFound
from ci_workflow.services.people.refusals import Refused, refusing
from ci_workflow.settings import get_settings
from ci_workflow.store.audit import record_act
from ci_workflow.store.db import transaction
from ci_workflow.store.register import discussion as store
from ci_workflow.store.register.improvements import get_improvement
from ci_workflow.store.tables import Attachment


def attach(
    ref: str, filename: str, data: bytes, *, actor: Actor, comment_id: int | None = None
) -> int:
    """Keep the file; its id."""
    name = kept_name(filename)
    media = media_type(name, data, get_settings().attachment_max_bytes)
    person = actor.person
    with refusing(actor), transaction() as session:
        improvement = get_improvement(session, ref)
        improvement_id = improvement.id or 0
        shown = format_id(improvement_id)
        if person is None or not allowed(Action.discuss, person):
            raise Refused(f"{actor.name} may not attach to {shown}", improvement_id)
        if (
            comment_id is not None
            and store.find_comment(session, improvement_id, comment_id) is None
        ):
            raise NotFound(f"{shown} has no comment {comment_id}")
        digest = hashlib.sha256(data).hexdigest()
        row = Attachment(
            improvement_id=improvement_id,
            comment_id=comment_id,
            author_id=person.id,
            filename=name,
            media_type=media,
            size=len(data),
            sha256=digest,
        )
        store.add_attachment(session, row, data)
        record_act(
            session,
            actor,
            improvement_id=improvement_id,
            action="attachment_added",
            detail=f"attachment {row.id}: {name!r}, {len(data):,} bytes, sha256 {digest}",
        )
    return row.id or 0


def remove_attachment(ref: str, attachment_id: int, *, actor: Actor) -> str:
    person = actor.person
    with refusing(actor), transaction() as session:
        improvement = get_improvement(session, ref)
        improvement_id = improvement.id or 0
        shown = format_id(improvement_id)
        found = store.find_attachment(session, improvement_id, attachment_id)
        if found is None:
            raise NotFound(f"{shown} has no attachment {attachment_id}")
        if person is None or not allowed(
            Action.remove_contribution, person, subject_id=found.author_id
        ):
            raise Refused(
                f"{actor.name} may not remove {found.filename!r} from {shown}: only who "
                "attached it or a CI manager may",
                improvement_id,
            )
        record_act(
            session,
            actor,
            improvement_id=improvement_id,
            action="attachment_removed",
            detail=f"attachment {attachment_id}: {found.filename!r}, sha256 {found.sha256}",
        )
        store.remove_attachment(session, found)
    return f"{shown}: {found.filename} removed"
