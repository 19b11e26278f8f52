"""When execution started, as evaluations split measurements: the improvement file's ``started:``
(for history replayed by a backfill), else the trail's first move to executing."""

from __future__ import annotations

import re
import statistics
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ci_workflow.services.reporting.review import gather_review, review_report
from tests.helpers import Cli, improvement_doc, move_to, objective_doc, write_yaml

FIRST_DAY, LAST_DAY = date(2026, 5, 4), date(2026, 8, 30)
CHANGED = date(2026, 7, 6)  # the day the routing rule went live, in the data and in the file
FROM, TO, EVERY = datetime(2026, 5, 10, tzinfo=UTC), datetime(2026, 8, 30, tzinfo=UTC), 7


def hours(day: date) -> float:
    """One incident a day at noon: about 10 hours to restore before the change, 6 after."""
    return (10.0 if day < CHANGED else 6.0) + (day.toordinal() % 3) * 0.5


def days() -> list[date]:
    return [FIRST_DAY + timedelta(days=n) for n in range((LAST_DAY - FIRST_DAY).days + 1)]


def incidents_csv(folder: Path) -> Path:
    path = folder / "restores.csv"
    rows = [f"INC{n},{day}T12:00:00,{hours(day)}" for n, day in enumerate(days())]
    path.write_text("\n".join(["number,opened_at,hours", *rows]) + "\n", encoding="utf-8")
    return path


def checkpoints() -> list[datetime]:
    """What ``improve backfill --from FROM --to TO --every 7d`` captures at."""
    found, moment = [], FROM
    while moment <= TO:
        found.append(moment)
        moment += timedelta(days=EVERY)
    return found


def weekly_mean(checkpoint: datetime) -> float:
    """The objective's value at a checkpoint: the mean of the 7 days up to it."""
    noons = {day: datetime(day.year, day.month, day.day, 12, tzinfo=UTC) for day in days()}
    window = [
        hours(d) for d, at in noons.items() if checkpoint - timedelta(days=7) < at <= checkpoint
    ]
    return statistics.fmean(window)


def replayed(folder: Path, **fields: Any) -> dict[str, Any]:
    source = {
        "kind": "csv",
        "path": str(incidents_csv(folder)),
        "timestamp_column": "opened_at",
        "aggregation": "mean",
        "value_column": "hours",
    }
    objective = objective_doc(window="7d", baseline=10, target=6, source=source)
    return improvement_doc(identified="2026-05-01", objectives=[objective], **fields)


def backfill(cli: Cli) -> None:
    cli.ok(
        "backfill",
        "IMP-0001",
        "--from",
        f"{FROM:%Y-%m-%d}",
        "--to",
        f"{TO:%Y-%m-%d}",
        "--every",
        f"{EVERY}d",
    )


def test_a_backfill_splits_at_the_start_the_file_declares(
    cli: Cli, people: None, tmp_path: Path
) -> None:
    cli.ok("apply", str(write_yaml(tmp_path, replayed(tmp_path, started=CHANGED.isoformat()))))
    move_to("executing")  # today: the declared start stays
    assert cli.json("show", "IMP-0001")["started_at"].startswith("2026-07-06T00:00:00")
    backfill(cli)

    start = datetime(2026, 7, 6, tzinfo=UTC)
    before = [weekly_mean(c) for c in checkpoints() if c < start]
    # After: a whole 7-day window after the start; the week straddling it is on neither side.
    after = [weekly_mean(c) for c in checkpoints() if c - timedelta(days=7) >= start]
    straddling = [weekly_mean(c) for c in checkpoints() if c >= start > c - timedelta(days=7)]
    assert (len(before), len(straddling), len(after)) == (9, 1, 7)
    (evaluation,) = gather_review("IMP-0001")["evaluations"]
    assert [p.value for p in evaluation.points] == pytest.approx(before + straddling + after)
    assert evaluation.shift.tested and "a real shift" in evaluation.shift.statement
    assert evaluation.shift.statement.endswith(
        "(1 measurement whose window straddles the start is on neither side)"
    )
    assert evaluation.shift.mean_before == pytest.approx(statistics.fmean(before))
    assert evaluation.shift.mean_after == pytest.approx(statistics.fmean(after))
    assert evaluation.limits.centre == pytest.approx(statistics.fmean(before))
    assert "a real shift at the 5 % level" in review_report("IMP-0001", "md")


