"""A comment's rules: its bounds, the paragraphs it is shown in, and the people it mentions.

A person is mentioned as ``@`` and their e-mail (``@lena@example.org``) or their handle: their
name in lower case with its spaces as hyphens (``@lena-fischer``); both are compared as names
are (``name_key``). Markdown-lite: blank lines part paragraphs, a line break stays one; nothing
else is markup, so a link is shown as the text it is.
"""

from __future__ import annotations

import re

from ci_workflow.domain.authority.people import Directory, PersonView, name_key
from ci_workflow.domain.text import multi_line
from ci_workflow.errors import UsageError

MAX_COMMENT = 10_000  # characters: a long e-mail's worth
# ``@`` after a blank or an opening mark (not inside an address or a link such as
# ``https://example.org/@someone``), then an e-mail or a handle.
_MENTION = re.compile(r"(?<![\w@.+\-/:=?&#%])@([\w.+-]+@[\w-]+(?:\.[\w-]+)+|\w(?:[\w.-]*\w)?)")


def handle(name: str) -> str:
    """``Lena Fischer`` → ``lena-fischer``, ``Seán O'Brien`` → ``seán-obrien``: what follows
    ``@`` to mention a person by name (no apostrophe: ``@lena-fischer's`` is Lena's)."""
    return "-".join(re.sub("['’]", "", name_key(name)).split())


def checked_text(text: str) -> str:
    """The comment as it is kept: without surrounding blanks, within its bound, printable."""
    kept = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not kept:
        raise UsageError("comment: write something to say")
    if len(kept) > MAX_COMMENT:
        raise UsageError(f"comment: {len(kept):,} characters; at most {MAX_COMMENT:,} are kept")
    try:
        return multi_line(kept)
    except ValueError as refused:
        raise UsageError(f"comment: {refused}") from None


def mentions(text: str, directory: Directory) -> list[PersonView]:
    """Everyone ``text`` mentions, once each, in order; an unknown or deactivated person, or a
    handle two people share, is an error naming them."""
    by_handle: dict[str, list[PersonView]] = {}
    for person in directory.people:
        by_handle.setdefault(handle(person.name), []).append(person)
    found: dict[int, PersonView] = {}
    for match in _MENTION.finditer(text):
        said = match.group(1)
        named = [directory.find(said)] if "@" in said else by_handle.get(name_key(said), [])
        if not named or named[0] is None:
            raise UsageError(f"comment: @{said} is nobody in the register")
        if len(named) > 1:
            raise UsageError(f"comment: @{said} names {len(named)} people; use their e-mail")
        person = named[0]
        if not person.active:
            raise UsageError(f"comment: @{said} ({person.name}) is deactivated")
        found.setdefault(person.id, person)
    return list(found.values())


def paragraphs(text: str) -> list[list[str]]:
    """The text as paragraphs of lines, for a page to show (escaped) with line breaks."""
    parts = re.split(r"\n\s*\n", text.strip())
    return [part.split("\n") for part in parts if part.strip()]
