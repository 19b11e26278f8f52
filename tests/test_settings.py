"""Secrets kept under IMPROVE_HOME are made once, whoever asks first."""

import stat
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from ci_workflow.settings import SERVER_URL_FILE, get_settings, kept_secret, private_home
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
