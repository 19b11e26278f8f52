"""``kind: http``: GET a URL and pick one number out of the JSON answer with a path.

``path`` is dotted with list indexes: ``data.items[0].value``. ``params`` are sent as the query
string; ``{as_of}``, ``{window_start}`` and ``{window_end}`` in them become ISO UTC timestamps.
Failures (connection, timeout, HTTP status) are retried ``retries`` times.

Bounded: each try ends after ``timeout`` seconds however slowly the answer drips in, and an
answer over IMPROVE_SOURCE_MAX_BYTES is refused. Redirects are followed (five at most); to
another origin (scheme, host, port) none of the configured headers goes along.
"""

from __future__ import annotations

import re
import time
from typing import Any

import httpx

from ci_workflow.domain.sources import HttpSource
from ci_workflow.domain.window import Window
from ci_workflow.metrics import MetricError, finite
from ci_workflow.settings import get_settings

_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
MAX_REDIRECTS = 5


class _Refused(Exception):
    """An answer refused for good (too big, not JSON): no retry makes it better."""


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
        except httpx.HTTPStatusError as error:
            last = f"HTTP {error.response.status_code} from {error.request.url.host}"
        except httpx.TimeoutException:
            last = f"timed out after {source.timeout:g} s"
        except httpx.HTTPError as error:
            last = f"{type(error).__name__} from {httpx.URL(source.url).host}"
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
    with httpx.Client(timeout=source.timeout, follow_redirects=False) as client:
        for _ in range(MAX_REDIRECTS + 1):
            with client.stream("GET", url, headers=headers) as answer:
                if answer.is_redirect and "location" in answer.headers:
                    url = answer.url.join(answer.headers["location"])
                    if _origin(url) != origin:
                        headers = {}  # a token for one host is not handed to another
                    continue
                answer.raise_for_status()
                body = _body(answer, deadline, get_settings().source_max_bytes)
            try:
                return httpx.Response(200, content=body).json()
            except ValueError:
                raise _Refused("the answer is not JSON") from None
    raise _Refused(f"more than {MAX_REDIRECTS} redirects")


def _body(answer: httpx.Response, deadline: float, limit: int) -> bytes:
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
