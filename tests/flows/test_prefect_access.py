"""The Prefect server as `improve server` starts it asks who calls; `improve serve` says clearly
when it cannot reach it, and stops when told to even after the server has gone."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import httpx
import pytest

from tests import processes
from tests.flows.conftest import AUTH, PrefectServer

pytestmark = pytest.mark.slow


def test_the_session_server_refuses_callers_without_its_credentials(
    prefect_server: PrefectServer,
) -> None:
    filtered = f"{prefect_server.api_url}/flow_runs/filter"
    assert httpx.post(filtered, json={}, timeout=30).status_code == 401
    assert httpx.post(filtered, json={}, timeout=30, auth=("improve", "guess")).status_code == 401
    assert httpx.post(filtered, json={}, timeout=30, auth=AUTH).status_code == 200


def _env(home: Path, port: int | None) -> dict[str, str]:
    """A clean environment; with no port, no Prefect API is named at all."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("IMPROVE_", "PREFECT_"))}
    named = {"IMPROVE_PREFECT_API_URL": f"http://127.0.0.1:{port}/api"} if port else {}
    return {**clean, "IMPROVE_HOME": str(home), **named}


def test_improve_server_makes_a_secret_and_serve_finds_it_and_uses_it(tmp_path: Path) -> None:
    """`improve server --port N` says how to point the rest at it; `improve serve` of the same
    IMPROVE_HOME, with no Prefect API named anywhere, finds it and says so."""
    port = processes.free_port()
    env, api = _env(tmp_path, None), f"http://127.0.0.1:{port}/api"
    subprocess.run([*processes.improve_command(), "init"], env=env, check=True, capture_output=True)
    server = processes.start(
        [*processes.improve_command(), "server", "--port", str(port)],
        env=env,
        log=tmp_path / "server.log",
    )
    serve = None
    try:
        processes.wait_until(
            processes.api_up(api), timeout=90, what="improve server", log=tmp_path / "server.log"
        )
        kept = tmp_path / "prefect_auth"
        assert kept.stat().st_mode & 0o777 == 0o600
        user, _, password = kept.read_text().strip().partition(":")
        assert user == "improve" and len(password) >= 24
        said = (tmp_path / "server.log").read_text()
        assert "ask for user improve," in said
        assert f"  export IMPROVE_PREFECT_API_URL={api}\n" in said
        assert (tmp_path / "prefect_server_url").read_text().strip() == api
        assert password not in (tmp_path / "server.log").read_text()  # never printed
        assert httpx.post(f"{api}/flow_runs/filter", json={}, timeout=30).status_code == 401
        assert (
            httpx.post(
                f"{api}/flow_runs/filter", json={}, timeout=30, auth=(user, password)
            ).status_code
            == 200
        )

        serve = processes.start(
            [*processes.improve_command(), "serve"], env=env, log=tmp_path / "serve.log"
        )
        lifecycle = f"{api}/deployments/name/improvement-lifecycle/improvement-lifecycle"
        processes.wait_until(
            lambda: (
                httpx.get(lifecycle, timeout=5, auth=(user, password)).json().get("status")
                == "READY"
            ),
            timeout=90,
            what="improve serve",
            log=tmp_path / "serve.log",
        )
        found = f"Prefect API {api} (from the server `improve server` started, written in"
        assert (tmp_path / "serve.log").read_text().startswith(found)
        # Told to stop while the server is there, it pauses its schedules and ends cleanly
        # (not by the grace period's hard exit, status 143).
        os.killpg(serve.pid, signal.SIGTERM)
        assert serve.wait(timeout=120) == 0
        assert "All deployments have been paused!" in (tmp_path / "serve.log").read_text()
        serve = processes.start(
            [*processes.improve_command(), "serve"], env=env, log=tmp_path / "serve.log"
        )
        processes.wait_until(  # it registers the deployments again, unpaused
            lambda: (
                httpx.get(lifecycle, timeout=5, auth=(user, password)).json()["paused"] is False
            ),
            timeout=90,
            what="improve serve, again",
            log=tmp_path / "serve.log",
        )
        processes.kill_hard(server)  # the server goes away under the serving process
        os.killpg(serve.pid, signal.SIGTERM)
        serve.wait(timeout=120)  # it ends by itself: the grace period, then a hard exit
        last = (tmp_path / "serve.log").read_text().strip().splitlines()[-1]
        assert "unexpected" not in last and "Traceback" not in last, last
    finally:
        for process in (serve, server):
            if process is not None:
                processes.stop(process)


def test_serve_without_a_server_names_the_address(tmp_path: Path) -> None:
    port = processes.free_port()  # nothing listens there
    env = _env(tmp_path, port)
    subprocess.run([*processes.improve_command(), "init"], env=env, check=True, capture_output=True)
    done = subprocess.run(
        [*processes.improve_command(), "serve"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert done.stderr.strip().splitlines()[-1] == (
        f"error: cannot reach the Prefect API at http://127.0.0.1:{port}/api (ConnectError; the "
        "URL from IMPROVE_PREFECT_API_URL): is its server (`improve server`) running?"
    )
