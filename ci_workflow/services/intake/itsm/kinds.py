"""The tools a connection may name (``--kind``): each one's tables, the records each becomes,
its default mapping of fields, and its connector."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from ci_workflow.services.intake.itsm import glpi, jira, servicenow
from ci_workflow.services.intake.itsm.reading import Connector

Options = Mapping[str, Mapping[str, str]]  # a table: its options, as the mapping gives them


@dataclass(frozen=True)
class Kind:
    label: str
    tables: dict[str, str]  # the tool's table: the records it becomes (incidents, changes)
    mapping: str  # the default mapping (YAML): the tool's own field names
    # (url, user, secret, sleep), and the tables' options when the kind has any.
    connector: Callable[..., Connector]
    # The same as an OAuth client (client id, secret), when the tool takes one.
    oauth: Callable[..., Connector] | None = None
    # Keys a table's part of the mapping may hold for the connector (not the import), each
    # with its check: the value kept, or a ValueError saying what is wrong.
    options: Mapping[str, Callable[[object], str]] = field(default_factory=dict)
    # A secret without a --user is a token sent as a bearer (Jira Data Center's).
    token_alone: bool = False
    # The user and secret checked when a connection is added (default: a secret is a password)
    check_secret: Callable[[str | None, str | None], None] | None = None


KINDS = {
    "servicenow": Kind(
        "ServiceNow",
        servicenow.TABLES,
        servicenow.MAPPING,
        servicenow.ServiceNow,
        oauth=servicenow.ServiceNow.with_oauth,
    ),
    "jira": Kind(
        "Jira Service Management",
        jira.TABLES,
        jira.MAPPING,
        jira.Jira,
        options=jira.OPTIONS,
        token_alone=True,
    ),
    "glpi": Kind("GLPI", glpi.TABLES, glpi.MAPPING, glpi.Glpi, check_secret=glpi.check_secret),
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
    options: Options | None = None,
) -> Connector:
    made = KINDS[kind]
    connector = made.oauth if auth == "oauth" else made.connector
    if connector is None:
        raise ValueError(f"{kind} takes no {auth} authentication")
    if made.options:
        return connector(url, user, secret, sleep, options or {})
    return connector(url, user, secret, sleep)


def auths(kind: str) -> tuple[str, ...]:
    """How a connection of this kind may authenticate: basic (a user's password), oauth."""
    return ("basic", "oauth") if KINDS[kind].oauth is not None else ("basic",)
