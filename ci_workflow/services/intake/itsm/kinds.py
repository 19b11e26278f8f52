"""The tools a connection may name (``--kind``): each one's tables, the records each becomes,
its default mapping of fields, and its connector."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from ci_workflow.services.intake.itsm import glpi, servicenow
from ci_workflow.services.intake.itsm.reading import Connector


@dataclass(frozen=True)
class Kind:
    label: str
    tables: dict[str, str]  # the tool's table: the records it becomes (incidents, changes)
    mapping: str  # the default mapping (YAML): the tool's own field names
    connector: Callable[[str, str | None, str | None, Callable[[float], None]], Connector]
    # The user and secret checked when a connection is added (default: a secret is a password)
    check_secret: Callable[[str | None, str | None], None] | None = None


KINDS = {
    "servicenow": Kind("ServiceNow", servicenow.TABLES, servicenow.MAPPING, servicenow.ServiceNow),
    "glpi": Kind("GLPI", glpi.TABLES, glpi.MAPPING, glpi.Glpi, glpi.check_secret),
}


def kind_of(name: str) -> Kind:
    return KINDS[name]


def connector_for(
    kind: str,
    url: str,
    user: str | None,
    secret: str | None,
    sleep: Callable[[float], None] = time.sleep,
) -> Connector:
    return KINDS[kind].connector(url, user, secret, sleep)
