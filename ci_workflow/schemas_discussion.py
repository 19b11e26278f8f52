"""The shapes of talking about an improvement (beside ``schemas``): its comments, the files
attached as evidence, and who follows it, as the page and its JSON twins show them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class _Public(BaseModel):
    model_config = ConfigDict(defer_build=True)


class AttachmentPublic(_Public):
    id: int
    filename: str
    media_type: str
    size: int
    sha256: str
    by: str
    at: datetime
    comment_id: int | None = None
    link: str  # the download, relative to the workspace
    may_remove: bool = False


class CommentPublic(_Public):
    id: int
    by: str
    at: datetime
    gate: str | None = None
    body: str  # as typed: a page escapes it
    paragraphs: list[list[str]]  # the body in paragraphs of lines, for a page
    may_remove: bool = False


class Discussion(_Public):
    improvement: str  # IMP-0001
    comments: list[CommentPublic]
    attachments: list[AttachmentPublic]
    watchers: list[str]  # names
    following: bool  # the person looking follows it
    may_discuss: bool
    handle: str  # how others mention the person looking: @handle
    gates: list[str]  # the gates a comment may be about
    kinds: str  # the kinds of file kept, for the upload form
    max_bytes: int
