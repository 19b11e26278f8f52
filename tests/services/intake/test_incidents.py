"""Importing incident exports, and the incident metric templates, on real data."""

from __future__ import annotations

import csv
import gzip
import sqlite3
import statistics
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ci_workflow.metrics import MetricError, Window
from tests.helpers import Cli
from tests.metrics.sources import measure

ROOT = Path(__file__).resolve().parents[3]
MAPPINGS = ROOT / "examples" / "mappings"
EVENT_LOG = ROOT.parent / "shared" / "data" / "servicenow_incident_event_log.csv.gz"
MARCH = Window(datetime(2016, 3, 1, tzinfo=UTC), datetime(2016, 4, 1, tzinfo=UTC))


def independent_march_figures() -> tuple[int, float, float, int]:
    """From the raw log, without the project's code: incidents opened in March, mean and median
    hours to the first Resolved/Closed event of those resolved in March, and how many incidents
    in all."""
    parse = lambda text: datetime.strptime(text, "%d/%m/%Y %H:%M")  # noqa: E731
    opened: dict[str, datetime] = {}
    resolved: dict[str, datetime] = {}
    with gzip.open(EVENT_LOG, "rt", newline="") as stream:
        for row in csv.DictReader(stream):
            number = row["number"]
            opened[number] = parse(row["opened_at"])
            if row["incident_state"] in ("Resolved", "Closed"):
                at = parse(row["sys_updated_at"])
                resolved[number] = min(at, resolved.get(number, at))
    start, end = datetime(2016, 3, 1), datetime(2016, 4, 1)
    count = sum(1 for at in opened.values() if start < at <= end)
    hours = [
        (r - opened[n]).total_seconds() / 3600 for n, r in resolved.items() if start < r <= end
    ]
    return count, sum(hours) / len(hours), statistics.median(hours), len(opened)


def independent_ping_pong() -> dict[str, int]:
    parse = lambda text: datetime.strptime(text, "%d/%m/%Y %H:%M")  # noqa: E731
    events: dict[str, list[tuple[datetime, str]]] = {}
    with gzip.open(EVENT_LOG, "rt", newline="") as stream:
        for row in csv.DictReader(stream):
            events.setdefault(row["number"], []).append(
                (parse(row["sys_updated_at"]), row["assignment_group"])
            )
    out = {}
    for number, its in events.items():
        its.sort(key=lambda e: e[0])  # stable: file order on ties
        teams: list[str] = []
        for _, team in its:
            if team != "?" and (not teams or teams[-1] != team):
                teams.append(team)
        out[number] = sum(1 for i in range(2, len(teams)) if teams[i] == teams[i - 2])
    return out


def stored_ping_pong() -> dict[str, int]:
    from sqlalchemy import select

    from ci_workflow.store.db import transaction
    from ci_workflow.store.intake.incidents import TABLE

    with transaction(write=False) as session:
        return dict(session.execute(select(TABLE.c.number, TABLE.c.ping_pong_count)).all())  # type: ignore[arg-type]


@pytest.mark.skipif(not EVENT_LOG.exists(), reason=f"{EVENT_LOG} is not there")
def test_the_servicenow_event_log_imports_and_its_metrics_match_an_independent_count(
    cli: Cli, store: str
) -> None:
    mapping = str(MAPPINGS / "servicenow_event_log.yaml")
    first = cli.ok("import", "incidents", str(EVENT_LOG), "--mapping", mapping).stdout
    assert first.splitlines() == [
        "20769 incidents imported, 0 updated (from 119998 rows of servicenow_incident_event_log.csv.gz)",
        "opened between 2016-02-29 and 2016-05-13",
    ]
    again = cli.ok("import", "incidents", str(EVENT_LOG), "--mapping", mapping).stdout
    assert again.startswith("0 incidents imported, 20769 updated")
    count, mean_hours, median_hours, total = independent_march_figures()
    assert total == 20769
    assert measure({"kind": "incidents", "metric": "incident_count"}, MARCH) == count
    assert measure({"kind": "incidents", "metric": "mttr_hours"}, MARCH) == pytest.approx(
        mean_hours, rel=1e-9
    )
    median = measure({"kind": "incidents", "metric": "mttr_median_hours"}, MARCH)
    assert median == pytest.approx(median_hours, rel=1e-9) and median < mean_hours / 2
    # Hand-overs back (A -> B -> A), derived from the events in time order (file order on ties).
    assert stored_ping_pong() == independent_ping_pong()
    narrow = {
        "kind": "incidents",
        "metric": "incident_count",
        "filter": {"priority": "1 - Critical"},
    }
    assert 0 < measure(narrow, MARCH) < count


