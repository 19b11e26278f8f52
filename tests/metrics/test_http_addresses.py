"""Where an HTTP source may connect (issue 24, #8): public addresses, and the private, loopback
or link-local ones the operator lists in IMPROVE_HTTP_ALLOW, checked on the address connected
to and on every redirect; and failures that say nothing about which ports are open."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ci_workflow.metrics import MetricError, Window
from ci_workflow.metrics.placement import problems
from ci_workflow.settings import get_settings
from tests.metrics.sources import http_server, measure

OCTOBER = Window(datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 10, 10, tzinfo=UTC))
REFUSED = "not a public address, and not in the addresses HTTP sources may reach"


def allow(monkeypatch: pytest.MonkeyPatch, listed: str) -> None:
    monkeypatch.setenv("IMPROVE_HTTP_ALLOW", listed)
    get_settings.cache_clear()


def source(url: str, **extra: object) -> dict[str, object]:
    return {"kind": "http", "url": url, "path": "data.items[0].value", "retries": 0, **extra}


def test_loopback_and_link_local_addresses_are_refused_unless_listed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    allow(monkeypatch, "")
    with http_server() as (url, answers):
        port = url.rsplit(":", 1)[1]
        for host in ("127.0.0.1", "localhost", "127.0.0.2", "[::ffff:127.0.0.1]", "2130706433"):
            with pytest.raises(MetricError, match=REFUSED):
                measure(source(f"http://{host}:{port}/value", retries=3), OCTOBER)
        assert answers.requests == []  # refused before connecting, and not retried
        # The cloud's metadata service and a private network: refused without a packet sent.
        for host in ("169.254.169.254", "10.0.0.1", "[fe80::1]", "0.0.0.0"):
            with pytest.raises(MetricError, match=REFUSED):
                measure(source(f"http://{host}/latest/meta-data/"), OCTOBER)

        allow(monkeypatch, "127.0.0.0/8")  # what the operator lists is reached
        assert measure(source(f"http://127.0.0.1:{port}/value"), OCTOBER) == 4.25
        allow(monkeypatch, "localhost")  # a name listed: whatever it resolves to
        assert measure(source(f"http://localhost:{port}/value"), OCTOBER) == 4.25
        with pytest.raises(MetricError, match=REFUSED):  # but not the address by itself
            measure(source(f"http://127.0.0.1:{port}/value"), OCTOBER)


def test_every_redirect_is_checked_like_the_first_address(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with http_server() as (first, at_first), http_server() as (second, at_second):
        allow(monkeypatch, "localhost")  # the first server by name; 127.0.0.1 is not listed
        at_first.redirect_to = f"{second}/value"  # http://127.0.0.1:port
        with pytest.raises(MetricError, match=REFUSED):
            measure(source(f"{first.replace('127.0.0.1', 'localhost')}/start"), OCTOBER)
        assert len(at_first.requests) == 1 and at_second.requests == []
        at_first.redirect_to = "http://169.254.169.254/latest/meta-data/"
        with pytest.raises(MetricError, match=REFUSED):
            measure(source(f"{first.replace('127.0.0.1', 'localhost')}/start"), OCTOBER)


@contextmanager
def listener(behaviour: str) -> Iterator[int]:
    """A port on loopback that is closed, or open with something that is not a web server:
    one that greets in another protocol and hangs up, or one that never says a word."""
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    if behaviour == "closed":
        server.close()
        yield port
        return
    held: list[socket.socket] = []

    def serve() -> None:
        while True:
            try:
                peer, _ = server.accept()
            except OSError:
                return  # the listener was shut down
            if behaviour == "greets":
                peer.sendall(b"SSH-2.0-OpenSSH_9.2\r\n")
                peer.close()
            else:
                held.append(peer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        server.shutdown(socket.SHUT_RDWR)  # wakes the accept() waiting in the thread
        server.close()
        thread.join()
        for peer in held:
            peer.close()


def test_a_closed_port_and_an_open_one_fail_in_the_same_words(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    allow(monkeypatch, "127.0.0.1")
    said = set()
    for behaviour in ("closed", "greets", "silent"):
        with listener(behaviour) as port:
            with pytest.raises(MetricError) as failed:
                measure(source(f"http://127.0.0.1:{port}/", timeout=0.5, retries=1), OCTOBER)
            said.add(str(failed.value).replace(str(port), "PORT"))
    assert said == {"no HTTP answer from 127.0.0.1 within 0.5 s (after 2 tries)"}


def test_a_literal_address_that_may_not_be_reached_is_refused_when_applied(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    allow(monkeypatch, "")
    metadata = source("http://169.254.169.254/latest/meta-data/")
    assert problems(metadata, tmp_path) == [
        ("url", f"169.254.169.254: {REFUSED} (IMPROVE_HTTP_ALLOW)")
    ]
    assert problems(source("https://survey.example.org/api/scores"), tmp_path) == []
    allow(monkeypatch, "169.254.169.254")
    assert problems(metadata, tmp_path) == []
