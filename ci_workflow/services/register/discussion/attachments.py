"""Attaching a file to an improvement as evidence (perhaps to one of its comments): kept in the
register's database with its size, SHA-256, who and when, if it is of a kind kept, within the
size bound, and its content is what its extension says; otherwise nothing is kept. Removing
one: who attached it, or a CI manager."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlmodel import Session

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


@dataclass(frozen=True)
class Upload:
    """A file as it arrived: its name on the sender's machine and its bytes."""

    filename: str
    data: bytes


@dataclass(frozen=True)
class Checked:
    """A file that may be kept: the name it is kept under and its media type."""

    name: str
    media: str
    data: bytes


def checked(upload: Upload) -> Checked:
    """The file if it is of a kind kept, within the bound, and what its name says."""
    name = kept_name(upload.filename)
    return Checked(
        name, media_type(name, upload.data, get_settings().attachment_max_bytes), upload.data
    )


def attach(ref: str, upload: Upload, *, actor: Actor, comment_id: int | None = None) -> int:
    """Keep the file; its id."""
    file = checked(upload)
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
        number = keep(session, actor, improvement_id, file, comment_id=comment_id)
    return number


def keep(
    session: Session,
    actor: Actor,
    improvement_id: int,
    file: Checked,
    *,
    comment_id: int | None = None,
) -> int:
    """Store a checked file in the caller's transaction, audited; its id."""
    assert actor.person is not None
    digest = hashlib.sha256(file.data).hexdigest()
    row = Attachment(
        improvement_id=improvement_id,
        comment_id=comment_id,
        author_id=actor.person.id,
        filename=file.name,
        media_type=file.media,
        size=len(file.data),
        sha256=digest,
    )
    store.add_attachment(session, row, file.data)
    record_act(
        session,
        actor,
        improvement_id=improvement_id,
        action="attachment_added",
        detail=f"attachment {row.id}: {file.name!r}, {len(file.data):,} bytes, sha256 {digest}"
        + (f", with comment {comment_id}" if comment_id else ""),
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
