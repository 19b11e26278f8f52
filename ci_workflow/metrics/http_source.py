"""``kind: http``: GET a URL and pick one number out of the JSON answer with a path.

``path`` is dotted with list indexes: ``data.items[0].value``. ``params`` are sent as the query
string; ``{as_of}``, ``{window_start}`` and ``{window_end}`` in them become ISO UTC timestamps.
Failures (connection, timeout, HTTP status) are retried ``retries`` times.
"""

from __future__ import annotations

import re
import time
from typing import Any

import httpx

from ci_workflow.domain.sources import HttpSource
from ci_workflow.domain.window import Window
from ci_workflow.metrics import MetricError, finite

_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def read(source: HttpSource, window: Window) -> float:
    stamps = {
        "as_of": window.end.isoformat(),
        "window_start": window.start.isoformat(),
        "window_end": window.end.isoformat(),
    }
    params = {k: v.format(**stamps) for k, v in source.params.items()}
    retries = source.retries
    last = ""
    for attempt in range(retries + 1):
        try:
            answer = httpx.get(
                source.url,
                params=params,
                headers=source.headers,
                timeout=source.timeout,
                follow_redirects=True,
            )
            answer.raise_for_status()
            document = answer.json()
        except httpx.HTTPStatusError as error:
            last = f"HTTP {error.response.status_code} from {error.request.url.host}"
        except httpx.TimeoutException:
            last = f"timed out after {source.timeout:g} s"
        except httpx.HTTPError as error:
            last = f"{type(error).__name__}: {error}"
        except ValueError:  # the body did not parse as JSON
            raise MetricError("the answer is not JSON") from None
        else:
            return finite(pick(document, source.path))
        if attempt < retries:
            time.sleep(min(2**attempt * 0.5, 5))
    raise MetricError(f"{last} (after {retries + 1} tries)")


def pick(document: Any, path: str) -> Any:
    """Follow ``data.items[0].value`` into parsed JSON."""
    here = document
    for key, index in _STEP.findall(path):
        try:
            here = here[int(index)] if index else here[key]
        except (KeyError, IndexError, TypeError):
            raise MetricError(f"nothing at {path!r} in the answer") from None
    return here
