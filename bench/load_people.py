"""The people of bench/load.py, as locust runs them (its locustfile; run bench/load.py, not this).

Each simulated person signs in through the real form (its CSRF token included), then browses
the pages people use most, pausing between clicks as people do. The floor, `/api/me` (a sign-in
check, one query), is asked as often as each page, interleaved, so it carries the same load.
Every request's time is kept and written out when the run stops (LOAD_TIMES): bench/load.py
computes the percentiles from them, exactly.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
from pathlib import Path
from typing import Any

from locust import HttpUser, between, events, task

PLAN = json.loads(Path(os.environ["LOAD_PLAN"]).read_text())
PASSWORD = PLAN["password"]
_next_person = itertools.count()
_times: list[tuple[str, float, bool]] = []


@events.request.add_listener
def _keep(name: str, response_time: float, exception: Any, **_: Any) -> None:
    _times.append((name, response_time, exception is None))


@events.test_stop.add_listener
def _write(**_: Any) -> None:
    Path(os.environ["LOAD_TIMES"]).write_text(json.dumps(_times))


class Person(HttpUser):
    wait_time = between(PLAN["think"][0], PLAN["think"][1])

    def on_start(self) -> None:
        people = PLAN["people"]
        self.me = people[next(_next_person) % len(people)]
        form = self.client.get("/sign-in", name="sign-in form")
        token = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert token, "the sign-in form has no CSRF token"
        answer = self.client.post(
            "/sign-in",
            data={"email": self.me["email"], "password": PASSWORD, "csrf": token.group(1)},
            name="sign-in",
            allow_redirects=False,
        )
        assert answer.status_code == 303, f"{self.me['email']} could not sign in"

    def _page(self, path: str, name: str) -> None:
        with self.client.get(path, name=name, catch_response=True) as answer:
            if answer.status_code != 200 or "/sign-in" in answer.url:
                answer.failure(f"{path}: {answer.status_code} at {answer.url}")

    @task
    def floor(self) -> None:
        self._page("/api/me", "floor: /api/me")

    @task
    def my_work(self) -> None:
        self._page("/", "My work")

    @task
    def register(self) -> None:
        self._page("/register", "register")

    @task
    def improvement(self) -> None:
        self._page(f"/improvements/{random.choice(self.me['own'])}", "an improvement")

    @task
    def board(self) -> None:
        self._page("/board", "board")

    @task
    def practice(self) -> None:
        self._page("/practice", "practice")

    @task
    def portfolio(self) -> None:
        self._page("/portfolio", "portfolio")

    @task
    def gate(self) -> None:
        self._page(f"/improvements/{random.choice(self.me['gates'])}", "a gate to decide")
