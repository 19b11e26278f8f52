"""A person's decision reaches Prefect over plain HTTP (ci_workflow/orchestration/run_api.py):
checked against a loopback server answering as Prefect's API documents (a run's state, the
resume's orchestration result, a busy server's 503); the real server is in test_lifecycle."""

from __future__ import annotations

import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

from ci_workflow.errors import GateError
from ci_workflow.orchestration import cancel, read_state, resume
from tests.processes import free_port
from tests.servers import send, serving

RUN = "9a885d9d-b313-47c7-8d95-79fe958f78ad"
SUSPENDED = {
    "type": "PAUSED",
    "name": "Suspended",
    "timestamp": "2026-12-05T10:00:00Z",
    "state_details": {"pause_key": "plan-approval-1"},
}


class FakePrefect:
    """What the API holds and what it was asked: requests as (method, path, body, auth)."""

    def __init__(self) -> None:
        self.state: dict[str, Any] | None = dict(SUSPENDED)
        self.busy = 0  # answer 503 to this many requests first
        self.resume_answer: dict[str, Any] = {"status": "ACCEPT", "state": None, "details": {}}
        self.asked: list[tuple[str, str, Any, str | None]] = []
        self.after_resume: dict[str, Any] | None = None  # the run moves on as it is answered
        self.gone_on_resume = False  # deleted from Prefect between the look and the answer


@pytest.fixture
def prefect(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakePrefect]:
    fake, port = FakePrefect(), free_port()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _answer(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else None
            fake.asked.append((method, self.path, body, self.headers.get("Authorization")))
            if fake.busy:
                fake.busy -= 1
                send(self, 503, {"Retry-After": "0"}, b'{"detail": "busy"}')
            elif method == "GET" and self.path == f"/api/flow_runs/{RUN}":
                found = {"id": RUN, "state": fake.state}
                send(self, 200, {"Content-Type": "application/json"}, json.dumps(found).encode())
            elif self.path == f"/api/flow_runs/{RUN}/resume" and fake.gone_on_resume:
                send(self, 404, {}, b'{"detail": "Flow run not found"}')
            elif self.path == f"/api/flow_runs/{RUN}/resume":
                fake.state = fake.after_resume or fake.state
                answer = json.dumps(fake.resume_answer).encode()
                send(self, 200, {"Content-Type": "application/json"}, answer)
            elif self.path == f"/api/flow_runs/{RUN}/set_state":
                fake.state = body["state"]
                send(self, 201, {"Content-Type": "application/json"}, b'{"status": "ACCEPT"}')
            else:
                send(self, 404, {}, b'{"detail": "Not found"}')

        def do_GET(self) -> None:
            self._answer("GET")

        def do_POST(self) -> None:
            self._answer("POST")

    for name in ("PREFECT_API_AUTH_STRING", "PREFECT_API_KEY", "IMPROVE_PREFECT_AUTH_STRING"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("IMPROVE_PREFECT_AUTH_STRING", "off")
    monkeypatch.setenv("PREFECT_API_URL", f"http://127.0.0.1:{port}/api")
    with serving(Handler, port):
        yield fake


ANSWER = {"by": "Omar Haddad", "decision": "approve"}


def test_an_answer_is_read_then_sent_once_through_a_busy_server(prefect: FakePrefect) -> None:
    prefect.busy = 2
    resume(RUN, "plan-approval-1", ANSWER)
    sent = [(method, path, body) for method, path, body, _ in prefect.asked]
    assert sent == [
        ("GET", f"/api/flow_runs/{RUN}", None),
        ("GET", f"/api/flow_runs/{RUN}", None),
        ("GET", f"/api/flow_runs/{RUN}", None),  # the third try is answered
        ("POST", f"/api/flow_runs/{RUN}/resume", {"run_input": ANSWER}),
    ]


def test_a_run_waiting_elsewhere_or_gone_is_not_answered(prefect: FakePrefect) -> None:
    with pytest.raises(GateError, match="waits for plan-approval-1, not review-signoff-1"):
        resume(RUN, "review-signoff-1", ANSWER)
    prefect.state = {"type": "COMPLETED", "name": "Completed", "state_details": {}}
    with pytest.raises(GateError, match=r"not waiting for a decision \(state: Completed\)"):
        resume(RUN, "plan-approval-1", ANSWER)
    assert [method for method, *_ in prefect.asked] == ["GET", "GET"]
    assert read_state("0c6d2f6e-0000-4000-8000-000000000000").type == "MISSING"
    prefect.state = dict(SUSPENDED)
    prefect.gone_on_resume = True
    with pytest.raises(GateError, match="no longer in Prefect; nothing was decided"):
        resume(RUN, "plan-approval-1", ANSWER)


def test_a_refused_answer_says_why_and_a_run_moved_on_says_where(prefect: FakePrefect) -> None:
    prefect.resume_answer = {"status": "REJECT", "state": None, "details": {"reason": "nope"}}
    with pytest.raises(
        GateError, match="Prefect refused the decision: Cannot resume this run: nope"
    ):
        resume(RUN, "plan-approval-1", ANSWER)
    prefect.resume_answer = {"status": "ABORT", "state": None, "details": {"reason": "not paused"}}
    prefect.after_resume = {"type": "RUNNING", "name": "Resuming", "state_details": {}}
    with pytest.raises(
        GateError, match="another decision reached this gate first; the flow now is Resuming"
    ):
        resume(RUN, "plan-approval-1", ANSWER)


def test_credentials_are_sent_as_prefects_client_sends_them(
    prefect: FakePrefect, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PREFECT_API_KEY", "pnu_key")
    read_state(RUN)
    monkeypatch.setenv("PREFECT_API_AUTH_STRING", "admin:secret")  # wins, as in Prefect's client
    read_state(RUN)
    assert [auth for *_, auth in prefect.asked] == ["Bearer pnu_key", "Basic YWRtaW46c2VjcmV0"]


def test_cancelling_a_waiting_run_forces_it_cancelled_and_a_finished_one_is_left(
    prefect: FakePrefect,
) -> None:
    assert cancel(RUN) is True
    assert read_state(RUN).type == "CANCELLED"
    assert prefect.asked[1][2] == {
        "state": {"type": "CANCELLED", "name": "Cancelled", "message": "improvement withdrawn"},
        "force": True,
    }
    assert cancel(RUN) is False
    assert [method for method, *_ in prefect.asked].count("POST") == 1
