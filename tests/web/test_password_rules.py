"""The password rules said before anyone types a password: on the invitation form, the Me
page's password change and the people page's add form (and in /api/me); a password that breaks
them is refused with every rule it breaks, and nothing changes. The invitation and Me forms at
1366 and 390 px in a real Chromium."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from ci_workflow.domain.authority.passwords import RULES
from ci_workflow.services.people.identity import new_invitation
from ci_workflow.store.db import transaction
from ci_workflow.store.people.people import get_person
from tests.browser import chromium
from tests.web.conftest import Workspace, password_of, post_form, sign_in
from tests.web.test_people_admin import CARMEN, PASSWORD, _shoot, _sign_in_as, someone

TOO_WEAK = "aaaa"
SAID = "the password breaks 2 rules: at least 10 characters; not one character repeated"


def rules_on(page: str) -> list[str]:
    found = re.search(
        r'<div class="password-rules muted" id="password-rules">(.*?)</div>', page, re.S
    )
    assert found, "no password rules on the page"
    return [html.unescape(r) for r in re.findall(r"<li>(.*?)</li>", found.group(1))]


def invitation_path(email: str) -> str:
    with transaction() as session:
        return f"/invitation/{new_invitation(session, get_person(session, email))}"


def test_the_invitation_form_states_the_rules_and_refuses_a_weak_password(
    use: Workspace,
) -> None:
    _name, email = someone()
    path = invitation_path(email)
    fresh = use.client()
    form = fresh.get(path).text
    assert rules_on(form) == list(RULES)
    assert 'aria-describedby="password-rules"' in form
    refused = post_form(fresh, path, path, password=TOO_WEAK, again=TOO_WEAK)
    assert refused.status_code == 303 and refused.headers["location"] == path
    again = fresh.get(path).text  # the link still works: nothing was used or changed
    assert html.escape(SAID, quote=True) in again
    assert sign_in(use.client(), email, PASSWORD).status_code == 303  # old password kept


def test_the_me_page_states_the_rules_and_refuses_a_weak_password(use: Workspace) -> None:
    _name, email = someone()
    client = use.signed_in(email, PASSWORD)
    assert rules_on(client.get("/me").text) == list(RULES)
    assert client.get("/api/me").json()["password_rules"] == list(RULES)
    post_form(client, "/me", "/me/password", current=PASSWORD, password=email, again=email)
    said = client.get("/me").text
    assert "the password breaks 1 rule: not your e-mail address or your name" in said
    assert sign_in(use.client(), email, PASSWORD).status_code == 303


def test_the_add_form_says_how_the_new_person_chooses_a_password(use: Workspace) -> None:
    page = use.signed_in(CARMEN, password_of(CARMEN)).get("/people").text
    assert "Then send them an invitation" in page
    assert rules_on(page) == list(RULES)


@pytest.mark.slow
def test_the_password_forms_at_1366_and_390_px(use: Workspace, tmp_path: Path) -> None:
    """Screenshots in tmp_path to be looked at: the invitation refused with the rules it broke,
    and the Me page's password change; neither is wider than a 390 px screen."""
    from selenium.webdriver.common.by import By

    _name, email = someone()
    path = invitation_path(email)
    browser = chromium(tmp_path / "profile")
    try:
        browser.get(f"{use.url}{path}")
        for field in ("password", "again"):
            browser.find_element(By.ID, field).send_keys("a" * 12)  # long enough for the browser
        browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
        wide = {"invitation": _shoot(browser, use, tmp_path, "invitation", None)}
        assert "the password breaks 1 rule: not one character repeated" in browser.page_source
        _sign_in_as(browser, use, email, PASSWORD)
        wide["me"] = _shoot(browser, use, tmp_path, "me-password", "/me")
    finally:
        browser.quit()
    assert {label: px for label, px in wide.items() if px > 390} == {}
