"""People administration (issue 23) over HTTP as a browser sends it: the locked-out person is
told for how long by e-mail and on their own page (never on the sign-in form); a CI manager
sees a person's lock, sign-ins, sessions and tokens, and lifts the lock; roles are picked from
the known roles and scopes; the add form keeps what was typed and lists every problem beside
its field; nobody deactivates themselves. And the pages at 1366 and 390 px in a real Chromium.
"""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime, timedelta
from email.message import Message
from pathlib import Path
from typing import Any

import httpx
import pytest

from ci_workflow.domain.authority.actors import operating_system
from ci_workflow.domain.clock import utcnow
from ci_workflow.domain.vocabulary import SCOPED_ROLES, Role
from ci_workflow.services.people.directory import add_person
from ci_workflow.services.people.identity import set_password
from ci_workflow.services.people.notifications import dispatch
from ci_workflow.store.db import transaction
from ci_workflow.store.people.people import get_person
from tests.browser import chromium
from tests.web.conftest import Workspace, csrf_of, password_of, post_form, sign_in
from tests.web.helpers import new_improvement
from tests.web.test_workspace import events

CARMEN, OMAR = "carmen@example.org", "omar@example.org"
PASSWORD = "a password long enough"
_numbers = itertools.count(1)


def someone(roles: list[str] | None = None) -> tuple[str, str]:
    """A new person with a password, for this test alone: (name, e-mail)."""
    number = next(_numbers)
    name, email = f"Sam Person{number}", f"sam{number}@example.org"
    add_person(name, email=email, roles=roles or ["improvement_team"], actor=operating_system("t"))
    set_password(email, PASSWORD, actor="tests", channel="cli", principal="os:tests")
    return name, email


def lock_out(space: Workspace, email: str) -> list[httpx.Response]:
    client = space.client()
    return [sign_in(client, email, "not the password") for _ in range(5)]


def mail_to(space: Workspace, email: str, before: int) -> Message:
    assert space.mailbox is not None
    dispatch()  # the watchdog's round that sends what sign-in queued
    (told,) = [m for m in space.mailbox.received[before:] if m["To"] == email]
    return told


def without_csrf(html: str) -> str:
    return re.sub(r'name="csrf" value="[^"]+"', "", html)


def test_the_locked_out_are_told_until_when_by_e_mail_and_on_their_page_not_on_sign_in(
    use: Workspace,
) -> None:
    assert use.mailbox is not None
    _name, email = someone()
    before = len(use.mailbox.received)
    answers = lock_out(use, email)
    locked = sign_in(use.client(), email, PASSWORD)  # the right password, while locked
    unknown = sign_in(use.client(), "nobody-at-all@example.org", PASSWORD)
    assert {a.status_code for a in [*answers, locked, unknown]} == {401}
    assert without_csrf(locked.text) == without_csrf(unknown.text).replace(
        "nobody-at-all@example.org", email
    )  # the sign-in form says nothing of the lock: the same page as for an unknown address
    assert "lock" not in locked.text.lower()
    with transaction(write=False) as session:
        until = get_person(session, email).locked_until
    assert until is not None
    body = mail_to(use, email, before).get_payload(decode=True).decode()
    assert f"until {until:%Y-%m-%d %H:%M} UTC" in body and "for 15 minutes" in body

    with transaction() as session:  # the lock's term passes
        person = get_person(session, email)
        person.locked_until = utcnow() - timedelta(seconds=1)
        session.add(person)
    me = use.signed_in(email, PASSWORD).get("/me").text
    told = re.search(r"Your account was locked from (\S+ \S+) to (\S+ \S+) UTC", me)
    assert told, me
    assert told.group(2) == f"{until:%Y-%m-%d %H:%M}"
    began = datetime.fromisoformat(told.group(1)).replace(tzinfo=UTC)
    assert timedelta(0) <= until - timedelta(minutes=15) - began < timedelta(minutes=1)
    assert "after 5 failed sign-ins in a row, the last from 127.0.0.1" in me


def test_a_ci_manager_sees_a_persons_lock_and_sign_ins_and_lifts_the_lock(
    use: Workspace,
) -> None:
    name, email = someone()
    use.signed_in(email, PASSWORD)  # one session still open
    lock_out(use, email)
    carmen = use.signed_in(CARMEN)
    shown = carmen.get(f"/people/{email}")
    assert shown.status_code == 200 and "locked out until" in shown.text
    assert "1 open in a browser" in shown.text and "0 personal tokens" in shown.text
    account = carmen.get(f"/api/people/{email}").json()
    assert account["locked_until"] and account["sessions"] == 1 and account["tokens"] == 0
    outcomes = [s["outcome"] for s in account["sign_ins"]]
    assert outcomes[0] == "wrong password; locked out for 15 minutes"
    assert outcomes[1:5] == ["wrong password"] * 4 and outcomes[5] == "signed in"
    assert {s["address"] for s in account["sign_ins"]} == {"127.0.0.1"}
    (lock,) = account["locks"]
    assert lock["failures"] == 5 and lock["lifted_by"] is None

    lifted = post_form(carmen, f"/people/{email}", f"/people/{email}/unlock")
    assert lifted.status_code == 303
    assert f"{name} may sign in again" in carmen.get(lifted.headers["location"]).text
    (audited,) = [e for e in events("lock_lifted") if f"<{email}>" in str(e["detail"])]
    assert audited["actor"] == "Carmen Ruiz" and audited["channel"] == "web"
    assert sign_in(use.client(), email, PASSWORD).status_code == 303
    again = carmen.get(f"/api/people/{email}").json()
    assert again["locked_until"] is None and again["locks"][0]["lifted_by"] == "Carmen Ruiz"
    assert "Carmen Ruiz lifted it early" in use.signed_in(email, PASSWORD).get("/me").text
    refused = post_form(carmen, f"/people/{email}", f"/people/{email}/unlock")
    assert "is not locked out" in carmen.get(refused.headers["location"]).text


