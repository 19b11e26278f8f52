"""Real servers on loopback that the tests talk to: an SMTP server (aiosmtpd) that keeps what it
receives, a webhook receiver whose answer a test can change, and ``serving``, which runs any
request handler on a port (the ITSM tools' APIs). Loaded for every test
(``pytest_plugins`` in tests/conftest.py)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.processes import free_port


@dataclass
class Mailbox:
    """An SMTP server on loopback and what it received."""

    port: int
    received: list[Message] = field(default_factory=list)
    # The client address of each message received: one per SMTP connection that carried it.
    peers: list[Any] = field(default_factory=list)


@contextmanager
def mailbox_on() -> Iterator[Mailbox]:
    from aiosmtpd.controller import Controller

    box = Mailbox(free_port())

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            box.received.append(message_from_bytes(envelope.content))
            box.peers.append(session.peer)
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, list[Message]]]:
    with mailbox_on() as box:
        yield box.port, box.received


@pytest.fixture(scope="module")
def module_mailbox() -> Iterator[Mailbox]:
    """One SMTP server for the servers a module starts (a workspace, a serve process)."""
    with mailbox_on() as box:
        yield box


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler], port: int) -> Iterator[None]:
    """``handler`` answering on 127.0.0.1:``port`` from a thread, until the block ends."""
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()


def send(
    handler: BaseHTTPRequestHandler, status: int, headers: dict[str, str], body: bytes
) -> None:
    """An answer with its length, so a client keeping its connection knows where it ends."""
    handler.send_response(status)
    for name, value in headers.items():
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[Any], dict[str, int]]]:
    posts: list[Any] = []
    control = {"status": 200}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            posts.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(control["status"])
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hooks/T0K3N", posts, control
    finally:
        server.shutdown()
        server.server_close()
