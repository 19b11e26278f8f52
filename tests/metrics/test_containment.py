"""What a metric source cannot do, whoever writes it: write, run programs, read outside what it
is given, echo a file's content, run past its deadline, or hand a token to another host. Each
case was once possible; each test names what it proves."""

from __future__ import annotations

import os
import socket
import sqlite3
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from ci_workflow.metrics import MetricError, Window
from ci_workflow.settings import get_settings
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


def sqlite_source(path: Path, query: str) -> dict[str, object]:
    return {"kind": "sql", "url": f"sqlite:///{path}", "query": query}


@pytest.mark.parametrize(
    "query",
    [
        "ATTACH DATABASE '{other}' AS o",
        "VACUUM INTO '{other}'",
        "PRAGMA writable_schema = ON",
        "SELECT load_extension('{other}')",
        "PRAGMA query_only = OFF",
    ],
)
def test_a_sqlite_source_can_neither_attach_copy_nor_loosen_its_file(
    tmp_path: Path, query: str
) -> None:
    db, other = incident_db(tmp_path), tmp_path / "other.db"
    with pytest.raises(MetricError, match=r"not authorized|authorization denied"):
        measure(sqlite_source(db, query.format(other=other)), OCTOBER)
    assert not other.exists()
    with sqlite3.connect(db) as check:
        assert check.execute("SELECT COUNT(*) FROM incidents").fetchone() == (5,)


