"""Real background processes for tests (Prefect server, `improve serve`), stopped for sure."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import httpx

T = TypeVar("T")

BIN = Path(sys.executable).parent


def improve_command() -> list[str]:
    script = BIN / "improve"
    return [str(script)] if script.exists() else [sys.executable, "-m", "ci_workflow"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(args: list[str], *, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """Start in its own process group, so stop() ends its children too."""
    with log.open("ab") as out:
        return subprocess.Popen(
            args, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def stop(process: subprocess.Popen[bytes], *, grace: float = 5.0) -> None:
    """SIGTERM the group, then SIGKILL: serve() may ignore polite signals for a long time."""
    if process.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 10.0)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def kill_hard(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def wait_until(
    check: Callable[[], bool], *, timeout: float, what: str, log: Path | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except (httpx.HTTPError, OSError):
            pass
        time.sleep(0.2)
    tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
    raise TimeoutError(f"gave up waiting for {what} after {timeout:.0f} s\n{tail}")


def api_up(api_url: str) -> Callable[[], bool]:
    return lambda: httpx.get(f"{api_url}/health", timeout=2).status_code == 200


def until(check: Callable[[], T | None], *, what: str, timeout: float = 90) -> T:
    """Poll until ``check`` gives something (not None, not empty); return it."""
    found: list[T] = []

    def ready() -> bool:
        value = check()
        if value:
            found.append(value)
        return bool(value)

    wait_until(ready, timeout=timeout, what=what)
    return found[-1]


def run_improve(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    """`improve ARGS` as its own process; fails the test with its error if it fails."""
    done = subprocess.run(
        [*improve_command(), *args],
        env=env,
        input=stdin,
        text=True,
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 0, f"improve {' '.join(args)}: {done.stderr}"
    return done.stdout


def descendants(pid: int) -> dict[int, tuple[int, str]]:
    """The processes below ``pid`` (children, their children...), each with its parent and its
    command line."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        try:
            parents[int(entry.name)] = int(
                (entry / "stat").read_text().rsplit(")", 1)[1].split()[1]
            )
        except (ValueError, OSError):
            continue
    found: dict[int, tuple[int, str]] = {}
    for child, _ in parents.items():
        walk = child
        while walk > 1 and walk != pid:
            walk = parents.get(walk, 0)
        if walk == pid and child != pid:
            try:
                line = (Path("/proc") / str(child) / "cmdline").read_bytes().decode()
            except OSError:
                continue
            found[child] = (parents[child], line.replace("\0", " "))
    return found
