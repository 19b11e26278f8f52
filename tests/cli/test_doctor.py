"""`improve doctor` against real parts: a register on SQLite (and PostgreSQL when configured),
an older schema migrated for real, a real SMTP server on loopback, the real workspace under
uvicorn, closed loopback ports, and a source whose captures really failed."""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from email.message import Message
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from ci_workflow.settings import get_settings
from ci_workflow.store.db import SCHEMA_REVISION, get_engine, reset_caches
from ci_workflow.store.migrate import alembic_config, upgrade_to_head
from tests.helpers import Cli, improvement_doc, move_to, objective_doc, write_yaml
from tests.processes import free_port

AREAS = ["home", "register", "prefect", "smtp", "workspace", "sources"]


def use(monkeypatch: pytest.MonkeyPatch, **settings: str) -> None:
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    reset_caches()


def closed_prefect(monkeypatch: pytest.MonkeyPatch) -> str:
    """A Prefect API URL on a loopback port where nothing listens."""
    api = f"http://127.0.0.1:{free_port()}/api"
    use(monkeypatch, IMPROVE_PREFECT_API_URL=api, PREFECT_API_URL=api)
    return api


def doctor(cli: Cli) -> tuple[int, list[dict[str, str]], str]:
    """Exit code, the JSON checks, and the text lines of the same run's twin."""
    result = cli.run("doctor", "--json")
    text = cli.run("doctor")
    assert result.exit_code == text.exit_code
    return result.exit_code, json.loads(result.stdout), text.stdout


def of(checks: list[dict[str, str]], area: str) -> list[dict[str, str]]:
    return [c for c in checks if c["area"] == area]


@contextmanager
def workspace() -> Iterator[str]:
    """The real workspace (``create_app``) under uvicorn on a loopback port."""
    import uvicorn

    from ci_workflow.web.app import create_app

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    started = threading.Event()
    while not started.wait(0.05):  # until it listens (its own flag), not a guessed delay
        if server.started:
            started.set()
        assert thread.is_alive(), "the workspace did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join()


