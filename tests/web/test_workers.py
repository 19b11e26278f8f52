"""`improve web --workers 2`: two processes serve the workspace, and a person signed in is
signed in whichever of them answers; their form (its CSRF token) is taken by either. Sessions
and CSRF tokens live in the register and the signed cookie, not in a process."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests import processes
from tests.web.conftest import csrf_of, start_workspace

CARMEN = "carmen@example.org"


def workers_of(pid: int) -> list[int]:
    """The processes ``improve web`` started to serve: its children spawned by multiprocessing
    (not its resource tracker)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [
        int(child)
        for child in children
        if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes()
    ]


def test_two_workers_serve_one_signed_in_person(tmp_path: Path) -> None:
    space = start_workspace(tmp_path, workers=2)
    try:
        processes.wait_until(
            lambda: len(workers_of(space.process.pid)) >= 2, timeout=60, what="two workers"
        )
        assert len(workers_of(space.process.pid)) == 2
        cookies = space.signed_in(CARMEN).cookies
        # A new connection each time: either process may take it.
        for _ in range(20):
            with httpx.Client(base_url=space.url, cookies=cookies) as fresh:
                answer = fresh.get("/", follow_redirects=False)
                assert answer.status_code == 200 and "Carmen Ruiz" in answer.text
        with httpx.Client(base_url=space.url, cookies=cookies) as fresh:
            token = csrf_of(fresh, "/")
        with httpx.Client(base_url=space.url, cookies=cookies) as other:
            assert other.post("/sign-out", data={"csrf": token}).status_code == 303
        for _ in range(5):
            with httpx.Client(base_url=space.url, cookies=cookies) as fresh:
                answer = fresh.get("/", follow_redirects=False)
                assert answer.status_code == 303 and "/sign-in" in answer.headers["location"]
    finally:
        space.close_clients()
        processes.stop(space.process)
