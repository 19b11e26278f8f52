"""`improve doctor` against the session's real Prefect server, with `improve serve` polling:
the API, the deployments and the polling are OK, and the command exits 0 when nothing fails;
wrong credentials are a FAIL that says which setting to fix."""

from __future__ import annotations

import json
from email.message import Message

import pytest
import yaml

from ci_workflow.resources import resource_path
from ci_workflow.settings import get_settings
from tests.cli.test_doctor import workspace
from tests.flows.conftest import Served
from tests.helpers import Cli


def test_a_served_register_passes_every_check_and_exits_0(
    lifecycle: Served,
    cli: Cli,
    smtp_server: tuple[int, list[Message]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    declared = yaml.safe_load(resource_path("prefect.yaml").read_text())["deployments"]
    with workspace() as url:
        for name, value in {
            "IMPROVE_SMTP_HOST": "127.0.0.1",
            "IMPROVE_SMTP_PORT": str(smtp_server[0]),
            "IMPROVE_SMTP_STARTTLS": "false",
            "IMPROVE_WEB_URL": url,
        }.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        result = cli.run("doctor", "--json")
    checks = json.loads(result.stdout)
    prefect = [c for c in checks if c["area"] == "prefect"]
    assert [c["status"] for c in prefect] == ["OK", "OK", "OK"], prefect
    api = lifecycle.server.api_url
    assert prefect[0]["text"].startswith(
        f"API {api} (URL from PREFECT_API_URL) answers (Prefect 3."
    )
    assert prefect[1]["text"] == f"the {len(declared)} deployments are registered"
    assert prefect[2]["text"].startswith("a serve or worker process polls (at ")
    assert [c for c in checks if c["status"] == "FAIL"] == []
    assert result.exit_code == 0


def test_wrong_prefect_credentials_fail_naming_the_setting(
    lifecycle: Served, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PREFECT_API_AUTH_STRING", "improve:not-the-password")
    get_settings.cache_clear()
    result = cli.run("doctor")
    line = next(s for s in result.stdout.splitlines() if s.startswith("FAIL  prefect:"))
    assert "refused our credentials" in line and "IMPROVE_PREFECT_AUTH_STRING" in line
    assert "not-the-password" not in result.stdout
    assert result.exit_code == 1
