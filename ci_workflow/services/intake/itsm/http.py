"""The HTTP every connector shares: one GET, retried as a tool's rate limit and outages ask.

A 429 waits as ``Retry-After`` says (at most ``MOST_WAIT`` seconds) and tries again, up to
``THROTTLED`` times a request; a request that fails otherwise (no answer, a 5xx) is tried again
after 0.5, 1, 2 s. Any other answer is the connector's to read: wrong credentials, an unknown
table, an answer that is not the API's JSON are one clear error at once, never retried. The
process's environment is not used (no proxy, no ``~/.netrc``), nor are redirects followed: a
credential goes only to the URL the connection names.
"""

from __future__ import annotations

import functools
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from ci_workflow.errors import ImproveError

TRIES = 4  # a failing request: the first try and three more
THROTTLED = 5  # 429s waited out per request, on top
BACKOFF = (0.5, 1.0, 2.0)
MOST_WAIT = 30.0  # the longest Retry-After honoured; a longer one waits this long
TIMEOUT = 30.0
MAX_BODY = 64 << 20


class ConnectorError(ImproveError):
    """The tool refused or could not answer: the sync stops and writes nothing."""


@dataclass(frozen=True)
class Page:
    records: list[dict[str, Any]]
    total: int | None  # the records the query matches from its start, when the tool says
    last: bool | None = None  # whether this is the query's last page, when the tool says


@dataclass
class Http:
    """GETs to one tool's base URL; ``said`` picks the tool's own message out of an error."""

    url: str
    sleep: Callable[[float], None] = time.sleep
    said: Callable[[httpx.Response], str] = lambda answer: ""
    headers: dict[str, str] = field(default_factory=dict)
    auth: tuple[str, str] | None = None
    # OAuth: the access token to send (called with True: a new one, the one held refused).
    bearer: Callable[[bool], str] | None = None
    waited: float = 0.0  # seconds slept for Retry-After and backoff, all requests
    # One client for all the requests of a sync: its connection kept alive between pages.
    _session: httpx.Client | None = field(default=None, repr=False)

    def get(self, path: str, params: dict[str, Any], where: str) -> httpx.Response:
        """The first answer that is neither a 429 nor a failure; ``where`` names the request
        in the error when every try failed."""
        failures = throttled = 0
        renewed = False
        while True:
            try:
                answer = self._get(path, params)
            except httpx.HTTPError as error:
                failure = f"no answer from {self.host()}: {type(error).__name__}"
            else:
                if answer.status_code == 401 and self.bearer is not None and not renewed:
                    renewed = True  # the token expired or was revoked: a new one, once
                    self.bearer(True)
                    continue
                if answer.status_code == 429 and throttled < THROTTLED:
                    throttled += 1
                    self._wait(_retry_after(answer))
                    continue
                if answer.status_code < 500 and answer.status_code != 429:
                    return answer
                failure = f"HTTP {answer.status_code}{self.said(answer)}"
            failures += 1
            if failures == TRIES:
                raise ConnectorError(f"{where}: {failure} after {TRIES} tries")
            self._wait(BACKOFF[min(failures - 1, len(BACKOFF) - 1)])

    def host(self) -> str:
        return httpx.URL(self.url).host or self.url

    def _get(self, path: str, params: dict[str, Any]) -> httpx.Response:
        headers = {"Accept": "application/json", **self.headers}
        if self.bearer is not None:
            headers["Authorization"] = f"Bearer {self.bearer(False)}"
        if self._session is None:
            self._session = client()
        return self._session.get(
            f"{self.url.rstrip('/')}{path}", params=params, auth=self.auth, headers=headers
        )

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    def _wait(self, seconds: float) -> None:
        seconds = max(0.0, min(seconds, MOST_WAIT))
        self.waited += seconds
        self.sleep(seconds)


def client() -> httpx.Client:
    """A client that uses nothing of the process's environment and follows no redirect."""
    return httpx.Client(
        timeout=TIMEOUT, follow_redirects=False, trust_env=False, verify=_certificates()
    )


@functools.cache
def _certificates() -> ssl.SSLContext:
    """The system's certificate authorities, read once a process (44 ms a read)."""
    return httpx.create_ssl_context(trust_env=True)


def _retry_after(answer: httpx.Response) -> float:
    """``Retry-After`` in seconds (a number; a date or nothing: one second)."""
    try:
        return float(answer.headers.get("retry-after", "1"))
    except ValueError:
        return 1.0


def json_body(answer: httpx.Response, where: str) -> Any:
    """An answer's JSON, bounded; not JSON is said as such (a login page, a proxy's page)."""
    if len(answer.content) > MAX_BODY:
        raise ConnectorError(f"{where}: the answer is larger than {MAX_BODY >> 20} MiB")
    try:
        return answer.json()
    except ValueError:
        kind = answer.headers.get("content-type", "no content type")
        raise ConnectorError(
            f"{where}: the answer is not JSON ({kind}): is the URL the instance's own?"
        ) from None