GENERIC = """incident_id,opened,resolved,closed,category,service,priority,group,sla_met,reopens,reassignments,problem,change
INC1,2026-03-02 08:00,2026-03-02 12:00,2026-03-03 09:00,network,LAN,P2,Net,yes,0,1,,
INC2,2026-03-05 09:00,2026-03-06 09:00,,network,LAN,P3,Net,no,1,4,PRB7,CHG3
INC3,2026-03-07 10:00,,,email,Mail,P4,Msg,,0,0,,
"""


def write(tmp_path: Path, text: str, name: str = "export.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_one_row_export_imports_and_updates_by_id(cli: Cli, store: str, tmp_path: Path) -> None:
    mapping = str(MAPPINGS / "generic_incidents.yaml")
    out = cli.ok("import", "incidents", str(write(tmp_path, GENERIC)), "--mapping", mapping).stdout
    assert out.startswith("3 incidents imported, 0 updated (from 3 rows")
    window = Window(datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 31, tzinfo=UTC))
    assert measure({"kind": "incidents", "metric": "mttr_hours"}, window) == pytest.approx(
        (4 + 24) / 2
    )
    assert measure({"kind": "incidents", "metric": "sla_met_pct"}, window) == 50
    assert measure({"kind": "incidents", "metric": "reopen_pct"}, window) == 50
    assert measure({"kind": "incidents", "metric": "problem_linked_count"}, window) == 1
    assert (
        measure(
            {"kind": "incidents", "metric": "incident_count", "filter": {"category": "email"}},
            window,
        )
        == 1
    )
    resolved_later = GENERIC.replace(
        "INC3,2026-03-07 10:00,,", "INC3,2026-03-07 10:00,2026-03-07 12:00,"
    ) + ("INC4,2026-03-09 10:00,2026-03-09 11:00,,email,Mail,P4,Msg,yes,0,0,,\n")
    out = cli.ok(
        "import", "incidents", str(write(tmp_path, resolved_later)), "--mapping", mapping
    ).stdout
    assert out.startswith("1 incidents imported, 3 updated")
    assert measure(
        {"kind": "incidents", "metric": "mttr_hours", "filter": {"category": "email"}}, window
    ) == pytest.approx(1.5)
    empty = Window(datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 2, 1, tzinfo=UTC))
    with pytest.raises(MetricError, match="no incidents resolved in the window for mttr_hours"):
        measure({"kind": "incidents", "metric": "mttr_hours"}, empty)


@pytest.mark.parametrize(
    ("mapping_text", "expected"),
    [
        (
            "layout: one_row\ncolumns: {id: incident_id}\n",
            "columns.opened: map a column, or derive it from the events",
        ),
        (
            "layout: event_log\ncolumns: {id: a, opened: b}\nevent_log: {status_column: s, resolved_states: [R], event_time_column: t, derive: [opened]}\n",
            "opened is both a column and derived: choose one",
        ),
        (
            "layout: event_log\ncolumns: {id: a}\nevent_log: {status_column: s, resolved_states: [R], event_time_column: t, derive: [opened, ping_pong_count]}\n",
            "deriving hand-overs needs columns.assignment_group",
        ),
        (
            "layout: event_log\ncolumns: {id: a}\nevent_log: {status_column: s, resolved_states: [R], event_time_column: t, derive: [colour]}\n",
            "event_log.derive[0]: Input should be 'opened', 'resolved'",
        ),
        (
            "layout: event_log\ncolumns: {id: a, opened: b}\n",
            "layout event_log needs an event_log section",
        ),
        (
            "layout: one_row\ncolumns: {id: a, opened: b, colour: c}\n",
            "columns.colour: unknown field",
        ),
        ("layout: [\n", "line 2, column 1"),
    ],
)
def test_a_bad_mapping_is_one_clear_error_and_imports_nothing(
    cli: Cli, store: str, tmp_path: Path, mapping_text: str, expected: str
) -> None:
    mapping = write(tmp_path, mapping_text, "mapping.yaml")
    lines = cli.fails(
        "import", "incidents", str(write(tmp_path, GENERIC)), "--mapping", str(mapping)
    )
    assert expected in lines[0]
    assert lines[-1].endswith("nothing was written")
    good = str(MAPPINGS / "generic_incidents.yaml")
    assert cli.ok(
        "import", "incidents", str(write(tmp_path, GENERIC)), "--mapping", good
    ).stdout.startswith("3 incidents imported")