def test_a_late_start_says_how_many_more_checkpoints_a_shift_test_needs(
    cli: Cli, people: None, tmp_path: Path
) -> None:
    cli.ok("apply", str(write_yaml(tmp_path, replayed(tmp_path, started="2026-08-24T06:00:00"))))
    move_to("executing")
    backfill(cli)

    start = datetime(2026, 8, 24, 6, tzinfo=UTC)
    before = sum(1 for c in checkpoints() if c < start)
    after = sum(1 for c in checkpoints() if c - timedelta(days=7) >= start)
    assert (before, after) == (16, 0)
    (evaluation,) = gather_review("IMP-0001")["evaluations"]
    assert re.fullmatch(
        rf"too little data to test for a shift: {before} measurements before execution started "
        rf"and {after} after; 3 more checkpoints after the start are needed "
        r"\(by about \d{4}-\d\d-\d\d on its schedule\) "
        r"\(1 measurement whose window straddles the start is on neither side\)",
        evaluation.shift.statement,
    ), evaluation.shift.statement


def test_without_a_declared_start_the_trail_decides(cli: Cli, people: None, tmp_path: Path) -> None:
    declared = write_yaml(tmp_path, replayed(tmp_path, started=CHANGED.isoformat()))
    cli.ok("apply", str(declared))
    move_to("executing")
    moved = next(e for e in cli.json("audit", "IMP-0001") if e["to_status"] == "executing")

    undeclared = write_yaml(tmp_path, replayed(tmp_path))
    assert "updated" in cli.ok("apply", str(undeclared)).stdout
    assert cli.json("show", "IMP-0001")["started_at"] == moved["at"]
    moved_at = datetime.fromisoformat(moved["at"]).strftime("%Y-%m-%d %H:%M:%S")
    assert cli.json("audit", "IMP-0001")[-1]["detail"] == (
        f"changed started from network-mttr.yaml: started 2026-07-06 → {moved_at}"
    )
    # The register's start is the trail's: applying the file again changes nothing.
    assert "unchanged" in cli.ok("apply", str(undeclared)).stdout


def test_a_changed_start_is_audited_with_its_old_and_new_value(
    cli: Cli, people: None, tmp_path: Path
) -> None:
    cli.ok("apply", str(write_yaml(tmp_path, replayed(tmp_path, started="2026-07-06"))))
    cli.ok("apply", str(write_yaml(tmp_path, replayed(tmp_path, started="2026-07-13T09:30:00"))))
    assert cli.json("audit", "IMP-0001")[-1]["detail"] == (
        "changed started from network-mttr.yaml: started 2026-07-06 → 2026-07-13 09:30:00"
    )
    assert cli.json("show", "IMP-0001")["started_at"].startswith("2026-07-13T09:30:00")


def test_a_start_in_the_future_or_before_identification_is_refused(
    cli: Cli, people: None, tmp_path: Path
) -> None:
    future = write_yaml(tmp_path, replayed(tmp_path, started="2999-01-04"))
    assert cli.fails("apply", str(future))[0].endswith(
        "network-mttr.yaml: started: 2999-01-04 is in the future: give when execution started"
    )
    early = write_yaml(tmp_path, replayed(tmp_path, started="2026-04-30"))
    assert cli.fails("apply", str(early))[0].endswith(
        "network-mttr.yaml: started: 2026-04-30 is before the identification date 2026-05-01"
    )
    assert cli.json("list") == []
