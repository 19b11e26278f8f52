"""What the workspace shows of the talk about one improvement: its comments, the files attached
as evidence, who follows it, and what the person looking may do there; and one file, to
download."""

from __future__ import annotations

from ci_workflow.domain.authority.actors import Actor
from ci_workflow.domain.authority.permissions import Action, allowed
from ci_workflow.domain.discussion.attachments import ALLOWED
from ci_workflow.domain.discussion.comments import handle, paragraphs
from ci_workflow.domain.ids import format_id
from ci_workflow.domain.vocabulary import Gate
from ci_workflow.errors import NotFound
from ci_workflow.schemas_discussion import AttachmentPublic, CommentPublic, Discussion
from ci_workflow.settings import get_settings
from ci_workflow.store.db import transaction
from ci_workflow.store.people.people import names_by_id
from ci_workflow.store.register import discussion as store
from ci_workflow.store.register.improvements import get_improvement


def discussion_of(ref: str, actor: Actor) -> Discussion:
    person = actor.person
    with transaction(write=False) as session:
        improvement = get_improvement(session, ref)
        improvement_id = improvement.id or 0
        shown = format_id(improvement_id)
        comments = store.comments_of(session, improvement_id)
        files = store.attachments_of(session, improvement_id)
        watching = store.watcher_ids(session, improvement_id)
        names = names_by_id(session)

    def removable(author_id: int) -> bool:
        return person is not None and allowed(
            Action.remove_contribution, person, subject_id=author_id
        )

    return Discussion(
        improvement=shown,
        comments=[
            CommentPublic(
                id=c.id or 0,
                by=names.get(c.author_id, "?"),
                at=c.created_at,
                gate=c.gate,
                body=c.body,
                paragraphs=paragraphs(c.body),
                may_remove=removable(c.author_id),
            )
            for c in comments
        ],
        attachments=[
            AttachmentPublic(
                id=a.id or 0,
                filename=a.filename,
                media_type=a.media_type,
                size=a.size,
                sha256=a.sha256,
                by=names.get(a.author_id, "?"),
                at=a.created_at,
                comment_id=a.comment_id,
                link=f"/improvements/{shown}/attachments/{a.id}",
                may_remove=removable(a.author_id),
            )
            for a in files
        ],
        watchers=[names.get(i, "?") for i in watching],
        following=person is not None and person.id in watching,
        may_discuss=person is not None and allowed(Action.discuss, person),
        handle=handle(person.name) if person is not None else "",
        gates=list(Gate),
        kinds=ALLOWED,
        max_bytes=get_settings().attachment_max_bytes,
    )


def attachment_file(ref: str, attachment_id: int) -> tuple[AttachmentPublic, bytes]:
    """One attached file and its bytes, as they were uploaded."""
    with transaction(write=False) as session:
        improvement = get_improvement(session, ref)
        shown = format_id(improvement.id or 0)
        found = store.find_attachment(session, improvement.id or 0, attachment_id)
        if found is None:
            raise NotFound(f"{shown} has no attachment {attachment_id}")
        data = store.content_of(session, attachment_id)
        by = names_by_id(session, [found.author_id]).get(found.author_id, "?")
    public = AttachmentPublic(
        id=attachment_id,
        filename=found.filename,
        media_type=found.media_type,
        size=found.size,
        sha256=found.sha256,
        by=by,
        at=found.created_at,
        comment_id=found.comment_id,
        link=f"/improvements/{shown}/attachments/{attachment_id}",
    )
    return public, data
