"""Each kind of metric source against a real source."""

from __future__ import annotations

import re
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from ci_workflow.metrics import MetricError, Window
from tests.conftest import POSTGRES_URL
from tests.metrics.sources import (
    ReaderTable,
    allow_python,
    http_server,
    incident_csv,
    incident_db,
    measure,
)

OCTOBER = Window(datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 10, 10, tzinfo=UTC))


def sql(path: Path, query: str, **extra: Any) -> dict[str, Any]:
    return {"kind": "sql", "url": f"sqlite:///{path}", "query": query, **extra}


def test_sql_binds_the_window_as_utc_text_on_sqlite(tmp_path: Path) -> None:
    db = incident_db(tmp_path)
    query = (
        "SELECT AVG(hours) FROM incidents WHERE category = 'network' "
        "AND opened_at > :window_start AND opened_at <= :window_end"
    )
    assert measure(sql(db, query), OCTOBER) == pytest.approx((10 + 6 + 4) / 3)
    with pytest.raises(MetricError, match="not a number: '2026-10-10 00:00:00'"):
        measure(sql(db, "SELECT :as_of"), OCTOBER)  # the bound text, as documented


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE incidents SET hours = 0",
        "DELETE FROM incidents",
        "CREATE TABLE x (a INT)",
        "INSERT INTO incidents VALUES ('X', '', '', '', 1)",
    ],
)
def test_sql_that_writes_fails_and_changes_nothing_on_sqlite(
    tmp_path: Path, statement: str
) -> None:
    db = incident_db(tmp_path)
    with pytest.raises(MetricError, match="not authorized"):
        measure(sql(db, statement), OCTOBER)
    with sqlite3.connect(db) as check:
        assert check.execute("SELECT COUNT(*), SUM(hours) FROM incidents").fetchone() == (5, 25.0)
        assert check.execute("SELECT COUNT(*) FROM sqlite_master").fetchone() == (1,)


def test_sqlite_reads_see_new_rows_and_a_file_replaced_at_the_same_path(tmp_path: Path) -> None:
    """Connections are kept between reads (a warm cache): they must never read stale data."""
    db = incident_db(tmp_path)
    count = sql(db, "SELECT COUNT(*) FROM incidents")
    assert measure(count, OCTOBER) == 5
    with sqlite3.connect(db) as writer:
        writer.execute("INSERT INTO incidents VALUES ('X', '', '', '', 1)")
    assert measure(count, OCTOBER) == 6
    fresh = tmp_path / "fresh.db"
    with sqlite3.connect(fresh) as other:
        other.execute("CREATE TABLE incidents (id TEXT)")
        other.execute("INSERT INTO incidents VALUES ('only')")
    fresh.replace(db)  # a nightly export swapped in
    assert measure(count, OCTOBER) == 1


def test_sql_failures_are_reasons_not_crashes(tmp_path: Path) -> None:
    db = incident_db(tmp_path)
    with pytest.raises(MetricError, match="one row with one column, got several rows"):
        measure(sql(db, "SELECT hours FROM incidents"), OCTOBER)
    with pytest.raises(MetricError, match="not a number: None"):
        measure(sql(db, "SELECT AVG(hours) FROM incidents WHERE 1 = 0"), OCTOBER)
    with pytest.raises(MetricError, match="no such table"):
        measure(sql(db, "SELECT COUNT(*) FROM nope"), OCTOBER)
    with pytest.raises(MetricError, match="interrupted"):
        slow = (
            "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT COUNT(*) FROM r"
        )
        measure(sql(db, slow, timeout=0.2), OCTOBER)
    with pytest.raises(MetricError, match="not a finite number"):
        measure(sql(db, "SELECT 1e999"), OCTOBER)


def test_sql_on_postgres_reads_in_a_read_only_transaction(postgres_table: ReaderTable) -> None:
    assert POSTGRES_URL
    schema = postgres_table.schema
    url = postgres_table.url.replace(f"{postgres_table.role}@", f"{postgres_table.role}:hunter2@")
    source = {
        "kind": "sql",
        "url": url,
        "query": f"SELECT SUM(hours) FROM {schema}.incidents "
        "WHERE opened_at > :window_start AND opened_at <= :window_end",
    }
    assert measure(source, OCTOBER) == 5
    source["query"] = f"DELETE FROM {schema}.incidents"
    with pytest.raises(MetricError, match="read-only transaction") as refused:
        measure(source, OCTOBER)
    assert "hunter2" not in str(refused.value)
    source["url"] = url.rsplit("/", 1)[0] + "/no_such_database"
    with pytest.raises(MetricError) as failed:
        measure(source, OCTOBER)
    assert "hunter2" not in str(failed.value) and "no_such_database" in str(failed.value)
    engine = create_engine(POSTGRES_URL)
    with engine.connect() as connection:
        assert connection.execute(text(f"SELECT COUNT(*) FROM {schema}.incidents")).scalar() == 2
    engine.dispose()


