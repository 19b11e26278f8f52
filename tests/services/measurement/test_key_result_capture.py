"""Key results measured from their sources like improvement objectives: here from imported
incidents (the ``incidents`` source kind), captured on schedule, by hand and over a range, with
the expected values computed from the incident rows in the test."""

from __future__ import annotations

import os
import statistics
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select

from ci_workflow.services.measurement.key_results import capture_key_results
from ci_workflow.store.db import transaction
from ci_workflow.store.tables import AuditEvent, KeyResultValue
from tests.helpers import Cli
from tests.processes import improve_command
from tests.services.register.test_strategy import example, write

MAPPING = Path(__file__).resolve().parents[3] / "examples" / "mappings" / "generic_incidents.yaml"
HEADER = (
    "incident_id,opened,resolved,closed,category,service,priority,group,sla_met,reopens,"
    "reassignments,problem,change"
)
# (id, opened, resolved or None, category, reopens)
ROWS = [
    ("INC1", "2026-10-01 08:00", "2026-10-01 20:00", "network", 0),  # 12 h
    ("INC2", "2026-10-05 09:00", "2026-10-05 12:00", "network", 1),  # 3 h
    ("INC3", "2026-10-08 10:00", "2026-10-09 04:00", "email", 0),  # 18 h, not network
    ("INC4", "2026-10-12 06:00", "2026-10-12 13:30", "network", 0),  # 7.5 h
    ("INC5", "2026-10-20 22:00", "2026-10-21 04:00", "network", 1),  # 6 h
    ("INC6", "2026-10-27 08:00", "2026-10-27 10:00", "network", 0),  # 2 h
    ("INC7", "2026-10-28 08:00", None, "network", 0),  # not resolved
    ("INC8", "2026-11-01 07:00", "2026-11-01 08:00", "network", 0),  # 1 h
]
MTTR = "network-mttr-median"
NETWORK = {"kind": "incidents", "metric": "mttr_median_hours", "filter": {"category": "network"}}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def expected_median(end: datetime, days: int = 28) -> float:
    """Median hours opened → resolved of network incidents resolved in (end - days, end]."""
    hours = [
        (at(resolved) - at(opened)).total_seconds() / 3600
        for _, opened, resolved, category, _ in ROWS
        if resolved and category == "network" and end - timedelta(days=days) < at(resolved) <= end
    ]
    return statistics.median(hours)


def expected_reopen_pct(end: datetime, days: int = 7) -> float:
    resolved = [r for r in ROWS if r[2] and end - timedelta(days=days) < at(r[2]) <= end]
    return 100 * sum(1 for r in resolved if r[4] > 0) / len(resolved)


@pytest.fixture
def measured(people: None, cli: Cli, tmp_path: Path) -> dict[str, Any]:
    cli.ok("people", "add", "Tomás Silva", "--email", "tomas@example.org")
    export = tmp_path / "incidents.csv"
    lines = [f"{i},{o},{r or ''},,{c},LAN,P3,Net,,{n},0,," for i, o, r, c, n in ROWS]
    export.write_text("\n".join([HEADER, *lines]) + "\n")
    cli.ok("import", "incidents", str(export), "--mapping", str(MAPPING))
    doc = example()
    mttr = doc["goals"][0]["objectives"][0]["key_results"][0]
    mttr.update(source=NETWORK, window="28d")
    reopen = doc["goals"][0]["objectives"][1]["key_results"][0]
    reopen.update(source={"kind": "incidents", "metric": "reopen_pct"})  # window 7d, weekly
    cli.ok("strategy", "apply", write(tmp_path, doc), "--as", "Carmen Ruiz")
    return doc


def key_result(cli: Cli, key: str) -> dict[str, Any]:
    shown = cli.json("strategy", "show")
    found = [
        kr
        for g in shown["goals"]
        for o in g["objectives"]
        for kr in o["key_results"]
        if kr["key"] == key
    ]
    return found[0]


