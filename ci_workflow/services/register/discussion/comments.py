"""Commenting on an improvement (perhaps about one of its gates): the comment is kept, each
person it mentions is told with a link to it, and its watchers are told; or nothing at all when
the text is out of bounds or mentions someone the register does not know."""

from __future__ import annotations

from sqlmodel import Session

from ci_workflow.domain.authority.actors import Actor
from ci_workflow.domain.authority.people import PersonView
from ci_workflow.domain.authority.permissions import Action, allowed
from ci_workflow.domain.discussion.comments import checked_text, mentions
from ci_workflow.domain.ids import format_id
from ci_workflow.domain.vocabulary import Gate
from ci_workflow.errors import NotFound, UsageError
from ci_workflow.formatting import one_line, plain
from ci_workflow.services.people import notifications
from ci_workflow.services.people.refusals import Refused, refusing
from ci_workflow.services.people.watching import tell_watchers
from ci_workflow.services.register.discussion.attachments import Upload, checked, keep
from ci_workflow.settings import get_settings
from ci_workflow.store.audit import record_act
from ci_workflow.store.db import transaction
from ci_workflow.store.people.people import load_directory
from ci_workflow.store.register import discussion as store
from ci_workflow.store.register.improvements import get_improvement
from ci_workflow.store.tables import Comment, Improvement


def add_comment(
    ref: str, text: str, *, actor: Actor, gate: str | None = None, upload: Upload | None = None
) -> int:
    """Keep the comment (with the file ``upload``, if one) and tell whom it concerns; its id."""
    body = checked_text(text)
    about = _gate(gate)
    file = checked(upload) if upload is not None else None
    person = actor.person
    with refusing(actor), transaction() as session:
        improvement = get_improvement(session, ref)
        shown = format_id(improvement.id or 0)
        if person is None or not allowed(Action.discuss, person):
            raise Refused(f"{actor.name} may not comment on {shown}", improvement.id)
        mentioned = mentions(body, load_directory(session))
        comment = store.add_comment(
            session, improvement_id=improvement.id or 0, author_id=person.id, body=body, gate=about
        )
        record_act(
            session,
            actor,
            improvement_id=improvement.id,
            action="comment_added",
            detail=f"comment {comment.id}"
            + (f" about {about}" if about else "")
            + f": {one_line(body, 120)}",
        )
        if file is not None:
            keep(session, actor, improvement.id or 0, file, comment_id=comment.id)
        _tell(session, improvement, comment, actor, mentioned)
    notifications.dispatch()  # after the commit: a slow send holds nothing up
    return comment.id or 0


def _gate(gate: str | None) -> str | None:
    if not gate:
        return None
    try:
        return str(Gate(gate))
    except ValueError:
        choices = ", ".join(Gate)
        raise UsageError(f"gate: {gate!r} is no gate; choose from {choices}") from None


def _tell(
    session: Session,
    improvement: Improvement,
    comment: Comment,
    actor: Actor,
    mentioned: list[PersonView],
) -> None:
    """Each person mentioned (not the author), then the watchers not told already."""
    shown = format_id(improvement.id or 0)
    link = f"{get_settings().workspace_url}/improvements/{shown}#comment-{comment.id}"
    excerpt = plain(comment.body if len(comment.body) <= 1500 else comment.body[:1500] + "…")
    author = actor.person.id if actor.person is not None else 0
    told = [p for p in mentioned if p.id != author]
    for person in told:
        message = notifications.Message(
            kind="mention",
            subject=f"{shown}: {actor.name} mentioned you",
            body=f"{actor.name} mentioned you in a comment on {shown} "
            f"{plain(improvement.title)}:\n\n{excerpt}",
            link=link,
            improvement_id=improvement.id,
        )
        key = f"mention:{comment.id}:{person.id}"
        notifications.queue(session, message, key=key, people=[person], webhook=False)
        record_act(
            session,
            actor,
            improvement_id=improvement.id,
            action="mention_sent",
            detail=f"comment {comment.id}: {person.name} ({person.email}) is told",
        )
    news = notifications.Message(
        kind="comment_added",
        subject=f"{shown}: a comment from {actor.name}",
        body=f"{actor.name} commented on {shown} {plain(improvement.title)}:\n\n{excerpt}",
        link=link,
        improvement_id=improvement.id,
    )
    told_ids = [author, *(p.id for p in told)]
    tell_watchers(session, news, key=f"comment:{comment.id}", told=told_ids)


def remove_comment(ref: str, comment_id: int, *, actor: Actor) -> str:
    """Remove a comment (its author or a CI manager), with the files attached to it."""
    person = actor.person
    with refusing(actor), transaction() as session:
        improvement = get_improvement(session, ref)
        shown = format_id(improvement.id or 0)
        comment = store.find_comment(session, improvement.id or 0, comment_id)
        if comment is None:
            raise NotFound(f"{shown} has no comment {comment_id}")
        if person is None or not allowed(
            Action.remove_contribution, person, subject_id=comment.author_id
        ):
            raise Refused(
                f"{actor.name} may not remove comment {comment_id} of {shown}: only its "
                "author or a CI manager may",
                improvement.id,
            )
        for attached in store.attachments_of(session, improvement.id or 0):
            if attached.comment_id == comment_id:
                record_act(
                    session,
                    actor,
                    improvement_id=improvement.id,
                    action="attachment_removed",
                    detail=f"attachment {attached.id}: {attached.filename!r}, with comment "
                    f"{comment_id}",
                )
                store.remove_attachment(session, attached)
        record_act(
            session,
            actor,
            improvement_id=improvement.id,
            action="comment_removed",
            detail=f"comment {comment_id}: {one_line(comment.body, 120)}",
        )
        store.remove_comment(session, comment)
    return f"{shown}: comment {comment_id} removed"
