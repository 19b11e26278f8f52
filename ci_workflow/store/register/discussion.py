"""Reading and writing an improvement's comments, watchers and attachments."""

from __future__ import annotations

from sqlalchemy import delete
from sqlmodel import Session, col, select

from ci_workflow.store.tables import Attachment, AttachmentContent, Comment, Watcher


def add_comment(
    session: Session, *, improvement_id: int, author_id: int, body: str, gate: str | None
) -> Comment:
    comment = Comment(improvement_id=improvement_id, author_id=author_id, body=body, gate=gate)
    session.add(comment)
    session.flush()
    return comment


def comments_of(session: Session, improvement_id: int) -> list[Comment]:
    query = select(Comment).where(Comment.improvement_id == improvement_id)
    return list(session.exec(query.order_by(col(Comment.created_at), col(Comment.id))))


def find_comment(session: Session, improvement_id: int, comment_id: int) -> Comment | None:
    comment = session.get(Comment, comment_id)
    return comment if comment is not None and comment.improvement_id == improvement_id else None


def remove_comment(session: Session, comment: Comment) -> None:
    session.delete(comment)
    session.flush()


def watcher_ids(session: Session, improvement_id: int) -> list[int]:
    query = select(Watcher.person_id).where(Watcher.improvement_id == improvement_id)
    return list(session.exec(query.order_by(col(Watcher.since), col(Watcher.id))))


def watch(session: Session, *, improvement_id: int, person_id: int) -> bool:
    """Follow; False if already following."""
    if person_id in watcher_ids(session, improvement_id):
        return False
    session.add(Watcher(improvement_id=improvement_id, person_id=person_id))
    session.flush()
    return True


def unwatch(session: Session, *, improvement_id: int, person_id: int) -> bool:
    """Stop following; False if not following."""
    query = delete(Watcher).where(
        col(Watcher.improvement_id) == improvement_id, col(Watcher.person_id) == person_id
    )
    return bool(session.execute(query).rowcount)  # type: ignore[attr-defined]


def add_attachment(session: Session, attachment: Attachment, data: bytes) -> Attachment:
    session.add(attachment)
    session.flush()
    session.add(AttachmentContent(attachment_id=attachment.id or 0, data=data))
    session.flush()
    return attachment


def attachments_of(session: Session, improvement_id: int) -> list[Attachment]:
    query = select(Attachment).where(Attachment.improvement_id == improvement_id)
    return list(session.exec(query.order_by(col(Attachment.created_at), col(Attachment.id))))


def find_attachment(session: Session, improvement_id: int, attachment_id: int) -> Attachment | None:
    found = session.get(Attachment, attachment_id)
    return found if found is not None and found.improvement_id == improvement_id else None


def content_of(session: Session, attachment_id: int) -> bytes:
    content = session.get(AttachmentContent, attachment_id)
    return content.data if content is not None else b""


def remove_attachment(session: Session, attachment: Attachment) -> None:
    """The file and its bytes (deleted here, not left to the database's cascade: SQLite's
    foreign keys may be off on a connection that did not turn them on)."""
    session.execute(
        delete(AttachmentContent).where(col(AttachmentContent.attachment_id) == attachment.id)
    )
    session.delete(attachment)
    session.flush()
