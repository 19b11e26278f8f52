"""Which host a source reads from: what a capture bounds its reads by."""

from __future__ import annotations

from typing import Any

import pytest

from ci_workflow.domain.improvement.sources import parse_source, source_host, validate_source

CSV = {
    "kind": "csv",
    "path": "/data/incidents.csv",
    "timestamp_column": "at",
    "aggregation": "count",
}


def sql(url: str) -> dict[str, Any]:
    return {"kind": "sql", "url": url, "query": "SELECT 1"}


def http(url: str) -> dict[str, Any]:
    return {"kind": "http", "url": url, "path": "a"}


HOSTS = [
    (http("https://API.example.org/v1/x"), "api.example.org:443"),
    (http("http://127.0.0.1:8080/x?q=1"), "127.0.0.1:8080"),
    (http("http://metrics.local/x"), "metrics.local:80"),
    (sql("postgresql://reader:s3cret@db.example.org:5433/itsm"), "db.example.org:5433"),
    (sql("postgresql://reader@DB.example.org/itsm"), "db.example.org"),
    (sql("postgresql:///itsm"), "localhost"),  # a socket on this machine
    (sql("sqlite:////data/desk.db"), "local files"),
    (CSV, "local files"),
    ({"kind": "incidents", "metric": "mttr_hours"}, "register"),
    (
        {
            "kind": "incidents",
            "metric": "mttr_hours",
            "database": "postgresql://w@wh.example.org/dw",
        },
        "wh.example.org",
    ),
    ({"kind": "python", "function": "acme.metrics:score"}, "python"),
]


@pytest.mark.parametrize(("source", "host"), HOSTS)
def test_each_source_names_the_host_it_reads_from_and_never_a_password(
    source: dict[str, Any], host: str
) -> None:
    assert source_host(validate_source(source)) == host
    assert source_host(parse_source(source)) == host  # as a capture reads it back


def test_a_stored_source_that_does_not_parse_still_has_a_host() -> None:
    # Its read fails and says why; choosing where to queue it must not.
    assert source_host(parse_source(sql("::"))) == "unknown database"
    assert source_host(parse_source(http("http://h:port/"))) == "h:80"
