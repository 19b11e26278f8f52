"""The tutorial (docs/tutorial/first-improvement.md), followed step by step as its reader would:
its console blocks run in a shell, its YAML file written where it says, and its browser steps
(docs/hooks/tutorial_browser.yaml, the same data the page shows) done in a real headless
Chromium, against a real Prefect server, `improve serve` and `improve web` on a fresh register.

A console block's output lines, when the page shows some, must appear in what the command
prints (``…`` stands for anything); an `improve status` is asked again until they do, as the
page tells its reader. With UPDATE_DOCS_SCREENSHOTS=1 (`make docs-screenshots`) the pages the
steps mark are saved to docs/img/; otherwise to the test's folder.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from docs.hooks.tutorial import MARK, browser_steps
from tests import processes
from tests.browser import chromium, until_replaced
from tests.docs.console import Reader
from tests.flows.conftest import PrefectServer, Served, prefect_env

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "tutorial" / "first-improvement.md"
SCREENSHOTS = os.environ.get("UPDATE_DOCS_SCREENSHOTS") == "1"  # read before the env is wiped
WAIT = 120  # seconds: a busy 2-core machine runs a gate's flow step in far less


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Reader, str]]:
    """A Prefect server of its own (another register's `improve serve` would take its runs);
    the reader's setup block runs, then `improve serve` and `improve web` start."""
    server = PrefectServer(tmp_path_factory.mktemp("tutorial-prefect"))
    home = tmp_path_factory.mktemp("tutorial-home")
    port = processes.free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**prefect_env(home, server.api_url), "IMPROVE_HOME": str(home), "IMPROVE_WEB_URL": url}
    reader = Reader(env, tmp_path_factory.mktemp("tutorial-folder"))
    before, _ = PAGE.read_text().split(MARK)
    served = Served(server, env)
    web = None
    try:
        reader.follow(before)
        served.start()
        log = home / "web.log"
        web = processes.start(
            [*processes.improve_command(), "web", "--port", str(port)], env=env, log=log
        )
        processes.wait_until(
            lambda: httpx.get(f"{url}/sign-in", timeout=2).status_code == 200,
            timeout=60,
            what="improve web",
            log=log,
        )
        yield reader, url
    finally:
        if web is not None:
            processes.stop(web)
        served.stop()
        server.stop()


class Browser:
    """Does a step's actions as a person would, waiting for pages, never sleeping."""

    def __init__(self, driver: Any, url: str, reader: Reader, shots: Path) -> None:
        self.driver, self.url, self.reader, self.shots = driver, url, reader, shots

    def do(self, kind: str, value: Any) -> None:
        getattr(self, kind)(value)

    def find(self, how: str, what: str) -> Any:
        from selenium.webdriver.support.ui import WebDriverWait

        return WebDriverWait(self.driver, 30).until(lambda d: d.find_element(how, what))

    def sign_in(self, value: list[str]) -> None:
        from selenium.webdriver.common.by import By

        self.driver.get(f"{self.url}/sign-in")
        if self.driver.find_elements(By.XPATH, "//button[normalize-space()='Sign out']"):
            self.press("Sign out")
        self.driver.get(f"{self.url}/sign-in")
        self.find(By.ID, "email").send_keys(value[0])
        self.find(By.ID, "password").send_keys(value[1])
        self.press_element(self.find(By.CSS_SELECTOR, "form button[type=submit]"))

    def open(self, path: str) -> None:
        self.driver.get(f"{self.url}{path}")

    def click(self, text: str) -> None:
        from selenium.webdriver.common.by import By

        self.press_element(self.find(By.LINK_TEXT, text))

    def fill(self, rows: list[list[str]]) -> None:
        from selenium.webdriver.common.by import By

        for name, _, value in rows:
            field = self.find(By.NAME, name)
            if field.get_attribute("type") == "date":  # as its picker sets it
                self.driver.execute_script("arguments[0].value = arguments[1]", field, value)
            else:
                field.clear()
                field.send_keys(value)

    def choose(self, rows: list[list[str]]) -> None:
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import Select

        for name, _, value in rows:
            Select(self.find(By.NAME, name)).select_by_value(value)

    def press(self, text: str) -> None:
        from selenium.webdriver.common.by import By

        self.press_element(self.find(By.XPATH, f"//button[normalize-space()='{text}']"))

    def press_element(self, element: Any) -> None:
        element.click()
        until_replaced(self.driver, element, WAIT)  # the next page is here

    def see(self, text: str) -> None:
        """On this page, or on it reloaded once the flow has moved (a message shows once)."""
        from selenium.common.exceptions import StaleElementReferenceException
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import WebDriverWait

        def shown(driver: Any) -> bool:
            if text in driver.find_element(By.TAG_NAME, "body").text:
                return True
            driver.refresh()
            return False

        WebDriverWait(
            self.driver,
            WAIT,
            poll_frequency=1,
            ignored_exceptions=(StaleElementReferenceException,),
        ).until(shown, f"{text!r} on {self.driver.current_url}")

    def run(self, command: str) -> None:
        self.reader.run(command, [])

    def shot(self, name: str) -> None:
        folder = ROOT / "docs" / "img" if SCREENSHOTS else self.shots
        folder.mkdir(exist_ok=True)
        self.driver.execute_script("window.scrollTo(0, 0)")  # the page as it opens
        self.driver.save_screenshot(str(folder / name))


@pytest.mark.slow
def test_the_tutorial_as_written(site: tuple[Reader, str], tmp_path: Path) -> None:
    reader, url = site
    driver = chromium(tmp_path / "profile", "--window-size=1200,800")
    browser = Browser(driver, url, reader, tmp_path)
    try:
        for step in browser_steps():
            for action in step["do"]:
                ((kind, value),) = action.items()
                browser.do(kind, value)
    except Exception:
        driver.save_screenshot(str(tmp_path / "failed.png"))
        (tmp_path / "failed.html").write_text(driver.page_source)
        raise
    finally:
        driver.quit()
    _, after = PAGE.read_text().split(MARK)
    reader.follow(after)
    closed = processes.run_improve(reader.env, "show", "first-as-code", "--json")
    assert '"status": "closed"' in closed
    first = processes.run_improve(reader.env, "show", "IMP-0001", "--json")
    assert '"status": "closed"' in first and '"by": "Omar Haddad"' in first
