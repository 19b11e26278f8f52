"""Jira Service Management's issues, read a page at a time through Jira's REST search.

Which Jira it is comes from ``GET /rest/api/2/serverInfo`` (``deploymentType``): Jira Cloud is
searched with ``GET /rest/api/3/search/jql`` (``jql``, ``fields``, ``maxResults``, ``expand``, and
the ``nextPageToken`` of the page before; the answer's ``isLast``), Data Center with ``GET
/rest/api/2/search`` (``startAt``, ``maxResults``; the answer's ``total``). On Cloud the user is
the account's e-mail and the secret an API token (basic authentication); on Data Center, no user
and a personal access token (a bearer), or a user and its password. The user's time zone
(``GET /myself``) is the one JQL's times are read in (``domain.records.jira_issues``).

Each table is the issues of a JQL filter (the mapping's ``jql``; by default their issue type).
When the mapping counts reassignments or reopenings, the search embeds each issue's changelog;
one Jira cut short (Cloud embeds the last 40 entries) is read whole from ``GET
/issue/{key}/changelog``, and the done category's statuses from ``GET /status``. An error is
``{"errorMessages": [...], "errors": {...}}`` with its HTTP status. Noticing deletions lists a
table's issues by their numeric id (``id > LAST ORDER BY id ASC`` within its JQL): a deleted
issue is gone from search.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import httpx

from ci_workflow.domain.records.itsm_sync import Cursor
from ci_workflow.domain.records.jira_issues import (
    asked_fields,
    check_jql,
    flatten_issue,
    ids_jql,
    search_jql,
    wants_history,
)
from ci_workflow.services.intake.itsm import mappings
from ci_workflow.services.intake.itsm.http import ConnectorError, Http, Page, json_body

# Each table read: the records it becomes in the register.
TABLES = {"incident": "incidents", "change": "changes", "problem": "problems"}
JQL = {
    "incident": "issuetype = Incident",
    "change": "issuetype = Change",
    "problem": "issuetype = Problem",
}
MAPPING = mappings.JIRA
OPTIONS = {"jql": check_jql}
HISTORY_PAGE = 100


@dataclass(frozen=True)
class Site:
    api: str  # /rest/api/3 on Cloud, /rest/api/2 on Data Center
    cloud: bool
    zone: ZoneInfo  # the connection user's: JQL's times are read in it


class Jira:
    """One Jira site's issues, as one user."""

    key, updated = "key", "updated"
    keyset = "id"  # the deletions' listing pages by the issue's number, not its key

    def __init__(
        self,
        url: str,
        user: str | None,
        secret: str | None,
        sleep: Callable[[float], None] = time.sleep,
        options: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        auth = (user, secret or "") if user else None
        bearer = {"Authorization": f"Bearer {secret}"} if secret and not user else {}
        self.http = Http(url, sleep=sleep, said=_said, auth=auth, headers=bearer)
        chosen = options or {}
        self.filters = {t: chosen.get(t, {}).get("jql", JQL[t]) for t in TABLES}
        self._site: Site | None = None
        self._done: frozenset[str] | None = None
        self._tokens: dict[tuple[str, str, int], str] = {}  # (table, jql, offset): its token

    def page(
        self, table: str, cursor: Cursor, fields: list[str], limit: int, offset: int = 0
    ) -> Page:
        site = self.site()
        jql = search_jql(self.filters[table], cursor, site.zone)
        params = {"jql": jql, "fields": ",".join(asked_fields(fields)), "maxResults": str(limit)}
        history = wants_history(fields)
        if history:
            params["expand"] = "changelog"
            self.done_statuses()
        where = f"{table} (offset {offset})"
        if site.cloud and offset:
            token = self._tokens.get((table, jql, offset))
            if token is None:
                raise ConnectorError(f"{where}: no page of this search ends at {offset}")
            params["nextPageToken"] = token
        elif not site.cloud:
            params["startAt"] = str(offset)
        search = f"{site.api}/search/jql" if site.cloud else f"{site.api}/search"
        body = self._body(self.http.get(search, params, where), where, jql)
        issues = _issues(body, where)
        if history:
            issues = [self._whole_history(site, issue) for issue in issues]
        if site.cloud:
            token = body.get("nextPageToken")
            if token:
                self._tokens[(table, jql, offset + len(issues))] = str(token)
            return Page(issues, None, last=not token)
        total = body.get("total")
        return Page(issues, total if isinstance(total, int) else None)

    def ids(self, table: str, field: str, after: str | None, limit: int) -> list[dict[str, Any]]:
        """The next ``limit`` issues of the table (their id and ``field``) by id, after
        ``after``: by key, never an offset, so an issue deleted while the list is read moves
        none of the others out of it. Jira may give fewer than asked: asked on from the last."""
        site = self.site()
        search = f"{site.api}/search/jql" if site.cloud else f"{site.api}/search"
        fields = ",".join(asked_fields([field]) or ["key"])
        found: list[dict[str, Any]] = []
        while len(found) < limit:
            where = f"{table} (ids after {after})"
            try:
                jql = ids_jql(self.filters[table], after)
            except ValueError as error:
                raise ConnectorError(f"{where}: {error}") from None
            params = {"jql": jql, "fields": fields, "maxResults": str(limit - len(found))}
            body = self._body(self.http.get(search, params, where), where, jql)
            issues = _issues(body, where)
            found += issues
            if not issues or _last(body, len(issues), site.cloud):
                break
            after = str(issues[-1].get("id"))
        return found

    def flatten(
        self, record: Mapping[str, Any], fields: Iterable[str], times: frozenset[str]
    ) -> dict[str, str]:
        return flatten_issue(record, fields, times, self._done or frozenset())

    def site(self) -> Site:
        """Cloud or Data Center, and the user's time zone; asked once."""
        if self._site is None:
            where = "the Jira site"
            info = self._body(self.http.get("/rest/api/2/serverInfo", {}, where), where)
            cloud = info.get("deploymentType") == "Cloud"
            api = "/rest/api/3" if cloud else "/rest/api/2"
            me = self._body(self.http.get(f"{api}/myself", {}, "the user"), "the user")
            named = str(me.get("timeZone") or "")
            try:
                zone = ZoneInfo(named)
            except (ZoneInfoNotFoundError, ValueError):
                raise ConnectorError(f"the user's time zone {named!r} is not one known") from None
            self._site = Site(api, cloud, zone)
        return self._site

    def done_statuses(self) -> frozenset[str]:
        """The ids of the statuses in the done category; asked once."""
        if self._done is None:
            where = "the statuses"
            answer = self.http.get(f"{self.site().api}/status", {}, where)
            statuses = self._body(answer, where, listed=True)
            self._done = frozenset(
                str(s.get("id"))
                for s in statuses
                if isinstance(s, dict) and (s.get("statusCategory") or {}).get("key") == "done"
            )
        return self._done

    def _whole_history(self, site: Site, issue: dict[str, Any]) -> dict[str, Any]:
        """The issue with its whole changelog, read apart when the search cut it short."""
        embedded = issue.get("changelog")
        if not isinstance(embedded, dict):
            return issue
        histories = list(embedded.get("histories") or [])
        total = embedded.get("total")
        if not isinstance(total, int) or total <= len(histories):
            return issue
        key = str(issue.get("key"))
        where = f"{key}'s changelog"
        histories = []
        while True:
            params = {"startAt": str(len(histories)), "maxResults": str(HISTORY_PAGE)}
            answer = self.http.get(f"{site.api}/issue/{key}/changelog", params, where)
            body = self._body(answer, where)
            values = body.get("values")
            if not isinstance(values, list):
                raise ConnectorError(f"{where}: the answer has no list of changes ('values')")
            histories += values
            if not values or body.get("isLast", True) or len(histories) >= total:
                return {**issue, "changelog": {"histories": histories}}

    def _body(
        self, answer: httpx.Response, where: str, jql: str | None = None, listed: bool = False
    ) -> Any:
        _refused(answer, where, self.http.host(), jql)
        body = json_body(answer, where)
        if not isinstance(body, list if listed else dict):
            raise ConnectorError(f"{where}: the answer is not what Jira's API gives")
        return body


def _issues(body: dict[str, Any], where: str) -> list[dict[str, Any]]:
    issues = body.get("issues")
    if not isinstance(issues, list) or not all(isinstance(i, dict) for i in issues):
        raise ConnectorError(f"{where}: the answer has no list of issues ('issues')")
    return issues


def _last(body: dict[str, Any], count: int, cloud: bool) -> bool:
    """The search's last page: no token for a next one (Cloud), or all it matched (DC)."""
    if cloud:
        return not body.get("nextPageToken")
    total = body.get("total")
    return isinstance(total, int) and total <= count


def _said(answer: httpx.Response) -> str:
    """Jira's own messages of an error answer, when it gives them."""
    try:
        body = answer.json()
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    messages = [str(m) for m in body.get("errorMessages") or []]
    errors = body.get("errors")
    if isinstance(errors, dict):
        messages += [f"{k}: {v}" for k, v in errors.items()]
    message = "; ".join(messages).strip()
    return f": {message[:300]}" if message else ""


def _refused(answer: httpx.Response, where: str, host: str, jql: str | None) -> None:
    status = answer.status_code
    if status == 200:
        return
    said = _said(answer)
    if status == 401:
        raise ConnectorError(
            f"{host} refused the credentials (HTTP 401{said}): on Jira Cloud the user is the "
            "account's e-mail and the secret an API token; on Data Center, no user and a "
            "personal access token; to change them: improve connections set NAME --secret-stdin"
        )
    if status == 403:
        raise ConnectorError(
            f"{where}: the user may not read this (HTTP 403{said}): give it the Browse "
            "projects permission, or sign in once in a browser if Jira asks for a CAPTCHA"
        )
    if status == 400 and jql is not None:
        raise ConnectorError(
            f"{where}: Jira refused the search {jql!r} (HTTP 400{said}): check the table's "
            "jql in the connection's mapping"
        )
    if status == 404:
        raise ConnectorError(f"{where}: not found (HTTP 404{said}): is the URL the Jira site's?")
    raise ConnectorError(f"{where}: HTTP {status}{said}")
