"""Secrets kept under IMPROVE_HOME are made once, whoever asks first."""

import dataclasses
import re
import stat
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from ci_workflow.errors import BadSetting
from ci_workflow.settings import (
    SERVER_URL_FILE,
    from_environment,
    get_settings,
    kept_secret,
    private_home,
)
from tests.helpers import Cli, improvement_doc, write_yaml


def test_threads_that_race_for_a_new_secret_all_get_the_one_kept() -> None:
    racers = 4
    everyone_writing = threading.Barrier(racers)
    made = iter(f"secret-{n}" for n in range(racers))
    lock = threading.Lock()

    def make() -> str:
        with lock:
            value = next(made)
        everyone_writing.wait(timeout=30)  # all are inside, none has linked the file yet
        return value

    with ThreadPoolExecutor(racers) as pool:
        got = list(pool.map(lambda _: kept_secret("race", make), range(racers)))

    kept = (get_settings().home_dir / "race").read_text().strip()
    assert kept.startswith("secret-")
    assert got == [kept] * racers
    home = get_settings().home_dir
    assert [p.name for p in home.iterdir()] == ["race"]  # no partial file left behind
    assert stat.S_IMODE((home / "race").stat().st_mode) == 0o600


def test_the_prefect_api_is_the_one_named_then_the_server_started_here_then_the_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("IMPROVE_PREFECT_API_URL")
    monkeypatch.delenv("PREFECT_API_URL")
    get_settings.cache_clear()
    settings = get_settings()
    assert (settings.prefect_api_url, settings.prefect_api_from) == (
        "http://127.0.0.1:4200/api",
        "the default",
    )

    written = private_home() / SERVER_URL_FILE
    written.write_text("http://127.0.0.1:4321/api\n")
    get_settings.cache_clear()
    settings = get_settings()
    assert settings.prefect_api_url == "http://127.0.0.1:4321/api"
    assert settings.ui_url == "http://127.0.0.1:4321"
    assert settings.prefect_api_from == f"the server `improve server` started, written in {written}"

    monkeypatch.setenv("IMPROVE_PREFECT_API_URL", "http://prefect.internal/api")
    get_settings.cache_clear()
    settings = get_settings()
    assert settings.prefect_api_url == "http://prefect.internal/api"
    assert settings.prefect_api_from == "IMPROVE_PREFECT_API_URL"
    monkeypatch.setenv("PREFECT_API_URL", "http://other/api")
    get_settings.cache_clear()
    assert get_settings().prefect_api_from == "PREFECT_API_URL"


def test_start_names_the_server_it_found_when_it_cannot_reach_it(
    monkeypatch: pytest.MonkeyPatch, cli: Cli, people: None, tmp_path: Path
) -> None:
    cli.ok("apply", str(write_yaml(tmp_path, improvement_doc())))
    monkeypatch.delenv("IMPROVE_PREFECT_API_URL")
    monkeypatch.delenv("PREFECT_API_URL")
    (private_home() / SERVER_URL_FILE).write_text("http://127.0.0.1:9/api\n")  # port 9 discards
    get_settings.cache_clear()
    result = cli.run("start", "1")
    assert result.exit_code == 1, result.output
    assert result.stdout.startswith("Prefect API http://127.0.0.1:9/api (from the server")
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: cannot reach the Prefect API at http://127.0.0.1:9/api (")
    assert line.endswith(
        "the URL from the server `improve server` started, written in "
        f"{private_home() / SERVER_URL_FILE}): is its server (`improve server`) running?"
    )


