"""E-mails people read: the gate's message (what is decided and why, in plain text), and the
HTML part every notification e-mail gets from its plain text, with one button to the workspace.

The HTML is made from the text, not beside it, so both parts always say the same; everything
in it is escaped (autoescaped template), so a title typed with ``<script>`` shows as typed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from ci_workflow.domain.stages.gates import Gate
from ci_workflow.reports.rendering import render
from ci_workflow.schemas import GateWarningPublic, ImprovementDetail

# What the subject says is asked, after the improvement's ID and title.
ASKED = {
    Gate.plan_approval: "approval needed",
    Gate.resubmitted: "rework to resubmit",
    Gate.execution_complete: "is the execution complete?",
    Gate.review_signoff: "sign-off needed",
}
DECIDED = {
    Gate.plan_approval: "Approve the plan, reject it, or send it back for rework; a rejection or "
    "a rework says why in a comment.",
    Gate.resubmitted: "The plan was sent back for rework: change what was asked, then resubmit "
    "it for approval.",
    Gate.execution_complete: "Declare the execution complete when the planned work is done; the "
    "review starts.",
    Gate.review_signoff: "Accept the review with the lessons learned (the improvement is "
    "consolidated, then closed), or extend the execution with a comment saying why.",
}
# What the button of each kind of notification says.
BUTTONS = {"gate_opened": "Decide in the workspace", "gate_overdue": "Decide in the workspace"}
NO_ADDRESS = (
    "This message cannot link to the workspace: its public address is not configured (whoever "
    "runs it sets IMPROVE_WEB_URL). Open {what} in the workspace."
)


def gate_subject(detail: ImprovementDetail, gate: Gate) -> str:
    """``IMP-0005 Faster VPN resets: approval needed``."""
    return f"{detail.id} {detail.title}: {ASKED[gate]}"


def gate_mail_text(
    detail: ImprovementDetail,
    gate: Gate,
    *,
    attempt: int,
    who: str,
    latest: dict[str, tuple[float, datetime]],
    warnings: Sequence[GateWarningPublic],
) -> str:
    """The body of a gate's e-mail, without its link (``notifications`` adds it)."""
    return render(
        "gate_mail.txt",
        d=detail,
        gate=gate,
        attempt=attempt,
        who=who,
        decided=DECIDED[gate],
        latest=latest,
        warnings=warnings,
    ).strip()


@dataclass(frozen=True)
class Block:
    heading: str
    lines: tuple[str, ...]
    listed: bool  # the lines are items of a list


def blocks(text: str) -> list[Block]:
    """Paragraphs split at blank lines; one whose lines (after a first line ending in ``:``)
    all start with ``- `` is a list under that heading."""
    found = []
    for chunk in (c for c in text.split("\n\n") if c.strip()):
        lines = [line.rstrip() for line in chunk.strip("\n").splitlines()]
        heading = lines[0] if lines[0].endswith(":") and len(lines) > 1 else ""
        rest = lines[1:] if heading else lines
        listed = all(line.lstrip().startswith("- ") for line in rest)
        items = tuple(line.lstrip()[2:] if listed else line for line in rest)
        found.append(Block(heading, items, listed))
    return found


def mail_html(subject: str, text: str, *, link: str, kind: str) -> str:
    """The HTML part of an e-mail whose plain text is ``text``: the same words, escaped, and one
    button to ``link`` (none when the workspace's address is not configured)."""
    return render(
        "mail.html",
        subject=subject,
        blocks=blocks(text),
        link=link,
        button=BUTTONS.get(kind, "Open in the workspace"),
    )


def link_line(kind: str, link: str, what: str) -> str:
    """A plain-text e-mail's last line: the link, or in words why there is none (``what``
    names what to open)."""
    if link:
        return f"{BUTTONS.get(kind, 'Open in the workspace')}: {link}"
    return NO_ADDRESS.format(what=what)