def test_a_sqlite_source_reads_no_file_outside_the_data_roots(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inside, outside = tmp_path / "data", tmp_path / "private"
    inside.mkdir(), outside.mkdir()
    monkeypatch.setenv("IMPROVE_DATA_ROOTS", str(inside))
    get_settings.cache_clear()
    secret = incident_db(outside)
    with pytest.raises(MetricError, match="outside the folders sources may read"):
        measure(sqlite_source(secret, "SELECT COUNT(*) FROM incidents"), OCTOBER)
    (inside / "link.db").symlink_to(secret)
    with pytest.raises(MetricError, match="outside the folders sources may read"):
        measure(sqlite_source(inside / "link.db", "SELECT COUNT(*) FROM incidents"), OCTOBER)


def test_a_sqlite_source_opens_the_file_it_checked_not_a_uri_decoded_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inside, outside = tmp_path / "data", tmp_path / "private"
    inside.mkdir(), outside.mkdir()
    monkeypatch.setenv("IMPROVE_DATA_ROOTS", str(inside))
    get_settings.cache_clear()
    with sqlite3.connect(outside / "register.db") as secret:
        secret.execute("CREATE TABLE t (token TEXT)")
        secret.execute("INSERT INTO t VALUES ('invitation-token')")
    # Names SQLite would read as a URI: %2F decoded to "/", or "?"/"#" starting its options.
    for name in ("a%2F..%2F..%2Fprivate%2Fregister.db", "b.db?mode=rw#"):
        (inside / name).touch()  # a real (empty) file inside the roots
        url = f"sqlite:///{inside}/{name.replace('%', '%25').replace('?', '%3F')}"
        with pytest.raises(MetricError, match="no such table: t"):
            measure({"kind": "sql", "url": url, "query": "SELECT token FROM t"}, OCTOBER)
        assert (inside / name).stat().st_size == 0  # opened read-only: nothing written


def test_a_csv_source_reads_no_file_outside_its_roots_and_never_echoes_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IMPROVE_DATA_ROOTS", str(tmp_path))
    get_settings.cache_clear()
    base = {"kind": "csv", "timestamp_column": "root", "aggregation": "count"}
    with pytest.raises(MetricError, match="outside the folders sources may read") as refused:
        measure({**base, "path": "/etc/passwd"}, OCTOBER)
    (tmp_path / "passwd.csv").symlink_to("/etc/passwd")
    with pytest.raises(MetricError, match="outside the folders sources may read"):
        measure({**base, "path": str(tmp_path / "passwd.csv")}, OCTOBER)
    monkeypatch.setenv("IMPROVE_DATA_ROOTS", "/")
    get_settings.cache_clear()
    with pytest.raises(MetricError) as failed:
        measure({**base, "path": "/etc/passwd", "timestamp_column": "x"}, OCTOBER)
    for error in (refused.value, failed.value):
        assert "root:" not in str(error) and "/bin/" not in str(error)
    with pytest.raises(MetricError, match="not a regular file"):
        measure({**base, "path": "/dev/zero"}, OCTOBER)


def test_a_csv_larger_than_the_cap_is_refused_before_it_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IMPROVE_SOURCE_MAX_BYTES", "1000")
    get_settings.cache_clear()
    path = incident_csv(tmp_path)
    path.write_text(path.read_text() * 20)
    with pytest.raises(MetricError, match=r"more than the 1,000 allowed"):
        measure(
            {
                "kind": "csv",
                "path": str(path),
                "timestamp_column": "opened_at",
                "aggregation": "count",
            },
            OCTOBER,
        )


def test_python_sources_run_only_listed_modules_and_never_from_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(MetricError, match=r"'unittest\.mock' is not among the modules"):
        measure({"kind": "python", "function": "unittest.mock:MagicMock"}, OCTOBER)
    planted = tmp_path / "planted_metric.py"
    planted.write_text("open(__file__ + '.ran', 'w').close()\ndef value(**_): return 1.0\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend("")  # as `python -m` would put the working directory first
    allow_python(monkeypatch, "planted_metric")
    with pytest.raises(MetricError, match="cannot load planted_metric:value"):
        measure({"kind": "python", "function": "planted_metric:value"}, OCTOBER)
    assert not (tmp_path / "planted_metric.py.ran").exists()


def test_python_sources_import_neither_from_a_flows_folder_nor_from_a_checkout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Prefect puts the folder of the flow it runs first on sys.path (flows/ of a checkout).
    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / "acme_metrics.py").write_text(
        "open(__file__ + '.ran', 'w').close()\ndef value(**_): return 1.0\n"
    )
    monkeypatch.syspath_prepend(str(flows))
    allow_python(monkeypatch, "acme_metrics", "tests")
    monkeypatch.delenv("IMPROVE_PYTHON_SOURCE_PATH")
    get_settings.cache_clear()
    with pytest.raises(MetricError, match="no module 'acme_metrics' among the installed packages"):
        measure({"kind": "python", "function": "acme_metrics:value"}, OCTOBER)
    assert not (flows / "acme_metrics.py.ran").exists()
    # This repository's checkout is on sys.path through its editable install, and its tests
    # package is already imported from there: still not an installed package.
    with pytest.raises(MetricError, match="no module 'tests' among the installed packages"):
        measure({"kind": "python", "function": "tests.metrics.sources:broken"}, OCTOBER)

    # A folder the administrator names is one Python sources may import from.
    monkeypatch.setenv("IMPROVE_PYTHON_SOURCE_PATH", str(flows))
    get_settings.cache_clear()
    try:
        assert measure({"kind": "python", "function": "acme_metrics:value"}, OCTOBER) == 1.0
    finally:
        sys.modules.pop("acme_metrics", None)  # imported from this test's folder only


@pytest.fixture
def drip() -> Iterator[tuple[str, object]]:
    with http_server() as (url, answers):
        yield url, answers


def test_an_http_answer_over_the_cap_is_refused(
    drip: tuple[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, answers = drip
    monkeypatch.setenv("IMPROVE_SOURCE_MAX_BYTES", "5000")
    get_settings.cache_clear()
    answers.body = {"data": {"items": [{"value": 1}]}, "padding": "x" * 20_000}  # type: ignore[attr-defined]
    with pytest.raises(MetricError, match=r"larger than the 5,000 bytes allowed"):
        measure({"kind": "http", "url": url, "path": "data.items[0].value", "retries": 3}, OCTOBER)
    assert len(answers.requests) == 1  # type: ignore[attr-defined]  # refused for good: no retry


def test_a_slowly_dripping_answer_ends_at_the_deadline(drip: tuple[str, object]) -> None:
    url, answers = drip
    answers.drip = 0.2  # type: ignore[attr-defined]  # a byte every 0.2 s: ~8 s for the body
    started = time.monotonic()
    with pytest.raises(
        MetricError, match=r"no HTTP answer from 127\.0\.0\.1 within 1 s \(after 2 tries\)"
    ):
        measure(
            {"kind": "http", "url": url, "path": "data.items[0].value", "timeout": 1, "retries": 1},
            OCTOBER,
        )
    assert time.monotonic() - started < 6  # two tries of about a second, not the whole drip


def test_configured_headers_do_not_follow_a_redirect_to_another_host() -> None:
    with http_server() as (first, at_first), http_server() as (second, at_second):
        second_host = second.replace("127.0.0.1", "localhost")  # same server, another origin
        at_first.redirect_to = f"{second_host}/value"
        source = {
            "kind": "http",
            "url": f"{first}/start",
            "path": "data.items[0].value",
            "headers": {"X-Api-Key": "s3cret"},
            "retries": 0,
        }
        assert measure(source, OCTOBER) == 4.25
        assert at_first.headers[0]["x-api-key"] == "s3cret"
        assert "x-api-key" not in at_second.headers[0]
        at_first.redirect_to, at_second.headers[:] = None, []
        at_first.requests[:] = []
        # The same origin keeps them.
        at_first.redirect_to = None
        same = {**source, "url": f"{first}/value"}
        assert measure(same, OCTOBER) == 4.25 and at_first.headers[-1]["x-api-key"] == "s3cret"


def test_a_database_host_that_never_answers_fails_within_its_bounds() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)  # accepts the connection, never says a word
    port = listener.getsockname()[1]
    started = time.monotonic()
    try:
        with pytest.raises(MetricError):
            measure(
                {
                    "kind": "sql",
                    "url": f"postgresql://reader@127.0.0.1:{port}/db",
                    "query": "SELECT 1",
                    "timeout": 2,
                },
                OCTOBER,
            )
    finally:
        listener.close()
    assert time.monotonic() - started < 30  # the connect timeout, not forever


def test_postgres_sources_run_one_statement_that_cannot_end_its_read_only_transaction(
    postgres_table: ReaderTable,
) -> None:
    schema = postgres_table.schema
    for query in (
        f"COMMIT; DELETE FROM {schema}.incidents; SELECT count(*) FROM {schema}.incidents",
        f"ROLLBACK; INSERT INTO {schema}.incidents VALUES (now(), 1); SELECT 1",
        f"WITH gone AS (DELETE FROM {schema}.incidents RETURNING 1) SELECT count(*) FROM gone",
    ):
        with pytest.raises(MetricError):
            measure({"kind": "sql", "url": postgres_table.url, "query": query}, OCTOBER)
    assert POSTGRES_URL
    engine = create_engine(POSTGRES_URL)
    with engine.connect() as connection:
        count = connection.execute(text(f"SELECT COUNT(*) FROM {schema}.incidents")).scalar()
    engine.dispose()
    assert count == 2


def test_a_postgres_query_that_lifts_its_own_timeout_is_cancelled_by_the_client(
    postgres_table: ReaderTable,
) -> None:
    started = time.monotonic()
    query = "SELECT set_config('statement_timeout', '0', true), pg_sleep(20)"
    with pytest.raises(MetricError, match=r"timed out after 1 s|canceling statement"):
        measure({"kind": "sql", "url": postgres_table.url, "query": query, "timeout": 1}, OCTOBER)
    assert time.monotonic() - started < 15  # not the 20 s it asked for


def test_a_superuser_source_is_refused_and_a_reader_cannot_run_programs(
    postgres_table: ReaderTable, tmp_path: Path
) -> None:
    assert POSTGRES_URL
    marker = tmp_path / "ran"
    copy = f"COPY (SELECT 1) TO PROGRAM 'touch {marker}'"
    with pytest.raises(MetricError, match="can run programs or reach files"):
        measure({"kind": "sql", "url": POSTGRES_URL, "query": copy}, OCTOBER)
    with pytest.raises(MetricError):
        measure({"kind": "sql", "url": postgres_table.url, "query": copy}, OCTOBER)
    assert not marker.exists()


def test_sources_are_checked_where_they_point_when_applied(
    cli: object, people: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.helpers import Cli, improvement_doc, objective_doc, write_yaml

    assert isinstance(cli, Cli)
    folder = tmp_path / "cir"
    folder.mkdir()
    bad = [
        objective_doc(
            metric="a",
            source={
                "kind": "csv",
                "path": "/etc/passwd",
                "timestamp_column": "t",
                "aggregation": "count",
            },
        ),
        objective_doc(
            metric="b", source={"kind": "sql", "url": "sqlit:///x.db", "query": "SELECT 1"}
        ),
        objective_doc(metric="c", source={"kind": "python", "function": "os:getcwd"}),
        objective_doc(
            metric="d",
            source={
                "kind": "sql",
                "url": f"sqlite:///{os.path.expanduser('~')}/x.db",
                "query": "SELECT 1",
            },
        ),
    ]
    lines = cli.fails("apply", str(write_yaml(folder, improvement_doc(objectives=bad))))
    assert lines[:-1] == [
        f"{folder}/network-mttr.yaml: objectives[0].source.path: passwd: outside the folders sources may read (data roots)",
        f"{folder}/network-mttr.yaml: objectives[1].source.url: 'sqlit' is not a database this installation knows (e.g. postgresql://, sqlite:///)",
        f"{folder}/network-mttr.yaml: objectives[2].source.function: module 'os' is not among the modules Python sources may use (IMPROVE_PYTHON_SOURCE_MODULES: none are)",
        f"{folder}/network-mttr.yaml: objectives[3].source.url: x.db: outside the folders sources may read (data roots)",
    ]
    assert cli.json("list") == []
