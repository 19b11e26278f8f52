"""Capturing checkpoints through the CLI: scheduled and explicit, backfill, manual values,
failures that stop nothing, progress and the off-track alarm."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from ci_workflow.errors import NotReady
from ci_workflow.services.lifecycle.stages import define_stage
from tests.helpers import Cli, improvement_doc, move_to, objective_doc, write_yaml
from tests.metrics.sources import incident_csv, incident_db

NETWORK_MEAN = (
    "SELECT AVG(hours) FROM incidents WHERE category = 'network' "
    "AND opened_at > :window_start AND opened_at <= :window_end"
)


def objectives(folder: Path, **baseline: Any) -> list[dict[str, Any]]:
    db, csv = incident_db(folder), incident_csv(folder)
    return [
        objective_doc(
            metric="mttr_hours",
            window="7d",
            baseline=baseline.get("mttr", 12),
            target=5,
            source={"kind": "sql", "url": f"sqlite:///{db}", "query": NETWORK_MEAN},
        ),
        objective_doc(
            metric="tickets",
            window="7d",
            baseline=10,
            target=2,
            kpi_kind="incident_volume",
            source={
                "kind": "csv",
                "path": str(csv),
                "timestamp_column": "opened_at",
                "aggregation": "count",
            },
        ),
        objective_doc(
            metric="csat", baseline=3.0, target=4.0, direction="increase", source={"kind": "manual"}
        ),
    ]


@pytest.fixture
def executing(cli: Cli, people: None, tmp_path: Path) -> str:
    cli.ok("apply", str(write_yaml(tmp_path, improvement_doc(objectives=objectives(tmp_path)))))
    move_to("executing")
    return "IMP-0001"


def snapshots(cli: Cli) -> list[tuple[str, str, str, float | None]]:
    return [
        (s["metric"], s["kind"], s["checkpoint_at"][:16], s["value"])
        for s in cli.json("snapshots", "IMP-0001")
    ]


def test_a_capture_as_of_a_time_stores_each_fetched_metric_once(cli: Cli, executing: str) -> None:
    out = cli.ok("capture", "--improvement", executing, "--as-of", "2026-10-06T00:00").stdout
    assert "2 stored, 0 already there, 0 failed" in out
    assert snapshots(cli) == [
        ("mttr_hours", "checkpoint", "2026-10-06T00:00", 8.0),  # INC1 10 h, INC2 6 h in the 7 days
        ("tickets", "checkpoint", "2026-10-06T00:00", 3.0),
    ]
    again = cli.ok("capture", "--improvement", executing, "--as-of", "2026-10-06T00:00").stdout
    assert "0 stored, 2 already there, 0 failed" in again
    assert len(snapshots(cli)) == 2


def test_the_scheduled_capture_follows_each_improvements_cadence(cli: Cli, executing: str) -> None:
    # Weekly on Mondays 06:00 (the default): a Wednesday run captures Monday's checkpoint.
    cli.ok("capture", "--as-of", "2026-10-07T09:30")
    assert {s[2] for s in snapshots(cli)} == {"2026-10-05T06:00"}
    assert "0 stored, 0 already there" in cli.ok("capture", "--as-of", "2026-10-08T09:30").stdout
    cli.ok("capture", "--as-of", "2026-10-12T06:00")
    assert {s[2] for s in snapshots(cli)} == {"2026-10-05T06:00", "2026-10-12T06:00"}


def test_improvements_not_executing_are_not_captured_by_the_schedule(
    cli: Cli, people: None, tmp_path: Path
) -> None:
    cli.ok("apply", str(write_yaml(tmp_path, improvement_doc(objectives=objectives(tmp_path)))))
    assert "0 stored" in cli.ok("capture", "--as-of", "2026-10-07").stdout
    assert snapshots(cli) == []


def test_backfill_replays_an_improvement_on_history(cli: Cli, executing: str) -> None:
    out = cli.ok(
        "backfill", executing, "--from", "2026-10-04", "--to", "2026-10-18", "--every", "7d"
    ).stdout
    assert "6 stored" in out
    mttr = [(at, value) for metric, _, at, value in snapshots(cli) if metric == "mttr_hours"]
    assert mttr == [("2026-10-04T00:00", 8.0), ("2026-10-11T00:00", 4.0), ("2026-10-18T00:00", 3.0)]


def test_a_failing_source_is_recorded_and_stops_no_other_improvement(
    cli: Cli, people: None, tmp_path: Path
) -> None:
    good = improvement_doc(key="good", objectives=objectives(tmp_path))
    broken_source = {
        "kind": "sql",
        "url": f"sqlite:///{tmp_path / 'missing.db'}",
        "query": "SELECT 1",
    }
    bad = improvement_doc(key="bad", objectives=[objective_doc(source=broken_source)])
    cli.ok("apply", str(write_yaml(tmp_path, good)), str(write_yaml(tmp_path, bad)))
    move_to("executing", "good")
    move_to("executing", "bad")
    result = cli.run("capture", "--as-of", "2026-10-07")
    assert result.exit_code == 1
    assert "2 stored, 0 already there, 1 failed" in result.stdout
    assert "failed IMP-0002 mttr_hours: missing.db: no such file" in result.stderr
    (failed,) = cli.json("snapshots", "bad")
    assert failed["value"] is None and failed["error"] == "missing.db: no such file"
    assert len(cli.json("snapshots", "good")) == 2


def test_people_record_manual_values_and_others_may_not(cli: Cli, executing: str) -> None:
    out = cli.ok(
        "record", executing, "csat", "3.6", "--as", "Priya Nair", "--at", "2026-10-06"
    ).stdout
    assert out.strip() == "IMP-0001 csat = 3.6 recorded (checkpoint, 2026-10-06 00:00 UTC)"
    assert ("csat", "checkpoint", "2026-10-06T00:00", 3.6) in snapshots(cli)
    assert cli.fails("record", executing, "csat", "4", "--as", "Grace Kim") == [
        "error: Grace Kim may not record values of IMP-0001: only its owner, its team, a data "
        "analyst of its process or service, or a CI manager may"
    ]
    assert cli.fails("record", executing, "nps", "4", "--as", "Priya Nair") == [
        "error: IMP-0001 has no objective 'nps'"
    ]
    assert cli.fails("record", executing, "csat", "nan", "--as", "Priya Nair") == [
        "error: not a finite number: nan"
    ]
    assert cli.fails(
        "record", executing, "csat", "3", "--as", "Priya Nair", "--baseline", code=2
    ) == ["error: the baseline of IMP-0001 is fixed since its plan went for approval"]


def test_a_value_dated_in_the_future_is_refused_and_nothing_is_stored(
    cli: Cli, executing: str
) -> None:
    before = snapshots(cli)
    (line,) = cli.fails(
        "record", executing, "csat", "4", "--as", "Priya Nair", "--at", "2999-01-01", code=2
    )
    assert line == (
        "error: as of 2999-01-01 00:00 UTC is in the future: a value is recorded when it "
        "was measured"
    )
    assert snapshots(cli) == before


def test_progress_projects_the_trend_and_an_off_track_objective_is_raised_once(
    cli: Cli, executing: str
) -> None:
    for day, value in [("2026-10-01", "3.1"), ("2026-10-15", "3.12"), ("2026-10-29", "3.13")]:
        cli.ok("record", executing, "csat", value, "--as", "Priya Nair", "--at", day)
    csat = next(p for p in cli.json("progress", executing) if p["metric"] == "csat")
    assert csat["latest"] == 3.13 and csat["achieved_pct"] == pytest.approx(13.0)
    assert csat["track"] == "off track" and csat["projected_at_due"] < 4.0
    alarms = [
        e["detail"] for e in cli.json("audit", executing) if e["action"] == "objective_off_track"
    ]
    assert (
        len(alarms) == 1
        and alarms[0].startswith("csat: off track")
        and alarms[0].endswith("owner Lena Fischer told")
    )
    cli.ok("record", executing, "csat", "4.1", "--as", "Priya Nair", "--at", "2026-11-05")
    assert (
        next(p for p in cli.json("progress", executing) if p["metric"] == "csat")["track"] == "met"
    )
    assert [e["action"] for e in cli.json("audit", executing)].count("objective_on_track") == 1


def test_the_define_stage_measures_baselines_and_checks_them_against_targets(
    cli: Cli, people: None, tmp_path: Path
) -> None:
    # Over the last 7 days there is no network incident: AVG is NULL and the capture says so.
    doc = improvement_doc(objectives=objectives(tmp_path, mttr="measure")[:1])
    cli.ok("apply", str(write_yaml(tmp_path, doc)))
    with pytest.raises(
        NotReady, match="baseline capture failed: IMP-0001 mttr_hours: not a number: None"
    ):
        define_stage(1, "run-1")
    assert cli.json("show", "IMP-0001")["status"] == "identified"
    wide = objective_doc(
        metric="mttr_hours",
        window="156w",
        baseline="measure",
        target=5,
        source={
            "kind": "sql",
            "url": f"sqlite:///{tmp_path / 'service_desk.db'}",
            "query": NETWORK_MEAN,
        },
    )
    cli.ok("apply", str(write_yaml(tmp_path, improvement_doc(objectives=[wide]))))
    assert define_stage(1, "run-1") == "planned"
    shown = cli.json("show", "IMP-0001")["objectives"][0]
    assert shown["baseline"] == "measure"  # the file's word; the measured value is in the snapshot
    (baseline,) = cli.json("snapshots", "IMP-0001")
    assert baseline["kind"] == "baseline" and baseline["value"] == pytest.approx(23 / 4)


def test_a_retried_define_stage_replaces_its_failed_baseline_whatever_second_it_ran(
    cli: Cli, people: None, tmp_path: Path
) -> None:
    from datetime import timedelta

    from ci_workflow.domain.clock import utcnow
    from ci_workflow.store.db import transaction
    from ci_workflow.store.tables import MetricSnapshot

    wide = objective_doc(
        metric="mttr_hours",
        window="156w",
        baseline="measure",
        target=5,
        source={"kind": "sql", "url": f"sqlite:///{incident_db(tmp_path)}", "query": NETWORK_MEAN},
    )
    cli.ok("apply", str(write_yaml(tmp_path, improvement_doc(objectives=[wide]))))
    with transaction() as session:  # what a failed first try left, a minute before the retry
        session.add(
            MetricSnapshot(
                objective_id=1,
                kind="baseline",
                checkpoint_at=utcnow() - timedelta(minutes=1),
                value=None,
                error="connection refused",
            )
        )
    assert define_stage(1, "run-1") == "planned"
    (baseline,) = cli.json("snapshots", "IMP-0001")
    assert (baseline["value"], baseline["error"]) == (pytest.approx(23 / 4), None)


def test_my_work_lists_what_it_shows_and_says_how_many_there_are(cli: Cli, executing: str) -> None:
    from ci_workflow.domain.authority.actors import operating_system
    from ci_workflow.services.people.directory import person_view_of
    from ci_workflow.services.register.apply import apply_documents
    from ci_workflow.services.views.my_work import SHOWN, my_work

    for day, value in [("2026-10-01", "3.1"), ("2026-10-15", "3.12"), ("2026-10-29", "3.13")]:
        cli.ok("record", executing, "csat", value, "--as", "Priya Nair", "--at", day)
    more = SHOWN + 4
    documents = [
        (f"bulk-{n}.yaml", yaml.safe_dump(improvement_doc(key=f"bulk-{n}", title=f"Bulk {n}")))
        for n in range(more)
    ]
    apply_documents(documents, actor=operating_system("tests"))
    work = my_work(person_view_of("lena@example.org"))
    assert work.improvements_total == more + 1 and len(work.improvements) == SHOWN
    assert [i.id for i in work.improvements[:2]] == [f"IMP-{more + 1:04d}", f"IMP-{more:04d}"]
    (late,) = work.off_track
    assert (late.improvement, late.title, late.metric) == (
        executing,
        "Cut the time to restore network incidents",
        "csat",
    )
    # Priya works on all of them as a team member; she owns none, so nothing of hers is off track.
    priya = my_work(person_view_of("priya@example.org"))
    assert priya.improvements_total == more + 1 and priya.off_track == []


def test_a_capture_or_backfill_in_the_future_is_refused_and_stores_nothing(
    cli: Cli, executing: str
) -> None:
    before = snapshots(cli)
    (line,) = cli.fails("capture", "--improvement", executing, "--as-of", "2999-01-01", code=2)
    assert line == (
        "error: as of 2999-01-01 00:00 UTC is in the future: a capture measures what has happened"
    )
    (line,) = cli.fails(
        "backfill", executing, "--from", "2026-10-01", "--to", "2999-01-01", "--every", "7d", code=2
    )
    assert "2999-01-01 00:00 UTC is in the future" in line
    assert snapshots(cli) == before
