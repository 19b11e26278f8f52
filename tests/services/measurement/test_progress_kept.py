"""An objective's progress is kept between requests (the board and My work show it on each), and
is worked out again as soon as a value is recorded."""

from __future__ import annotations

import statistics
from datetime import UTC, datetime

from tests.helpers import Cli
from tests.services.measurement.test_capture import executing

__all__ = ["executing"]  # the fixture, shared with its own module


def csat(cli: Cli) -> dict[str, object]:
    (found,) = [p for p in cli.json("progress", "IMP-0001") if p["metric"] == "csat"]
    return found


def projection(points: list[tuple[str, float]], due: str) -> float:
    days = [datetime.fromisoformat(at).replace(tzinfo=UTC).timestamp() / 86400 for at, _ in points]
    slope, intercept = statistics.linear_regression(days, [v for _, v in points])
    end = datetime.fromisoformat(f"{due}T23:59:59").replace(tzinfo=UTC).timestamp() / 86400
    return slope * end + intercept


def test_each_recorded_value_changes_the_progress_shown(cli: Cli, executing: str) -> None:
    assert csat(cli)["track"] == "unknown"
    cli.ok("record", executing, "csat", "3.2", "--as", "Priya Nair", "--at", "2026-10-06")
    first = csat(cli)
    assert (first["latest"], first["reason"]) == (3.2, "needs two checkpoints or more")
    assert csat(cli) == first  # asked again, nothing changed

    cli.ok("record", executing, "csat", "3.5", "--as", "Priya Nair", "--at", "2026-10-13")
    second = csat(cli)
    points = [("2026-10-06", 3.2), ("2026-10-13", 3.5)]
    assert second["latest"] == 3.5
    assert second["achieved_pct"] == 50.0  # (3.5 - 3) / (4 - 3)
    due = str(second["due"])
    assert abs(float(second["projected_at_due"]) - projection(points, due)) < 1e-9  # type: ignore[arg-type]

    cli.ok("record", executing, "csat", "4.1", "--as", "Priya Nair", "--at", "2026-10-20")
    assert (csat(cli)["latest"], csat(cli)["track"]) == (4.1, "met")
