"""Every id a tool's table holds, listed to notice the records deleted there (any connector
that can list by key; a kind that cannot is not reconciled).

The list pages by key, not offset: a record deleted while it is read would make an offset skip
one that is still there, and that one would be taken as deleted.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from ci_workflow.domain.records.itsm_sync import MissingField
from ci_workflow.services.intake.itsm.http import ConnectorError
from ci_workflow.services.intake.itsm.reading import Connector, Limits, missing_field


@runtime_checkable
class ListsIds(Protocol):
    keyset: str  # the field the list pages by (its order, and the one to ask after)

    def ids(self, table: str, field: str, after: str | None, limit: int) -> list[dict[str, Any]]:
        """The next ``limit`` records (key and ``field``) in the order of the key, after one."""
        ...


def every_id(api: Connector, table: str, id_column: str, limits: Limits) -> set[str] | None:
    """Each record's id (the mapping's id column, as a sync reads it) the table holds; None
    when the connector cannot list them."""
    if not isinstance(api, ListsIds):
        return None
    found: set[str] = set()
    after: str | None = None
    fields = [api.keyset, id_column]
    while True:
        records = api.ids(table, id_column, after, limits.page_size)
        try:
            flat = [api.flatten(r, fields, frozenset()) for r in records]
        except MissingField as missing:
            raise ConnectorError(missing_field(table, str(missing))) from None
        found.update(row[id_column] for row in flat)
        if len(records) < limits.page_size:
            return found
        after = flat[-1][api.keyset]
