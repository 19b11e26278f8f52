"""``kind: http``: GET a URL and pick one number out of the JSON answer with a path.

``path`` is dotted with list indexes: ``data.items[0].value``. ``params`` are sent as the query
string; ``{as_of}``, ``{window_start}`` and ``{window_end}`` in them become ISO UTC timestamps.
Failures (no answer, an HTTP error status) are retried ``retries`` times.

Bounded: each try ends after ``timeout`` seconds however slowly the answer drips in, and an
answer over IMPROVE_SOURCE_MAX_BYTES is refused. Redirects are followed (five at most); to
another origin (scheme, host, port) none of the configured headers goes along.

Where it may connect: the host's name is resolved here, each address checked (public, or in
IMPROVE_HTTP_ALLOW; ``metrics.access.HttpAllowList``) and the connection made to the address
checked, so a name that resolves differently a moment later gains nothing; every redirect is
checked the same way. Whatever keeps an answer from coming (refused, unreachable, timed out,
not HTTP) is reported in the same words, which tell nothing about which ports are open.
"""

from __future__ import annotations

import re
import socket
import time
from typing import Any

import httpx

from ci_workflow.domain.improvement.sources import HttpSource
from ci_workflow.domain.measures.window import Window
from ci_workflow.metrics import MetricError, finite
from ci_workflow.metrics.access import HttpAllowList, http_address_refused, is_address
from ci_workflow.settings import get_settings

_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
MAX_REDIRECTS = 5


class _Refused(Exception):
    """An answer refused for good (too big, not JSON, an address not allowed): no retry makes
    it better."""


class _Failed(Exception):
    """A try that failed (no answer, an HTTP error status): another may succeed."""


def read(source: HttpSource, window: Window) -> float:
    stamps = {
        "as_of": window.end.isoformat(),
        "window_start": window.start.isoformat(),
        "window_end": window.end.isoformat(),
    }
    params = {k: v.format(**stamps) for k, v in source.params.items()}
    last = ""
    for attempt in range(source.retries + 1):
        try:
            return finite(pick(_fetch(source, params), source.path))
        except _Failed as failed:
            last = str(failed)
        except _Refused as refused:
            raise MetricError(str(refused)) from None
        if attempt < source.retries:
            time.sleep(min(2**attempt * 0.5, 5))
    raise MetricError(f"{last} (after {source.retries + 1} tries)")


def _fetch(source: HttpSource, params: dict[str, str]) -> Any:
    """One try: the JSON answer, within the deadline and the size cap."""
    deadline = time.monotonic() + source.timeout
    url, headers = httpx.URL(source.url, params=params), dict(source.headers)
    origin = _origin(url)
    allow = HttpAllowList.parse(get_settings().http_allowed)
    # Not the process's environment: no proxy (the address checked is the one connected to)
    # and no ~/.netrc (the worker's credentials); its certificate authorities, yes.
    verify = httpx.create_ssl_context(trust_env=True)
    with httpx.Client(
        timeout=source.timeout, follow_redirects=False, trust_env=False, verify=verify
    ) as client:
        for _ in range(MAX_REDIRECTS + 1):
            status, location, body = _get(client, url, headers, allow, deadline, source.timeout)
            if location is not None:
                url = url.join(location)
                if _origin(url) != origin:
                    headers = {}  # a token for one host is not handed to another
                continue
            if status >= 400:
                raise _Failed(f"HTTP {status} from {url.host}")
            try:
                return httpx.Response(200, content=body).json()
            except ValueError:
                raise _Refused("the answer is not JSON") from None
    raise _Refused(f"more than {MAX_REDIRECTS} redirects")


def _get(
    client: httpx.Client,
    url: httpx.URL,
    headers: dict[str, str],
    allow: HttpAllowList,
    deadline: float,
    timeout: float,
) -> tuple[int, str | None, bytes]:
    """One request, to an address of the URL's host that the source may reach: the status,
    where it redirects to (or None), and the body of an answer that does not redirect."""
    silent = _Failed(f"no HTTP answer from {url.host} within {timeout:g} s")
    sent = {"Host": url.netloc.decode("ascii"), **headers}
    # The certificate is checked against the host's name, not the address connected to.
    named = {} if is_address(url.host) else {"sni_hostname": url.host}
    for address in _addresses(url, allow, silent):
        try:
            with client.stream(
                "GET", url.copy_with(host=address), headers=sent, extensions=named
            ) as answer:
                if answer.is_redirect and "location" in answer.headers:
                    return answer.status_code, answer.headers["location"], b""
                if answer.status_code >= 400:
                    return answer.status_code, None, b""
                return answer.status_code, None, _body(answer, deadline)
        except httpx.ConnectError:
            continue  # the host's next address, if it has one
        except httpx.HTTPError:
            raise silent from None
    raise silent


def _addresses(url: httpx.URL, allow: HttpAllowList, silent: _Failed) -> list[str]:
    """The addresses of the URL's host the source may connect to, in the resolver's order."""
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        found = socket.getaddrinfo(url.raw_host.decode("ascii"), port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise silent from None  # a name that does not resolve says no more than a closed port
    addresses = list(dict.fromkeys(str(info[4][0]) for info in found))
    permitted = [a for a in addresses if allow.permits(url.host, a)]
    if not permitted:
        raise _Refused(http_address_refused(url.host))
    return permitted


def _body(answer: httpx.Response, deadline: float) -> bytes:
    limit = get_settings().source_max_bytes
    if int(answer.headers.get("content-length") or 0) > limit:
        raise _Refused(f"the answer is larger than the {limit:,} bytes allowed")
    chunks, size = [], 0
    for chunk in answer.iter_bytes():
        size += len(chunk)
        if size > limit:
            raise _Refused(f"the answer is larger than the {limit:,} bytes allowed")
        if time.monotonic() > deadline:
            raise httpx.ReadTimeout("the answer takes too long", request=answer.request)
        chunks.append(chunk)
    return b"".join(chunks)


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return url.scheme, url.host, url.port


def pick(document: Any, path: str) -> Any:
    """Follow ``data.items[0].value`` into parsed JSON."""
    here = document
    for key, index in _STEP.findall(path):
        try:
            here = here[int(index)] if index else here[key]
        except (KeyError, IndexError, TypeError):
            raise MetricError(f"nothing at {path!r} in the answer") from None
    return here
