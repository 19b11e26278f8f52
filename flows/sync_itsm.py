"""Scheduled: each connection to an ITSM tool whose period (``--every``) has passed is synced.
Started by "Sync now" with ``connection``: that one connection, whether or not its period has
passed."""

from __future__ import annotations

import os
import pwd

from prefect import flow, get_run_logger, runtime

from ci_workflow.domain.authority.actors import operating_system


@flow(name="sync-itsm")
def sync_itsm(connection: str | None = None) -> list[str]:
    """A line per connection synced: what it read and wrote, or why it failed (kept on the
    connection, shown by ``improve connections list`` and the Connections page)."""
    from ci_workflow.services.intake.connection_sync import sync_due
    from ci_workflow.services.intake.sync_requests import sync_asked

    try:
        account = pwd.getpwuid(os.getuid()).pw_name
    except KeyError:  # a container's user without an entry in /etc/passwd
        account = f"uid-{os.getuid()}"
    actor = operating_system(account)
    if connection:
        lines = sync_asked(connection, actor=actor, flow_run_id=runtime.flow_run.id)
    else:
        lines = sync_due(actor)
    for line in lines:
        get_run_logger().info(line)
    return lines
