"""Whose powers and whose credentials a PostgreSQL source runs with (issue 24, #8): never a role
that can run programs or reach the server's files, and never the worker's own password."""

from __future__ import annotations

import socket
import struct
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from ci_workflow.metrics import MetricError, Window
from ci_workflow.settings import get_settings
from tests.conftest import POSTGRES_URL
from tests.metrics.sources import measure

OCTOBER = Window(datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 10, 10, tzinfo=UTC))


@contextmanager
def throwaway_role(*grants: str) -> Iterator[str]:
    """A login role made for one test, member of ``grants``; the URL that connects as it."""
    if not POSTGRES_URL:
        pytest.skip("IMPROVE_TEST_POSTGRES_URL is not set")
    role = f"source_{uuid.uuid4().hex[:10]}"
    engine = create_engine(POSTGRES_URL)
    with engine.begin() as connection:
        connection.execute(text(f"CREATE ROLE {role} LOGIN NOSUPERUSER"))
        for granted in grants:
            connection.execute(text(f"GRANT {granted} TO {role}"))
    try:
        yield make_url(POSTGRES_URL).set(username=role).render_as_string(hide_password=False)
    finally:
        with engine.begin() as connection:
            connection.execute(text(f"DROP ROLE {role}"))
        engine.dispose()


@pytest.mark.parametrize(
    "power", ["pg_execute_server_program", "pg_read_server_files", "pg_write_server_files"]
)
def test_a_role_that_may_run_programs_or_reach_server_files_is_refused_like_a_superuser(
    power: str,
) -> None:
    with (
        throwaway_role(power) as url,
        pytest.raises(MetricError, match=f"can run programs or reach files.*{power}"),
    ):
        measure({"kind": "sql", "url": url, "query": "SELECT 1"}, OCTOBER)


def test_a_role_that_may_set_itself_to_a_powerful_role_is_refused() -> None:
    if not POSTGRES_URL:
        pytest.skip("IMPROVE_TEST_POSTGRES_URL is not set")
    middle = f"middle_{uuid.uuid4().hex[:10]}"
    engine = create_engine(POSTGRES_URL)
    with engine.begin() as connection:
        connection.execute(text(f"CREATE ROLE {middle} NOLOGIN NOINHERIT"))
        connection.execute(text(f"GRANT pg_execute_server_program TO {middle}"))
    try:
        # Through a NOINHERIT role in between: SET ROLE would still reach the power.
        with (
            throwaway_role(middle) as url,
            pytest.raises(MetricError, match="can run programs or reach files"),
        ):
            measure({"kind": "sql", "url": url, "query": "SELECT 1"}, OCTOBER)
    finally:
        with engine.begin() as connection:
            connection.execute(text(f"DROP ROLE {middle}"))
        engine.dispose()


def test_a_plain_reader_role_still_reads() -> None:
    with throwaway_role() as url:
        assert measure({"kind": "sql", "url": url, "query": "SELECT 7"}, OCTOBER) == 7


@contextmanager
def password_catcher() -> Iterator[tuple[int, list[str]]]:
    """A server that speaks PostgreSQL's protocol far enough to ask for a cleartext password,
    and keeps each password a client sends (then refuses it)."""
    received: list[str] = []
    listener = socket.create_server(("127.0.0.1", 0))

    def exactly(peer: socket.socket, size: int) -> bytes:
        data = b""
        while len(data) < size:
            chunk = peer.recv(size - len(data))
            if not chunk:
                raise ConnectionError
            data += chunk
        return data

    def answer(peer: socket.socket) -> None:
        with peer:
            while True:  # SSL or GSS encryption requests are declined; then the start-up
                (length,) = struct.unpack("!i", exactly(peer, 4))
                body = exactly(peer, length - 4)
                if struct.unpack("!i", body[:4])[0] in (80877103, 80877104):
                    peer.sendall(b"N")
                    continue
                break
            peer.sendall(b"R" + struct.pack("!ii", 8, 3))  # AuthenticationCleartextPassword
            kind = exactly(peer, 1)
            (length,) = struct.unpack("!i", exactly(peer, 4))
            message = exactly(peer, length - 4)
            if kind == b"p":
                received.append(message.rstrip(b"\0").decode())
            fields = b"SFATAL\0C28P01\0Mpassword authentication failed\0\0"
            peer.sendall(b"E" + struct.pack("!i", len(fields) + 4) + fields)

    def serve() -> None:
        while True:
            try:
                peer, _ = listener.accept()
            except OSError:
                return  # the listener was closed
            with suppress(ConnectionError, OSError):  # a client with no password hangs up
                answer(peer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1], received
    finally:
        listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() waiting in the thread
        listener.close()
        thread.join()


def test_a_url_without_a_password_never_uses_the_workers_credentials(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    worker_file = tmp_path / "worker.pgpass"
    worker_file.write_text("*:*:*:*:worker-file-secret\n")
    worker_file.chmod(0o600)
    (tmp_path / ".pgpass").write_text("*:*:*:*:worker-home-secret\n")
    (tmp_path / ".pgpass").chmod(0o600)
    monkeypatch.setenv("HOME", str(tmp_path))
    with password_catcher() as (port, received):
        source = {
            "kind": "sql",
            "url": f"postgresql://reader@127.0.0.1:{port}/itsm",
            "query": "SELECT 1",
            "timeout": 5,
        }
        for environment in (
            {"PGPASSWORD": "worker-env-secret"},
            {"PGPASSFILE": str(worker_file)},
            {},  # ~/.pgpass
        ):
            monkeypatch.delenv("PGPASSWORD", raising=False)
            monkeypatch.delenv("PGPASSFILE", raising=False)
            for name, value in environment.items():
                monkeypatch.setenv(name, value)
            with pytest.raises(MetricError, match="no password supplied"):
                measure(source, OCTOBER)
            # The URL's own query cannot name the worker's file either.
            with pytest.raises(MetricError, match="no password supplied"):
                measure({**source, "url": f"{source['url']}?passfile={worker_file}"}, OCTOBER)
        assert received == []

        # The operator registers what sources may use, by host, port, database and user.
        registered = tmp_path / "sources.pgpass"
        registered.write_text(f"127.0.0.1:{port}:itsm:reader:registered-secret\n")
        registered.chmod(0o600)
        monkeypatch.setenv("IMPROVE_SOURCE_PASSFILE", str(registered))
        get_settings.cache_clear()
        with pytest.raises(MetricError, match="password authentication failed"):
            measure(source, OCTOBER)
        with pytest.raises(MetricError, match="password authentication failed"):
            measure({**source, "url": f"postgresql://reader:in-url@127.0.0.1:{port}/itsm"}, OCTOBER)
        assert received == ["registered-secret", "in-url"]