def test_who_is_not_a_ci_manager_sees_no_persons_page_and_lifts_no_lock(use: Workspace) -> None:
    _name, email = someone()
    lock_out(use, email)
    omar = use.signed_in(OMAR)
    token = csrf_of(omar, "/me")
    answers = [
        omar.get(f"/people/{email}"),
        omar.get(f"/api/people/{email}"),
        omar.get("/people/nobody-registered@example.org"),  # 403 too: not "unknown person"
        omar.post(f"/people/{email}/unlock", data={"csrf": token}),
        omar.post(f"/api/people/{email}/unlock", headers={"X-CSRF-Token": token}),
    ]
    assert [a.status_code for a in answers] == [403] * 5
    assert "nobody-registered" not in answers[2].text
    refusals = [e for e in events("forbidden") if e["actor"] == "Omar Haddad"]
    assert len([e for e in refusals if "may not manage people" in str(e["detail"])]) >= 5
    with transaction(write=False) as session:
        assert get_person(session, email).locked_until is not None  # still locked


def test_the_forms_offer_the_known_roles_and_scopes(use: Workspace, tmp_path: Path) -> None:
    new_improvement(use, tmp_path)  # the register names Incident Management, Corporate Network
    carmen = use.signed_in(CARMEN)
    listing = carmen.get("/people").text
    for role in Role:  # every role the domain knows, none typed by hand
        if role not in SCOPED_ROLES:
            assert f'name="grant" value="{role}"' in listing
    assert 'value="process_owner:Incident Management"' in listing
    assert 'value="service_owner:Corporate Network"' in listing
    assert '<option value="Incident Management">' in listing  # the datalist for a new one
    added = post_form(
        carmen,
        "/people",
        "/people",
        name="Ada Picked",
        email="ada@example.org",
        grant=["data_analyst:service:Corporate Network", "process_owner:Incident Management"],
        new_role="service_owner",
        new_scope="Payroll, Intranet",
    )
    assert added.status_code == 303
    ada = carmen.get("/api/people/ada@example.org").json()
    assert ada["roles"] == [
        "data_analyst:service:Corporate Network",
        "process_owner:Incident Management",
        "service_owner:Payroll",
        "service_owner:Intranet",
    ]
    page = carmen.get("/people/ada@example.org").text
    assert 'value="service_owner:Payroll" checked' in page  # the new scope is known now
    assert 'value="data_analyst:service:Corporate Network" checked' in page
    assert 'value="ci_manager">' in page
    changed = post_form(
        carmen,
        "/people/ada@example.org",
        "/people/ada@example.org",
        action="roles",
        picked="1",
        back_to="/people/ada@example.org",
        grant=["service_owner:Payroll"],
        new_role="process_owner",
        new_scope="",
    )
    assert changed.headers["location"] == "/people/ada@example.org"
    ada = carmen.get("/api/people/ada@example.org").json()
    assert ada["roles"] == ["service_owner:Payroll"]
    roles = carmen.get("/api/people/roles").json()
    assert [r["role"] for r in roles] == list(Role)


def test_the_add_form_keeps_what_was_typed_and_lists_every_problem(use: Workspace) -> None:
    carmen = use.signed_in(CARMEN)
    answer = post_form(
        carmen,
        "/people",
        "/people",
        name="Carmen Ruiz",
        email="not an address",
        grant=["wizard", "data_analyst:Incident Management"],
        new_role="process_owner",
        new_scope="Change Enablement",
    )
    assert answer.status_code == 422
    page = answer.text
    assert "The person was not added: 3 problems" in page
    assert 'id="name" name="name" value="Carmen Ruiz"' in page
    assert 'id="email" name="email" value="not an address"' in page
    assert 'value="data_analyst:Incident Management" checked' in page
    assert 'value="Change Enablement"' in page and '<option value="process_owner" selected' in page

    def beside(field: str) -> str:
        found = re.search(rf'<ul class="problems" id="{field}-problems">(.*?)</ul>', page, re.S)
        assert found, field
        return found.group(1)

    assert "&#39;Carmen Ruiz&#39; is already registered" in beside("name")
    assert "not an e-mail address" in beside("email")
    assert "unknown role &#39;wizard&#39;" in beside("roles")
    empty = post_form(carmen, "/people", "/people", name=" ", email="", grant=["ci_manager:X"])
    assert "3 problems" in empty.text and "a person needs a name" in empty.text
    assert "takes no scope" in empty.text
    names = [p["name"] for p in carmen.get("/api/people").json()]
    assert " " not in names and names.count("Carmen Ruiz") == 1  # nothing added
    token = csrf_of(carmen, "/me")
    twin = carmen.post(
        "/api/people", json={"name": "", "email": "x"}, headers={"X-CSRF-Token": token}
    )
    assert twin.status_code == 422 and set(twin.json()["problems"]) == {"name", "email"}


