"""`improve doctor` against the session's real Prefect server, with `improve serve` polling:
the API, the deployments and the polling are OK, and the command exits 0 when nothing fails;
wrong credentials are a FAIL that says which setting to fix."""

from __future__ import annotations

import json
from email.message import Message
from pathlib import Path

import pytest
import yaml

from ci_workflow.resources import resource_path
from ci_workflow.settings import get_settings
from tests.cli.test_doctor import workspace
from tests.flows.conftest import PrefectServer, Served, use_settings
from tests.helpers import Cli

pytestmark = pytest.mark.slow  # a real Prefect server and flows: run by .ci/run (make test-slow)


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


def test_a_prefect_server_without_the_deployments_fails_with_how_to_register_them(
    tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "empty-server").mkdir()
    server = PrefectServer(tmp_path / "empty-server")  # nothing ever served on it
    try:
        use_settings(server.env, monkeypatch)
        monkeypatch.setenv("IMPROVE_HOME", str(tmp_path / "home"))
        get_settings.cache_clear()
        result = cli.run("doctor", "--json")
    finally:
        server.stop()
    declared = yaml.safe_load(resource_path("prefect.yaml").read_text())["deployments"]
    prefect = [c for c in json.loads(result.stdout) if c["area"] == "prefect"]
    assert [c["status"] for c in prefect] == ["OK", "FAIL"]
    names = ", ".join(d["name"] for d in declared)
    assert prefect[1]["text"] == f"deployments missing: {names}"
    assert prefect[1]["fix"].startswith("run `improve serve`")
    assert result.exit_code == 1