def test_a_healthy_register_passes_every_check_but_an_unreachable_prefect(
    store: str,
    cli: Cli,
    smtp_server: tuple[int, list[Message]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    port, received = smtp_server
    api = closed_prefect(monkeypatch)
    with workspace() as url:
        use(
            monkeypatch,
            IMPROVE_SMTP_HOST="127.0.0.1",
            IMPROVE_SMTP_PORT=str(port),
            IMPROVE_SMTP_STARTTLS="false",
            IMPROVE_WEB_URL=url,
        )
        code, checks, text = doctor(cli)
    assert [c["area"] for c in checks] == AREAS
    assert [c["status"] for c in checks] == ["OK", "OK", "FAIL", "OK", "OK", "OK"]
    assert code == 1  # Prefect failed
    assert set(checks[0]) == {"status", "area", "text", "fix"}
    register = of(checks, "register")[0]["text"]
    assert register.endswith(f"reachable, schema at head ({SCHEMA_REVISION})")
    assert of(checks, "smtp")[0]["text"] == f"127.0.0.1:{port} answered (EHLO); no mail sent"
    assert received == []  # connected and greeted, nothing sent
    assert of(checks, "workspace")[0]["text"] == f"{url}/healthz answers"
    (prefect,) = of(checks, "prefect")
    assert prefect["text"].startswith(f"cannot reach the API at {api} (URL from PREFECT_API_URL)")
    assert "improve server" in prefect["fix"]
    lines = text.splitlines()
    assert len(lines) == len(checks)
    for line, check in zip(lines, checks, strict=True):
        assert line.startswith(f"{check['status']:<4}  {check['area']}: ")
    assert f"→ {prefect['fix']}" in lines[2] and "→" not in lines[1]


def test_a_home_others_may_read_fails_with_the_chmod_to_run(
    store: str, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed_prefect(monkeypatch)
    home = get_settings().home_dir
    key = home / "secret_key"
    key.write_text("k" * 64)
    key.chmod(0o644)
    _, checks, _ = doctor(cli)
    (check,) = of(checks, "home")
    assert check["status"] == "FAIL"
    assert check["text"] == f"others may read {key} (the register and its keys)"
    assert check["fix"] == f"chmod 600 {key}"
    assert oct(key.stat().st_mode & 0o777) == "0o644"  # the doctor looks, it changes nothing
    home.chmod(0o755)
    (check,) = of(doctor(cli)[1], "home")
    assert check["text"] == f"others may read {home}, {key} (the register and its keys)"
    assert check["fix"] == f"chmod 700 {home}; chmod 600 {key}"


def test_a_register_not_initialised_fails_without_making_one(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed_prefect(monkeypatch)
    code, checks, _ = doctor(cli)
    (register,) = of(checks, "register")
    assert (register["status"], register["fix"]) == ("FAIL", "run `improve init`")
    assert code == 1
    assert of(checks, "sources") == []  # nothing to read sources from
    assert not (get_settings().home_dir / "improve.db").exists()


def test_a_schema_behind_head_fails_with_the_upgrade_hint(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed_prefect(monkeypatch)
    behind = ScriptDirectory.from_config(alembic_config()).get_revision("head").down_revision
    assert isinstance(behind, str)
    upgrade_to_head(get_engine(), behind)  # a register a version older left
    reset_caches()
    code, checks, _ = doctor(cli)
    (register,) = of(checks, "register")
    assert register["status"] == "FAIL"
    assert f"schema at {behind}, this version needs {SCHEMA_REVISION}" in register["text"]
    assert register["fix"].startswith("run `improve init`")
    assert code == 1
    cli.ok("init")
    reset_caches()
    _, checks, _ = doctor(cli)
    assert of(checks, "register")[0]["status"] == "OK"


def test_prefect_found_through_the_file_improve_server_writes_is_named_so(
    store: str, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("IMPROVE_PREFECT_API_URL", "PREFECT_API_URL"):
        monkeypatch.delenv(name)
    api = f"http://127.0.0.1:{free_port()}/api"
    written = get_settings().home_dir / "prefect_server_url"
    written.write_text(api + "\n")
    written.chmod(0o600)
    use(monkeypatch)
    code, checks, _ = doctor(cli)
    (prefect,) = of(checks, "prefect")
    assert prefect["status"] == "FAIL" and code == 1
    assert prefect["text"] == (
        f"cannot reach the API at {api} (URL from the server `improve server` started, written "
        f"in {written}): ConnectError"
    )
    assert prefect["fix"] == "is its server (`improve server`) running?"


def test_smtp_and_workspace_on_closed_ports_fail_with_what_to_check(
    store: str, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed_prefect(monkeypatch)
    smtp, web = free_port(), free_port()
    use(
        monkeypatch,
        IMPROVE_SMTP_HOST="127.0.0.1",
        IMPROVE_SMTP_PORT=str(smtp),
        IMPROVE_WEB_URL=f"http://127.0.0.1:{web}/",
    )
    _, checks, _ = doctor(cli)
    (mail,) = of(checks, "smtp")
    assert mail["status"] == "FAIL"
    assert mail["text"].startswith(f"127.0.0.1:{smtp} (EHLO, STARTTLS) failed: ConnectionRefused")
    assert "IMPROVE_SMTP_HOST:IMPROVE_SMTP_PORT" in mail["fix"]
    (place,) = of(checks, "workspace")
    assert place["status"] == "FAIL"
    assert place["text"] == f"http://127.0.0.1:{web}/healthz cannot be reached: ConnectError"
    assert "improve web" in place["fix"]


def test_nothing_configured_warns_with_the_settings_to_set(
    store: str, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed_prefect(monkeypatch)
    _, checks, _ = doctor(cli)
    assert of(checks, "smtp")[0]["status"] == "WARN"
    assert "IMPROVE_SMTP_HOST" in of(checks, "smtp")[0]["fix"]
    assert of(checks, "workspace")[0]["status"] == "WARN"
    assert "IMPROVE_WEB_URL" in of(checks, "workspace")[0]["fix"]


DEAD = "http://127.0.0.1:9/metrics"  # nothing listens on the discard port: every read fails
DAYS = ["2026-11-12", "2026-11-13", "2026-11-16"]


def test_a_source_that_failed_three_times_warns_with_the_count_and_last_error(
    people: None, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed_prefect(monkeypatch)
    use(monkeypatch, IMPROVE_HTTP_ALLOW="127.0.0.0/8")
    source = {"kind": "http", "url": DEAD, "path": "value", "retries": 0, "timeout": 5}
    doc = improvement_doc(objectives=[objective_doc(source=source)])
    cli.ok("apply", str(write_yaml(tmp_path, doc)))
    move_to("executing")
    for day in DAYS:
        cli.fails("capture", "--improvement", "IMP-0001", "--as-of", day)
    rows = sorted(cli.json("snapshots", "IMP-0001"), key=lambda r: r["checkpoint_at"])
    failed = list(itertools.takewhile(lambda r: r["value"] is None, reversed(rows)))
    first = datetime.fromisoformat(failed[-1]["checkpoint_at"])
    code, checks, text = doctor(cli)
    (check,) = of(checks, "sources")
    assert check["status"] == "WARN"
    assert len(failed) == len(DAYS)
    assert check["text"] == (
        f"IMP-0001 mttr_hours: the http source failed 3 times in a row since "
        f"{first.day} {first:%b %Y}, last error: {' '.join(failed[0]['error'].split())}"
    )
    assert "failed 3 times in a row since 12 Nov 2026" in text
    assert code == 1  # Prefect's FAIL; the warning alone would not fail it


def test_no_secret_is_ever_shown(
    store: str,
    cli: Cli,
    smtp_server: tuple[int, list[Message]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    port, _ = smtp_server
    secrets = ["smtp-Pw-7f3a9", "prefect-Pw-1c2d", "db-Pw-88aa"]
    api = f"http://improve:{secrets[1]}@127.0.0.1:{free_port()}/api"
    use(
        monkeypatch,
        IMPROVE_SMTP_HOST="127.0.0.1",
        IMPROVE_SMTP_PORT=str(port),
        IMPROVE_SMTP_STARTTLS="false",
        IMPROVE_SMTP_USER="reports",
        IMPROVE_SMTP_PASSWORD=secrets[0],
        IMPROVE_PREFECT_API_URL=api,
        PREFECT_API_URL=api,
        IMPROVE_WEB_URL=f"http://admin:{secrets[2]}@127.0.0.1:{free_port()}",
    )
    _, checks, text = doctor(cli)
    shown = json.dumps(checks) + text
    assert of(checks, "smtp")[0]["status"] == "FAIL"  # the login was tried (no AUTH there)
    assert "***" in of(checks, "prefect")[0]["text"] and "***" in of(checks, "workspace")[0]["text"]
    use(monkeypatch, IMPROVE_DATABASE_URL=f"postgresql://u:{secrets[2]}@127.0.0.1:{free_port()}/r")
    _, checks, more = doctor(cli)
    (register,) = of(checks, "register")
    assert register["status"] == "FAIL" and "u:***@127.0.0.1" in register["text"]
    shown += json.dumps(checks) + more
    for secret in secrets:
        assert secret not in shown
