"""ServiceNow's Table API, read a page at a time (``GET /api/now/table/{table}``).

Each page is one GET with ``sysparm_query`` (the sync's encoded query: from the cursor on, by
``sys_updated_on`` then ``sys_id``), ``sysparm_fields``, ``sysparm_limit`` and ``sysparm_offset``,
``sysparm_display_value=all`` (a field's stored value and its label both) and basic
authentication, or an OAuth client's bearer token (``itsm.oauth``). Noticing deletions lists
a table's ids by key (``sys_id>LAST^ORDERBYsys_id``, two fields a record). The answer is
``{"result": [...]}`` with the number of records the query matches in ``X-Total-Count``; an
error is ``{"error": {"message", "detail"}, "status": "failure"}`` with its HTTP status.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import httpx

from ci_workflow.domain.records.itsm_sync import Cursor, encoded_query, flatten
from ci_workflow.services.intake.itsm import mappings
from ci_workflow.services.intake.itsm.http import ConnectorError, Http, Page, json_body
from ci_workflow.services.intake.itsm.oauth import ClientCredentials

# Each table read: the records it becomes in the register.
TABLES = {
    "incident": "incidents",
    "change_request": "changes",
    "problem": "problems",
    "task_sla": "slas",
}
MAPPING = mappings.SERVICENOW


class ServiceNow:
    """One instance's Table API, as one user."""

    key, updated = "sys_id", "sys_updated_on"
    keyset = key  # the deletions' listing pages by it too

    def __init__(
        self,
        url: str,
        user: str | None,
        secret: str | None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        auth = (user, secret or "") if user else None
        self.http = Http(url, sleep=sleep, said=_said, auth=auth)

    @classmethod
    def with_oauth(
        cls,
        url: str,
        client_id: str | None,
        secret: str | None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> ServiceNow:
        """As an OAuth client (client credentials), its token sent on each request."""
        api = cls(url, None, None, sleep)
        api.http.bearer = ClientCredentials(url, client_id or "", secret or "")
        return api

    def page(
        self, table: str, cursor: Cursor, fields: list[str], limit: int, offset: int = 0
    ) -> Page:
        params = {
            "sysparm_query": encoded_query(cursor, self.updated, self.key),
            "sysparm_fields": ",".join(fields),
            "sysparm_limit": str(limit),
            "sysparm_offset": str(offset),
            "sysparm_display_value": "all",
            "sysparm_exclude_reference_link": "true",
        }
        where = f"{table} (offset {offset})"
        answer = self.http.get(f"/api/now/table/{table}", params, where)
        return _page(answer, table, self.http.host())

    def flatten(
        self, record: Mapping[str, Any], fields: Iterable[str], times: frozenset[str]
    ) -> dict[str, str]:
        return flatten(record, fields, times)

    def ids(self, table: str, field: str, after: str | None, limit: int) -> list[dict[str, Any]]:
        """The next ``limit`` records of the table (``sys_id`` and ``field`` only) by
        ``sys_id``, after ``after``: pages by key, so a record deleted while the pages are read
        shifts none of the others out of the list, as an offset would."""
        query = f"{self.key}>{after}^ORDERBY{self.key}" if after else f"ORDERBY{self.key}"
        params = {
            "sysparm_query": query,
            "sysparm_fields": f"{self.key},{field}",
            "sysparm_limit": str(limit),
            "sysparm_display_value": "all",
            "sysparm_exclude_reference_link": "true",
            "sysparm_no_count": "true",
        }
        answer = self.http.get(f"/api/now/table/{table}", params, f"{table} (ids after {after})")
        return _page(answer, table, self.http.host()).records


def _said(answer: httpx.Response) -> str:
    """The API's own message of an error answer, when it gives one."""
    try:
        error = answer.json().get("error") or {}
    except (ValueError, AttributeError):
        return ""
    if not isinstance(error, dict):
        return ""
    message = " ".join(str(error.get(k) or "") for k in ("message", "detail")).strip()
    return f": {message[:300]}" if message else ""


def _page(answer: httpx.Response, table: str, host: str) -> Page:
    status = answer.status_code
    if status == 401:
        raise ConnectorError(
            f"{host} refused the credentials (HTTP 401{_said(answer)}): check the user and "
            "its password; to change them: improve connections set NAME --user U --secret-stdin"
        )
    if status == 403:
        raise ConnectorError(f"{table}: the user may not read this table (HTTP 403{_said(answer)})")
    if status in (400, 404):
        raise ConnectorError(
            f"{table}: not a table this instance serves (HTTP {status}{_said(answer)})"
        )
    if status != 200:
        raise ConnectorError(f"{table}: HTTP {status}{_said(answer)}")
    body = json_body(answer, table)
    if not isinstance(body, dict) or not isinstance(body.get("result"), list):
        raise ConnectorError(f"{table}: the answer has no list of records ('result')")
    records = [r for r in body["result"] if isinstance(r, dict)]
    if len(records) != len(body["result"]):
        raise ConnectorError(f"{table}: the answer's 'result' holds something not a record")
    total = answer.headers.get("x-total-count")
    return Page(records, int(total) if total and total.isdigit() else None)
