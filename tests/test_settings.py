"""Secrets kept under IMPROVE_HOME are made once, whoever asks first."""

import stat
import threading
from concurrent.futures import ThreadPoolExecutor

from ci_workflow.settings import get_settings, kept_secret


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
