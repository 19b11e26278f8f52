"""A real headless Chromium for the tests that look at pages as people do: Debian's chromium and
chromium-driver, which .ci/run installs; a test is skipped, with the reason, where they are not."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.slow import require_slow

# As the machine's notes say: without the background-networking flags Chromium's connections
# are refused by this closed network, many at a time.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def chromium(profile: Path, *extra: str) -> Any:
    """A browser with a profile of its own; its caller quits it."""
    require_slow("a real browser")
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        pytest.skip(
            "Debian's chromium and chromium-driver are not installed (.ci/run installs them)"
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = shutil.which("chromium") or ""
    for flag in (*FLAGS, f"--user-data-dir={profile}", *extra):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(shutil.which("chromedriver") or ""), options=options)


def until_replaced(browser: Any, element: Any, timeout: float = 60) -> None:
    """Wait until the page ``element`` was on has been replaced (a click that loads another
    page). While the page changes, chromedriver may answer a check with a passing error
    ("unhandled inspector error"): the check is asked again, not failed."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support.expected_conditions import staleness_of
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, timeout, ignored_exceptions=(WebDriverException,))
    wait.until(staleness_of(element))