def values(key_id_key: str) -> list[tuple[datetime, float | None, str]]:
    from ci_workflow.store.tables import StrategyItem

    with transaction(write=False) as session:
        item = session.exec(select(StrategyItem).where(StrategyItem.key == key_id_key)).one()
        query = select(KeyResultValue).where(KeyResultValue.item_id == item.id)
        rows = session.exec(query.order_by(col(KeyResultValue.at)))
        return [(r.at, r.value, r.recorded_by) for r in rows]


def test_the_scheduled_capture_measures_each_key_result_at_its_checkpoint_once(
    measured: dict[str, Any], cli: Cli
) -> None:
    # Weekly, Monday 06:00 (the default cadence): a Wednesday run measures Monday's checkpoint.
    # What the capture-checkpoints flow runs:
    result = capture_key_results(as_of=at("2026-11-04 09:30"))
    monday = at("2026-11-02 06:00")
    median = expected_median(monday)
    assert median == statistics.median([3, 7.5, 6, 2, 1])  # INC1 resolved before the window
    reopened = expected_reopen_pct(monday)  # INC6 and INC8, neither reopened
    assert result.stored == [f"{MTTR} = {median:g} h", f"reopen-rate = {reopened:g} %"]
    assert values(MTTR) == [(monday, median, "capture")]
    assert values("reopen-rate") == [(monday, expected_reopen_pct(monday), "capture")]
    again = cli.ok("strategy", "capture", "--at", "2026-11-05T09:30").stdout  # by hand
    assert "0 stored, 2 already there, 0 failed" in again
    shown = key_result(cli, MTTR)
    baseline, target = 9.5, 4.0
    assert shown["latest"] == median and shown["source"] == "incidents"
    assert shown["achieved_pct"] == pytest.approx((baseline - median) / (baseline - target) * 100)
    assert shown["track"] == "met"  # 3 h is below the 4 h target
    text = cli.ok("strategy", "show").stdout
    assert f"{MTTR} Median time to restore network incidents: 3 h" in text
    assert "captured from incidents" in text
    # The scheduled capture is in the audit trail, by the capture.
    with transaction(write=False) as session:
        events = session.exec(
            select(AuditEvent).where(AuditEvent.action == "key_results_captured")
        ).all()
    assert [e.actor for e in events] == ["capture"]


def test_a_backfill_by_hand_fills_each_checkpoint_and_progress_follows_the_latest(
    measured: dict[str, Any], cli: Cli
) -> None:
    out = cli.ok(
        "strategy",
        "capture",
        MTTR,
        "--from",
        "2026-10-10",
        "--to",
        "2026-10-31",
        "--every",
        "7d",
        "--as",
        "Priya Nair",  # the key result's owner
    ).stdout
    checkpoints = [at("2026-10-10 00:00") + timedelta(days=7 * n) for n in range(4)]
    expected = [expected_median(c) for c in checkpoints]
    assert values(MTTR) == [(c, v, "capture") for c, v in zip(checkpoints, expected, strict=True)]
    assert "4 stored, 0 already there, 0 failed" in out
    shown = key_result(cli, MTTR)
    assert shown["latest"] == expected[-1]
    assert shown["latest_at"].startswith("2026-10-31T00:00")
    with transaction(write=False) as session:
        event = session.exec(
            select(AuditEvent).where(AuditEvent.action == "key_results_captured")
        ).one()
    assert event.actor == "Priya Nair" and event.detail.startswith("4 stored, 0 failed")