def test_each_variable_is_read_as_its_setting_in_any_case() -> None:
    settings = from_environment(
        {
            "IMPROVE_HOME": "/srv/register",
            "improve_poll_seconds": "2.5",  # names are not case-sensitive
            "IMPROVE_MAX_CONCURRENT_RUNS": " 12 ",
            "IMPROVE_SEPARATION_OF_DUTIES": "Yes",
            "IMPROVE_SMTP_STARTTLS": "off",
            "IMPROVE_WEB_AUTH": "proxy",
            "IMPROVE_SOURCE_PASSFILE": "~/pgpass",
            "IMPROVE_DATA_ROOTS": " /data/a , /data/b ",
            "OTHER_POLL_SECONDS": "9",
        }
    )
    assert settings.home == Path("/srv/register")
    assert settings.poll_seconds == 2.5
    assert settings.max_concurrent_runs == 12
    assert (settings.separation_of_duties, settings.smtp_starttls) == (True, False)
    assert settings.web_auth == "proxy"
    assert settings.source_passfile == Path("~/pgpass")
    assert settings.roots == (Path("/data/a"), Path("/data/b"))
    # What is not given keeps its default.
    assert (settings.smtp_port, settings.token_days, settings.require_login) == (587, 90, False)


def test_an_empty_variable_leaves_a_setting_that_may_be_unset_unset() -> None:
    settings = from_environment(
        {
            "IMPROVE_MAX_CONCURRENT_RUNS": "",
            "IMPROVE_SECRET_KEY": " ",
            "IMPROVE_IMPROVEMENTS_DIR": "",
        }
    )
    assert (settings.max_concurrent_runs, settings.secret_key) == (None, None)
    assert settings.improvement_files_dir == Path("~/.improve").expanduser() / "improvements"


@pytest.mark.parametrize(
    ("variable", "value", "said"),
    [
        ("IMPROVE_POLL_SECONDS", "abc", "IMPROVE_POLL_SECONDS='abc': must be a number"),
        ("IMPROVE_POLL_SECONDS", "0", "IMPROVE_POLL_SECONDS='0': must be > 0"),
        ("IMPROVE_POLL_SECONDS", "61", "IMPROVE_POLL_SECONDS='61': must be ≤ 60"),
        ("IMPROVE_STALL_DAYS", "nan", "IMPROVE_STALL_DAYS='nan': must be a finite number"),
        ("IMPROVE_SMTP_PORT", "25.5", "IMPROVE_SMTP_PORT='25.5': must be a whole number"),
        ("IMPROVE_SMTP_PORT", "0", "IMPROVE_SMTP_PORT='0': must be ≥ 1"),
        ("IMPROVE_REQUIRE_LOGIN", "maybe", "IMPROVE_REQUIRE_LOGIN='maybe': must be true or false"),
        ("IMPROVE_WEB_AUTH", "ldap", "IMPROVE_WEB_AUTH='ldap': must be one of local, proxy"),
        (
            "IMPROVE_HTTP_ALLOW",
            "10.0.0.0/8,bad host",
            "IMPROVE_HTTP_ALLOW='10.0.0.0/8,bad host': not a host name or a network: 'bad host'",
        ),
    ],
)
def test_a_bad_value_is_one_line_naming_the_variable_and_the_command_does_nothing(
    monkeypatch: pytest.MonkeyPatch, cli: Cli, variable: str, value: str, said: str
) -> None:
    monkeypatch.setenv(variable, value)
    get_settings.cache_clear()
    with pytest.raises(BadSetting, match=re.escape(said)):
        get_settings()
    assert cli.fails("list", code=2) == [f"error: {said}"]


def test_a_secret_is_never_shown_not_even_when_it_is_the_bad_value() -> None:
    settings = from_environment(
        {"IMPROVE_SMTP_PASSWORD": "hunter2-smtp", "IMPROVE_SECRET_KEY": "k3y-material"}
    )
    assert settings.smtp_password is not None and settings.secret_key is not None
    assert settings.smtp_password.get_secret_value() == "hunter2-smtp"
    shown = f"{settings!r} {settings} {settings.secret_key}"
    assert "hunter2" not in shown and "k3y" not in shown
    assert "**********" in shown
    fields = dataclasses.fields(settings)
    secrets = [f.name for f in fields if "Secret" in str(f.type)]
    assert secrets == ["smtp_password", "secret_key"]