@pytest.mark.parametrize(
    ("export", "expected"),
    [
        (GENERIC.replace("sla_met,", "sla,"), "no column sla_met (see the mapping)"),
        ("", "the file is empty"),
    ],
)
def test_a_bad_export_is_one_clear_error_and_imports_nothing(
    cli: Cli, store: str, tmp_path: Path, export: str, expected: str
) -> None:
    mapping = str(MAPPINGS / "generic_incidents.yaml")
    lines = cli.fails("import", "incidents", str(write(tmp_path, export)), "--mapping", mapping)
    assert lines[0].endswith(expected)
    window = Window(datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 31, tzinfo=UTC))
    assert measure({"kind": "incidents", "metric": "incident_count"}, window) == 0


@pytest.mark.parametrize(
    ("export", "expected"),
    [
        (
            GENERIC.replace("2026-03-05 09:00", "5 March"),
            "1 row(s): opened: not a time in '%Y-%m-%d %H:%M' (line 3)",
        ),
        (
            GENERIC.replace(",1,4,PRB7", ",once,4,PRB7"),
            "1 row(s): reopens: not a whole number (line 3)",
        ),
        (
            GENERIC.replace("INC3,", ","),
            "1 row(s): incident_id: the incident id is missing (line 4)",
        ),
        (
            GENERIC.replace("2026-03-06 09:00", "2026-03-04 09:00"),
            "1 incident(s): resolved before opened (INC2)",
        ),
    ],
)
def test_rows_that_cannot_be_used_are_counted_and_left_out_or_refuse_the_file_when_strict(
    cli: Cli, store: str, tmp_path: Path, export: str, expected: str
) -> None:
    mapping = str(MAPPINGS / "generic_incidents.yaml")
    path = str(write(tmp_path, export))
    lines = cli.fails("import", "incidents", path, "--mapping", mapping, "--strict")
    assert lines[0] == f"{path}: {expected}"
    assert lines[-1].endswith("nothing was written")
    window = Window(datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 31, tzinfo=UTC))
    assert measure({"kind": "incidents", "metric": "incident_count"}, window) == 0
    out = cli.ok("import", "incidents", path, "--mapping", mapping).stdout.splitlines()
    assert out[0].startswith("2 incidents imported, 0 updated (from 3 rows")
    assert out[-1] == f"left out: {path}: {expected}"
    assert measure({"kind": "incidents", "metric": "incident_count"}, window) == 2


def test_incidents_can_go_to_another_database(cli: Cli, store: str, tmp_path: Path) -> None:
    target = tmp_path / "itsm.db"
    mapping = str(MAPPINGS / "generic_incidents.yaml")
    cli.ok(
        "import",
        "incidents",
        str(write(tmp_path, GENERIC)),
        "--mapping",
        mapping,
        "--database",
        f"sqlite:///{target}",
    )
    with sqlite3.connect(target) as db:
        assert db.execute(
            "SELECT number, reassignment_count FROM incidents ORDER BY number"
        ).fetchall() == [("INC1", 1), ("INC2", 4), ("INC3", 0)]
    window = Window(datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 31, tzinfo=UTC))
    assert (
        measure({"kind": "incidents", "metric": "incident_count"}, window) == 0
    )  # the store has none
    assert (
        measure(
            {"kind": "incidents", "metric": "incident_count", "database": f"sqlite:///{target}"},
            window,
        )
        == 3
    )


def test_a_template_read_for_every_group_at_once_equals_one_read_per_group(
    cli: Cli, store: str, tmp_path: Path
) -> None:
    from ci_workflow.metrics.incident_source import read_each

    mapping = str(MAPPINGS / "generic_incidents.yaml")
    cli.ok("import", "incidents", str(write(tmp_path, GENERIC)), "--mapping", mapping)
    window = Window(datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 31, tzinfo=UTC))
    for metric in (
        "incident_count",
        "problem_linked_count",
        "mttr_hours",
        "mttr_median_hours",
        "sla_met_pct",
        "reopen_pct",
    ):
        for column in ("category", "service", "priority", "assignment_group"):
            each = read_each(metric, column, window)
            for value in ("network", "email", "LAN", "Mail", "P2", "P3", "P4", "Net", "Msg"):
                source = {"kind": "incidents", "metric": metric, "filter": {column: value}}
                try:
                    single = measure(source, window)
                except MetricError:
                    assert value not in each
                    continue
                assert each.get(value, 0.0) == pytest.approx(single), (metric, column, value)