@pytest.mark.parametrize(
    ("aggregation", "extra", "expected"),
    [
        ("count", {}, 4.0),  # network and email in the window
        ("count", {"filter": {"category": "network"}}, 3.0),
        ("sum", {"value_column": "hours", "filter": {"category": "network"}}, 20.0),
        ("mean", {"value_column": "hours"}, 22 / 4),
        ("median", {"value_column": "hours"}, 5.0),
        ("p90", {"value_column": "hours"}, 8.8),  # 2, 4, 6, 10: 4 + (6 ... numpy's linear p90
        ("rate", {"value_column": "met_sla"}, 0.75),
    ],
)
def test_csv_aggregations_over_the_window(
    tmp_path: Path, aggregation: str, extra: dict[str, Any], expected: float
) -> None:
    source = {
        "kind": "csv",
        "path": str(incident_csv(tmp_path)),
        "timestamp_column": "opened_at",
        "aggregation": aggregation,
        **extra,
    }
    assert measure(source, OCTOBER) == pytest.approx(expected)


def test_csv_problems_are_named(tmp_path: Path) -> None:
    path = incident_csv(tmp_path)
    base = {"kind": "csv", "path": str(path), "timestamp_column": "opened_at"}
    with pytest.raises(MetricError, match="no column closed_at"):
        measure({**base, "timestamp_column": "closed_at", "aggregation": "count"}, OCTOBER)
    with pytest.raises(MetricError, match="no values in the window for mean"):
        measure(
            {
                **base,
                "aggregation": "mean",
                "value_column": "hours",
                "filter": {"category": "printer"},
            },
            OCTOBER,
        )
    with pytest.raises(MetricError, match=r"missing\.csv: no such file"):
        measure({**base, "path": str(tmp_path / "missing.csv"), "aggregation": "count"}, OCTOBER)
    path.write_text("opened_at,hours\nyesterday,3\n")
    with pytest.raises(MetricError, match=r"line 2, opened_at: not a timestamp$"):
        measure({**base, "aggregation": "count"}, OCTOBER)


def test_http_picks_a_number_and_sends_the_window() -> None:
    with http_server() as (url, answers):
        source = {
            "kind": "http",
            "url": f"{url}/scores",
            "path": "data.items[0].value",
            "params": {"from": "{window_start}", "to": "{window_end}"},
            "retries": 0,
        }
        assert measure(source, OCTOBER) == 4.25
        assert answers.requests == [
            "/scores?from=2026-10-01T00%3A00%3A00%2B00%3A00&to=2026-10-10T00%3A00%3A00%2B00%3A00"
        ]


def test_http_retries_then_succeeds_and_reports_what_failed() -> None:
    with http_server() as (url, answers):
        source = {
            "kind": "http",
            "url": url,
            "path": "data.items[0].value",
            "retries": 2,
            "timeout": 2,
        }
        answers.failures_left = 2
        assert measure(source, OCTOBER) == 4.25
        answers.failures_left = 5
        with pytest.raises(MetricError, match=r"HTTP 503 from 127.0.0.1 \(after 3 tries\)"):
            measure(source, OCTOBER)
        answers.failures_left, answers.delay = 0, 0.6
        with pytest.raises(MetricError, match=r"no HTTP answer from 127\.0\.0\.1 within 0\.2 s"):
            measure({**source, "timeout": 0.2, "retries": 0}, OCTOBER)
        answers.delay = 0
        time.sleep(0.7)  # let the slow answer finish before the next request
        for body, reason in [
            ({"data": {}}, "nothing at"),
            ({"data": {"items": [{"value": "NaN"}]}}, "not a finite number"),
            ({"data": {"items": [{"value": "high"}]}}, "not a number"),
            (b"<html>", "not JSON"),
        ]:
            answers.body = body
            with pytest.raises(MetricError, match=reason):
                measure(source, OCTOBER)


def test_python_functions_get_the_window_and_their_failures_are_reasons(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    allow_python(monkeypatch, "tests.metrics")
    source = {
        "kind": "python",
        "function": "tests.metrics.sources:mean_hours",
        "params": {"category": "network"},
    }
    assert measure(source, OCTOBER) == pytest.approx(20 / 3)
    with pytest.raises(
        MetricError,
        match=re.escape(
            "tests.metrics.sources:broken failed: RuntimeError: the upstream API is down"
        ),
    ):
        measure({"kind": "python", "function": "tests.metrics.sources:broken"}, OCTOBER)
    with pytest.raises(MetricError, match="cannot load"):
        measure({"kind": "python", "function": "tests.metrics.nowhere:f"}, OCTOBER)


def test_manual_sources_are_not_fetched() -> None:
    with pytest.raises(MetricError, match="cannot be captured automatically"):
        measure({"kind": "manual"}, OCTOBER)
