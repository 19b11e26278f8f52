"""Telling the people who follow an improvement what happened to it: a gate opened, a decision
was recorded, a comment was added. Once each: whoever this event already tells otherwise (who
may decide the gate, who was mentioned, who acted) gets no second message about it."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session

from ci_workflow.domain.authority.people import PersonView
from ci_workflow.domain.ids import format_id
from ci_workflow.formatting import plain
from ci_workflow.services.people import notifications
from ci_workflow.settings import get_settings
from ci_workflow.store.people.people import load_directory
from ci_workflow.store.register.discussion import watcher_ids
from ci_workflow.store.tables import Improvement


def tell_watchers(
    session: Session, message: notifications.Message, *, key: str, told: Iterable[int] = ()
) -> list[int]:
    """Queue ``message`` (about ``message.improvement_id``) for its watchers not in ``told``,
    keyed ``key`` so a replay tells nobody twice; the ids of those told."""
    assert message.improvement_id is not None
    skip = set(told)
    wanted = [i for i in watcher_ids(session, message.improvement_id) if i not in skip]
    if not wanted:
        return []
    people = [p for p in load_directory(session).people if p.id in wanted]
    notifications.queue(session, message, key=f"watch:{key}", people=people, webhook=False)
    return [p.id for p in people]


def tell_gate_opened(
    session: Session, improvement: Improvement, gate: str, key: str, told: Iterable[int]
) -> None:
    """Its gate opened: watchers hear it (not who may decide it: they are asked already)."""
    shown, words = format_id(improvement.id or 0), gate.replace("_", " ")
    news = notifications.Message(
        kind="watch_gate_opened",
        subject=f"{shown} waits at {words}",
        body=f"{shown} {plain(improvement.title)}, which you follow, waits at {words}.",
        link=f"{get_settings().workspace_url}/improvements/{shown}",
        improvement_id=improvement.id,
    )
    tell_watchers(session, news, key=f"gate_opened:{improvement.id}:{key}", told=told)


def tell_decision(
    session: Session, improvement: Improvement, key: str, decision: str, by: PersonView
) -> None:
    """A decision was recorded at its gate: watchers hear it (not who took it)."""
    shown = format_id(improvement.id or 0)
    news = notifications.Message(
        kind="watch_decision",
        subject=f"{shown}: {key.replace('-', ' ')}: {decision} by {by.name}",
        body=f"{by.name} decided {decision} at {key.replace('-', ' ')} of {shown} "
        f"{plain(improvement.title)}, which you follow.",
        link=f"{get_settings().workspace_url}/improvements/{shown}#gates",
        improvement_id=improvement.id,
    )
    tell_watchers(session, news, key=f"decision:{improvement.id}:{key}", told=[by.id])
