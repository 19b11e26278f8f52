"""What the register makes of records deleted in an ITSM tool, as the deletion tests check it on
every tool: which are marked, and what the metric and the detectors still count."""

from __future__ import annotations

from sqlalchemy import select

from ci_workflow.domain.improvement.sources import IncidentsSource
from ci_workflow.domain.measures.window import Window
from ci_workflow.metrics import incident_source
from ci_workflow.store.db import transaction
from ci_workflow.store.intake.change_records import closed_between
from ci_workflow.store.intake.incidents import opened_between
from ci_workflow.store.tables import ChangeRecord, Incident


def marked(incidents: int, changes: int) -> tuple[set[str], set[str]]:
    """The incidents and changes marked deleted in the tool, by number; every one synced is
    still there (measured history stays)."""
    with transaction(write=False) as session:
        kept_incidents = session.execute(select(Incident)).scalars().all()
        kept_changes = session.execute(select(ChangeRecord)).scalars().all()
    assert (len(kept_incidents), len(kept_changes)) == (incidents, changes)
    return (
        {i.number for i in kept_incidents if i.deleted_at is not None},
        {c.number for c in kept_changes if c.deleted_at is not None},
    )


def counted(window: Window) -> tuple[float, int, int]:
    """Incidents as a metric counts them; incidents opened and changes closed as the detectors
    count them."""
    source = IncidentsSource(kind="incidents", metric="incident_count")
    with transaction(write=False) as session:
        opened = opened_between(session, window.start, window.end, ["number"])
        closed = closed_between(session, window.start, window.end)
    return incident_source.read(source, window), len(opened), len(closed)
