"""The practice page draws the practice report's charts (issue 23): the quarterly trend once
something closed, and the gate waits once a gate was decided, inline SVG that scales."""

from __future__ import annotations

import re
from pathlib import Path

from ci_workflow.services.lifecycle.gate_decisions import Outcome, decide_gate
from tests.helpers import move_to
from tests.web.conftest import Workspace
from tests.web.helpers import new_improvement, waiting_at_plan_approval


def charts(html: str) -> list[str]:
    return re.findall(
        r'<div class="chart"><svg[^>]*viewBox="0 0 680 300"[^>]*>.*?<title>([^<]+)', html, re.S
    )


def test_the_practice_page_draws_the_trend_and_the_gate_waits(
    use: Workspace, tmp_path: Path
) -> None:
    waiting = waiting_at_plan_approval(use, tmp_path)
    approve = {"by": "Omar Haddad", "decision": "approve"}
    number = int(waiting.split("-")[1])
    assert decide_gate(number, "plan_approval", 1, approve).outcome is Outcome.taken
    move_to("closed", new_improvement(use, tmp_path))
    html = use.signed_in("omar@example.org").get("/practice").text
    assert charts(html) == [
        "Success rate and time to implement, by quarter",
        "Gate waits decided in the period, seconds (overdue after 5 days)",  # decided at once
    ]
