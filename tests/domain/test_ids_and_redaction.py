import pytest

from ci_workflow.domain.authority.people import parse_grant
from ci_workflow.domain.ids import format_id, parse_id
from ci_workflow.domain.improvement.priority import priority, value
from ci_workflow.domain.redact import redact_source, redact_url
from ci_workflow.errors import UsageError


@pytest.mark.parametrize("text", ["IMP-0007", "imp-7", "7", "IMP7", " IMP-007 "])
def test_improvement_ids_are_read_in_the_forms_people_type(text: str) -> None:
    assert parse_id(text) == 7
    assert format_id(7) == "IMP-0007"


@pytest.mark.parametrize("text", ["IMP-", "IMP-0000", "seven", "IMP-1a"])
def test_malformed_ids_are_usage_errors(text: str) -> None:
    with pytest.raises(UsageError):
        parse_id(text)


def test_priority_and_value() -> None:
    assert priority(5, 5) == 25 and priority(1, 3) == 3
    assert value(45000, 12000) == 33000
    assert value(None, 12000) is None


def test_passwords_and_header_values_are_masked() -> None:
    url = "postgresql+psycopg://reader:s3cret@db.example.org/itsm"
    assert "s3cret" not in redact_url(url) and "reader" in redact_url(url)
    shown = redact_source(
        {"kind": "http", "url": "https://x", "headers": {"Authorization": "Bearer t0k"}}
    )
    assert shown["headers"] == {"Authorization": "***"}
    assert "s3cret" not in str(redact_source({"kind": "sql", "url": url, "query": "select 1"}))


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "postgresql://r:pw@db:5432/itsm?sslmode=require&password=pw2",
            "postgresql://r:***@db:5432/itsm?sslmode=require&password=***",
        ),
        (
            "https://u:pw@api.example.org/m?api_key=k&team=network",
            "https://u:***@api.example.org/m?api_key=***&team=network",
        ),
        ("https://tok3n@api.example.org/m", "https://***@api.example.org/m"),
        ("sqlite:////var/data/itsm.db", "sqlite:////var/data/itsm.db"),
        ("postgresql://r:pw@[::1]:5432/itsm", "postgresql://r:***@[::1]:5432/itsm"),
        ("http://[broken", "***"),
    ],
)
def test_every_secret_in_a_url_is_masked_and_the_rest_kept(url: str, shown: str) -> None:
    assert redact_url(url) == shown


def test_sources_show_no_secret_of_any_kind() -> None:
    http = redact_source(
        {
            "kind": "http",
            "url": "https://u:pw@h/m?token=t1",
            "path": "v",
            "headers": {"X-Api-Key": "k1"},
            "params": {"team": "network"},
        }
    )
    assert http["url"] == "https://u:***@h/m?token=***"
    assert http["headers"] == {"X-Api-Key": "***"} and http["params"] == {"team": "***"}
    python = redact_source(
        {"kind": "python", "function": "m:f", "params": {"api_token": "t2", "days": 7}}
    )
    assert python["params"] == {"api_token": "***", "days": 7}
    incidents = redact_source(
        {"kind": "incidents", "metric": "incident_count", "database": "postgresql://u:pw3@h/itsm"}
    )
    assert incidents["database"] == "postgresql://u:***@h/itsm"


def test_role_grants_parse_with_and_without_scope() -> None:
    assert (
        str(parse_grant("process_owner:Incident Management")) == "process_owner:Incident Management"
    )
    assert str(parse_grant("ci_manager")) == "ci_manager"
    with pytest.raises(UsageError, match="needs a scope"):
        parse_grant("service_owner")
    with pytest.raises(UsageError, match="unknown role 'boss'"):
        parse_grant("boss")
    # A data analyst is scoped like a process owner: a process, or a service after "service:".
    assert str(parse_grant("data_analyst:Change Enablement")) == "data_analyst:Change Enablement"
    assert str(parse_grant("data_analyst: Service :  Email ")) == "data_analyst:service:Email"
    with pytest.raises(UsageError, match="needs a scope"):
        parse_grant("data_analyst")
    with pytest.raises(UsageError, match="needs the service's name"):
        parse_grant("data_analyst:service:")
