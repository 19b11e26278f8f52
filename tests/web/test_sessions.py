"""Sessions and personal tokens end when they should, on the server: a captured cookie after
sign-out, other sessions and tokens after a password change, a token past its days or revoked
(``improve logout`` too); behind the sign-in proxy no password makes a token, and a proxy that
appends X-Forwarded-For is still believed (issue 24 #7)."""

from __future__ import annotations

import json
import subprocess
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlmodel import select

from ci_workflow.domain.authority.actors import operating_system
from ci_workflow.domain.clock import utcnow
from ci_workflow.services.people.directory import add_person
from ci_workflow.services.people.identity import set_password
from tests import processes
from tests.processes import improve_command
from tests.web.conftest import Workspace, csrf_of, password_of, post_form, start_workspace

CARMEN, OMAR = "carmen@example.org", "omar@example.org"


def someone(name: str, roles: list[str] | None = None) -> str:
    """A person of this test alone, with a password (``password_of`` their e-mail)."""
    email = f"{name.lower()}@example.org"
    add_person(name, email=email, roles=roles or [], actor=operating_system("tests"))
    set_password(email, password_of(email), actor="tests", channel="cli", principal="os:tests")
    return email


def token_for(space: Workspace, email: str, password: str | None = None) -> str:
    answer = httpx.post(
        f"{space.url}/api/tokens", json={"email": email, "password": password or password_of(email)}
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["token"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_cookie_captured_before_sign_out_no_longer_works(use: Workspace) -> None:
    browser = use.signed_in(someone("Sven"))
    captured = browser.cookies["improve_session"]
    assert browser.get("/").status_code == 200
    post_form(browser, "/", "/sign-out")
    thief = use.client()
    thief.cookies.set("improve_session", captured)
    assert thief.get("/").status_code == 303
    assert thief.get("/api/my-work").status_code == 401


def test_a_password_change_ends_every_other_session_and_token(use: Workspace) -> None:
    email = someone("Tove")
    here, elsewhere = use.signed_in(email), use.signed_in(email)
    token = token_for(use, email)
    new = "a new password, long enough"
    changed = post_form(here, "/me", "/me/password", current=password_of(email), password=new)
    assert changed.status_code == 303
    assert "Your password is changed" in here.get("/me").text  # this session stays
    assert elsewhere.get("/").status_code == 303
    assert httpx.get(f"{use.url}/api/me", headers=bearer(token)).status_code == 401
    assert httpx.get(f"{use.url}/api/me", headers=bearer(token_for(use, email, new))).is_success


def test_a_token_expires_and_its_person_or_a_ci_manager_revokes_it(use: Workspace) -> None:
    from ci_workflow.store.db import transaction
    from ci_workflow.store.tables import ApiToken

    email = someone("Ulla")
    first, second, third = (token_for(use, email) for _ in range(3))
    listed = httpx.get(f"{use.url}/api/tokens", headers=bearer(first)).json()["tokens"]
    assert len(listed) == 3 and not any(first in json.dumps(t) for t in listed)
    expires = {t["expires_at"][:10] for t in listed}
    assert expires == {(utcnow() + timedelta(days=90)).date().isoformat()}
    # Its person revokes the token in hand ...
    assert httpx.delete(f"{use.url}/api/tokens/current", headers=bearer(first)).is_success
    assert httpx.get(f"{use.url}/api/me", headers=bearer(first)).status_code == 401
    # ... someone else may not revoke theirs; a CI manager may.
    omar, carmen = token_for(use, OMAR), token_for(use, CARMEN)
    theirs = httpx.get(f"{use.url}/api/tokens", params={"email": email}, headers=bearer(carmen))
    live = [t for t in theirs.json()["tokens"] if not t["revoked_at"]]
    assert len(live) == 2
    assert (
        httpx.get(
            f"{use.url}/api/tokens", params={"email": email}, headers=bearer(omar)
        ).status_code
        == 403
    )
    path = f"{use.url}/api/tokens/{live[0]['id']}"
    assert httpx.delete(path, headers=bearer(omar)).status_code == 403
    assert httpx.delete(path, headers=bearer(carmen)).is_success
    still = [httpx.get(f"{use.url}/api/me", headers=bearer(t)).status_code for t in (second, third)]
    assert sorted(still) == [200, 401]
    # A token past its days is refused.
    with transaction() as session:
        for stored in session.exec(select(ApiToken)).all():
            stored.expires_at = utcnow() - timedelta(seconds=1)
            session.add(stored)
    assert httpx.get(f"{use.url}/api/me", headers=bearer(carmen)).status_code == 401


def test_the_me_page_lists_and_revokes_ones_tokens(use: Workspace) -> None:
    email = someone("Vera")
    token = token_for(use, email)
    browser = use.signed_in(email)
    page = browser.get("/me").text
    assert "improve login" in page and token not in page
    (listed,) = httpx.get(f"{use.url}/api/tokens", headers=bearer(token)).json()["tokens"]
    post_form(browser, "/me", f"/me/tokens/{listed['id']}/revoke")
    assert httpx.get(f"{use.url}/api/me", headers=bearer(token)).status_code == 401


def test_improve_logout_revokes_the_token_on_the_workspace(use: Workspace, tmp_path: Path) -> None:
    email = someone("Wilma")
    home = tmp_path / "cli-home"
    env = {**use.env, "IMPROVE_HOME": str(home)}

    def improve_there(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*improve_command(), *args],
            env=env,
            input=stdin,
            text=True,
            capture_output=True,
            timeout=120,
        )

    assert (
        improve_there(
            "login", "--email", email, "--password-stdin", stdin=password_of(email)
        ).returncode
        == 0
    )
    token = json.loads((home / "token.json").read_text())["token"]
    assert httpx.get(f"{use.url}/api/me", headers=bearer(token)).is_success
    out = improve_there("logout")
    assert out.returncode == 0, out.stderr
    assert not (home / "token.json").exists()
    assert httpx.get(f"{use.url}/api/me", headers=bearer(token)).status_code == 401


@pytest.fixture(scope="module")
def behind_proxy(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """A workspace whose sign-in proxy is on loopback (the tests play it)."""
    space = start_workspace(
        tmp_path_factory.mktemp("proxied"),
        {"IMPROVE_WEB_AUTH": "proxy", "IMPROVE_TRUSTED_PROXIES": "127.0.0.1"},
    )
    yield space  # type: ignore[misc]
    space.close_clients()
    processes.stop(space.process)


def test_behind_the_proxy_no_password_makes_a_token(behind_proxy: Workspace) -> None:
    answer = httpx.post(
        f"{behind_proxy.url}/api/tokens", json={"email": OMAR, "password": password_of(OMAR)}
    )
    assert answer.status_code == 403 and "token" not in answer.json()
    answer = httpx.post(
        f"{behind_proxy.url}/api/tokens",
        headers={"X-Forwarded-Email": OMAR},
        json={"email": OMAR, "password": password_of(OMAR)},
    )
    assert answer.status_code == 403 and "token" not in answer.json()


def test_a_token_is_made_on_the_me_page_behind_the_proxy(behind_proxy: Workspace) -> None:
    browser = behind_proxy.client()
    browser.headers["X-Forwarded-Email"] = OMAR
    made = browser.post("/me/tokens", data={"csrf": csrf_of(browser, "/me"), "label": "laptop"})
    assert made.status_code == 200
    token = made.text.split('<code class="token">')[1].split("<")[0]
    me = httpx.get(f"{behind_proxy.url}/api/me", headers=bearer(token))
    assert me.json()["email"] == OMAR


@pytest.mark.parametrize(
    "forwarded",
    ["198.51.100.7", "198.51.100.7, 203.0.113.20", "10.0.0.1, 198.51.100.7, 127.0.0.1"],
)
def test_a_proxy_that_appends_x_forwarded_for_is_believed(
    behind_proxy: Workspace, forwarded: str
) -> None:
    headers = {"X-Forwarded-Email": OMAR, "X-Forwarded-For": forwarded}
    answer = httpx.get(f"{behind_proxy.url}/", headers=headers)
    assert answer.status_code == 200 and "Omar Haddad" in answer.text


def test_an_untrusted_caller_naming_a_trusted_proxy_is_not_believed(tmp_path: Path) -> None:
    space = start_workspace(
        tmp_path, {"IMPROVE_WEB_AUTH": "proxy", "IMPROVE_TRUSTED_PROXIES": "10.9.9.9"}
    )
    try:
        headers = {"X-Forwarded-Email": OMAR, "X-Forwarded-For": "10.9.9.9"}
        assert httpx.get(f"{space.url}/", headers=headers).status_code == 401
    finally:
        processes.stop(space.process)