def test_nobody_deactivates_themselves(use: Workspace) -> None:
    name, email = someone(["ci_manager"])
    manager = use.signed_in(email, PASSWORD)
    rows = re.findall(r"<tr>.*?</tr>", manager.get("/people").text, re.S)
    (mine,) = [row for row in rows if f">{email}<" in row]
    assert "Deactivate" not in mine and "another CI manager may deactivate you" in mine
    assert all(
        "Deactivate" in row
        for row in rows
        if ">deactivated<" not in row and row != mine and "<th>" not in row
    )
    forged = post_form(manager, "/people", f"/people/{email}", action="deactivate")
    assert forged.status_code == 403
    token = csrf_of(manager, "/me")
    twin = manager.post(f"/api/people/{email}/deactivate", headers={"X-CSRF-Token": token})
    assert twin.status_code == 403
    refused = [e for e in events("forbidden") if e["actor"] == name]
    assert len([e for e in refused if "may not deactivate themselves" in str(e["detail"])]) == 2
    assert manager.get("/").status_code == 200  # still active and signed in
    assert (
        post_form(
            use.signed_in(CARMEN), "/people", f"/people/{email}", action="deactivate"
        ).status_code
        == 303
    )
    assert manager.get("/").status_code == 303  # another CI manager may


def _shoot(browser: Any, space: Workspace, folder: Path, label: str, path: str | None) -> int:
    """The page at ``path`` (or the one shown) at 1366 and 390 px, whole, in ``folder``; how
    wide it is at 390 px."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    widest = 0
    for width in (1366, 390):
        browser.set_window_size(width, 900)
        if path is not None:
            browser.get(f"{space.url}{path}")
        WebDriverWait(browser, 30).until(lambda b: b.find_elements(By.TAG_NAME, "main"))
        height = browser.execute_script("return document.body.scrollHeight")
        browser.set_window_size(width, min(max(height + 140, 600), 4000))
        browser.save_screenshot(str(folder / f"{label}-{width}.png"))
        if width == 390:
            widest = browser.execute_script("return document.body.scrollWidth")
    return int(widest)


def _sign_in_as(browser: Any, space: Workspace, email: str, password: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.delete_all_cookies()
    browser.get(f"{space.url}/sign-in")
    browser.find_element(By.ID, "email").send_keys(email)
    browser.find_element(By.ID, "password").send_keys(password)
    browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    WebDriverWait(browser, 30).until(lambda b: "/sign-in" not in b.current_url)


@pytest.mark.slow
def test_the_people_pages_at_1366_and_390_px(use: Workspace, tmp_path: Path) -> None:
    """Screenshots in tmp_path (kept with ``--basetemp``) to be looked at; at 390 px no page is
    wider than the screen: the list, a locked person's page, the add form refused with its
    problems, and the Me page of someone who was locked out."""
    from selenium.webdriver.common.by import By

    new_improvement(use, tmp_path)
    _name, email = someone(["process_owner:A process with a rather long name indeed"])
    lock_out(use, email)
    browser = chromium(tmp_path / "profile")
    wide = {}
    try:
        _sign_in_as(browser, use, CARMEN, password_of(CARMEN))
        for label, path in (("people", "/people"), ("person", f"/people/{email}")):
            wide[label] = _shoot(browser, use, tmp_path, label, path)
        browser.set_window_size(1366, 900)
        browser.get(f"{use.url}/people")
        browser.find_element(By.ID, "name").send_keys("Carmen Ruiz")  # taken, as is the e-mail
        browser.find_element(By.ID, "email").send_keys(CARMEN)
        browser.find_element(By.CSS_SELECTOR, "input[value=ci_manager]").click()
        browser.find_element(By.ID, "new_scope").send_keys("Payroll")
        browser.find_element(By.CSS_SELECTOR, ".person-form button[type=submit]").click()
        wide["refused"] = _shoot(browser, use, tmp_path, "refused", None)
        assert "2 problems" in browser.page_source
        with transaction() as session:  # the lock's term passes
            person = get_person(session, email)
            person.locked_until = utcnow() - timedelta(seconds=1)
            session.add(person)
        _sign_in_as(browser, use, email, PASSWORD)
        wide["me"] = _shoot(browser, use, tmp_path, "me", "/me")
    finally:
        browser.quit()
    assert {label: px for label, px in wide.items() if px > 390} == {}
