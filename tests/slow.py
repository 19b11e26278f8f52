"""`make test` leaves out the tests marked slow; what makes one slow is checked where it starts: a
real Prefect server or a real browser started for a test not marked slow fails that test, so the
everyday suite cannot grow slow unnoticed."""

from __future__ import annotations

import pytest

running: pytest.Item | None = None  # the test being set up or run (tests/conftest.py sets it)


def require_slow(what: str) -> None:
    if running is not None and running.get_closest_marker("slow") is None:
        pytest.fail(f"{running.nodeid} starts {what}: mark it @pytest.mark.slow (make test-slow)")