def test_a_failing_source_records_why_and_changes_nothing_else(
    measured: dict[str, Any], cli: Cli
) -> None:
    cli.ok("strategy", "record", MTTR, "8", "--at", "2026-09-01T00:00")
    # Nothing resolved in the 28 days to 2026-09-05: the source has no value.
    # Its own process, as people run it: the reason is said once (no stray log line besides).
    failed = subprocess.run(
        [*improve_command(), "strategy", "capture", MTTR, "--at", "2026-09-05T00:00"],
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert failed.returncode == 1
    said = "network-mttr-median at 2026-09-05 00:00 UTC: no incidents resolved"
    assert failed.stderr.count(said) == 1 and f"failed {said}" in failed.stderr
    shown = key_result(cli, MTTR)
    assert shown["latest"] == 8  # the value recorded by hand still stands
    assert shown["failure"].startswith("no incidents resolved in the window")
    assert shown["failed_at"].startswith("2026-09-05T00:00")
    assert "latest capture failed (2026-09-05 00:00 UTC)" in cli.ok("strategy", "show").stdout
    portfolio = cli.ok("portfolio").stdout
    achieved = 100 * (9.5 - 8) / (9.5 - 4)  # of the way from the baseline to the target
    assert f"key result {MTTR}: 8 h → target 4 h by 2027-06-30 ({achieved:.1f} % of the" in (
        portfolio
    )
    assert "latest capture failed: no incidents resolved in the window" in portfolio
    # Later the incidents are there: a success at that checkpoint replaces the failure.
    assert values(MTTR)[-1][1] is None
    cli.ok("strategy", "capture", MTTR, "--at", "2026-10-06T00:00")
    assert key_result(cli, MTTR)["failure"] is None


def test_who_may_capture_and_what_is_refused(measured: dict[str, Any], cli: Cli) -> None:
    errors = cli.fails("strategy", "capture", MTTR, "--as", "Omar Haddad")
    assert errors == [
        "error: only the owner of key result network-mttr-median or a CI manager captures it"
    ]
    errors = cli.fails("strategy", "capture", "--as", "Priya Nair")
    assert errors == ["error: only a CI manager captures the strategy's key results"]
    assert values(MTTR) == []
    errors = cli.fails("strategy", "capture", "self-service-share", "--as", "Carmen Ruiz", code=2)
    assert errors == [
        "error: key result self-service-share has no source to capture: it is recorded by hand"
    ]
    future = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    errors = cli.fails("strategy", "capture", "--at", future, code=2)
    assert errors[0].endswith("is in the future: a capture measures what has happened")


@pytest.mark.parametrize(
    ("source", "window", "expected"),
    [
        (
            {"kind": "incidents", "metric": "mean_time_to_nothing"},
            "7d",
            "goals[0].objectives[0].key_results[0].source.metric: Input should be "
            "'incident_count', ",
        ),
        (
            {"kind": "telepathy"},
            "7d",
            "goals[0].objectives[0].key_results[0].source: Input tag 'telepathy' found using "
            "'kind' does not match any of the expected tags",
        ),
        (
            {"kind": "manual"},
            "28d",
            "goals[0].objectives[0].key_results[0]: window: only with a source a capture reads",
        ),
        (
            {"kind": "csv", "path": "/etc/passwd", "timestamp_column": "t", "aggregation": "count"},
            "7d",
            "goals[0].objectives[0].key_results[0].source.path: ",
        ),
        (
            NETWORK,
            "7x",
            "goals[0].objectives[0].key_results[0].window: expected a count and a unit h, d or "
            "w, e.g. 7d",
        ),
    ],
)
def test_a_bad_source_is_refused_at_apply_naming_the_file_and_field(
    measured: dict[str, Any],
    cli: Cli,
    tmp_path: Path,
    source: dict[str, Any],
    window: str,
    expected: str,
) -> None:
    doc = measured
    doc["goals"][0]["objectives"][0]["key_results"][0].update(source=source, window=window)
    path = write(tmp_path, doc, "bad.yaml")
    errors = cli.fails("strategy", "apply", path)
    assert any(line.startswith(f"{path}: {expected}") for line in errors), errors
    assert cli.json("strategy", "show")["version"] == 1
