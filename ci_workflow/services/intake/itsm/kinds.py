"""The tools a connection may name (``--kind``): each one's tables, the records each becomes,
its default mapping of fields, and its connector."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from ci_workflow.services.intake.itsm import servicenow
from ci_workflow.services.intake.itsm.reading import Connector


@dataclass(frozen=True)
class Kind:
    label: str
    tables: dict[str, str]  # the tool's table: the records it becomes (incidents, changes)
    mapping: str  # the default mapping (YAML): the tool's own field names
    connector: Callable[[str, str | None, str | None, Callable[[float], None]], Connector]
    # The same as an OAuth client (client id, secret), when the tool takes one.
    oauth: Callable[[str, str | None, str | None, Callable[[float], None]], Connector] | None = None


KINDS = {
    "servicenow": Kind(
        "ServiceNow",
        servicenow.TABLES,
        servicenow.MAPPING,
        servicenow.ServiceNow,
        oauth=servicenow.ServiceNow.with_oauth,
    ),
}


def kind_of(name: str) -> Kind:
    return KINDS[name]


def connector_for(
    kind: str,
    url: str,
    user: str | None,
    secret: str | None,
    sleep: Callable[[float], None] = time.sleep,
    auth: str = "basic",
) -> Connector:
    made = KINDS[kind].oauth if auth == "oauth" else KINDS[kind].connector
    if made is None:
        raise ValueError(f"{kind} takes no {auth} authentication")
    return made(url, user, secret, sleep)


def auths(kind: str) -> tuple[str, ...]:
    """How a connection of this kind may authenticate: basic (a user's password), oauth."""
    return ("basic", "oauth") if KINDS[kind].oauth is not None else ("basic",)
