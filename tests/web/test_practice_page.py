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


def test_the_practice_page_says_n_a_in_its_cells_and_each_reason_once(
    use: Workspace, tmp_path: Path
) -> None:
    move_to("closed", new_improvement(use, tmp_path))
    omar = use.signed_in("omar@example.org")
    html = omar.get("/practice").text
    assert "n/a (" not in html
    notes = re.findall(r'<p class="muted na-note">([^<]+)</p>', html)
    # One note under each table with an n/a: KPIs, the ten KPIs, by service, by quarter.
    assert len(notes) == 4 and notes[-1] == "n/a: none closed."
    cells = re.findall(r'<td class="n"><span class="muted">(n/a[¹²³⁴⁵⁶⁷⁸⁹]?)</span></td>', html)
    assert len(cells) > len(notes) > 0  # many cells, their reasons said once a table
    reason = "none has such an objective measured before and after"
    assert html.count(reason) == len([n for n in notes if reason in n])
    assert re.findall(r"\d\.\d{3,}|\d\.0\b", html.split("<svg")[0]) == []
    # The JSON twin keeps every reason with its figure, for machines.
    ten = omar.get("/api/practice").json()["ten"]["overall"]
    assert ten["cost_of_service"] == ten["cost_of_service"] | {"value": None, "reason": reason}
