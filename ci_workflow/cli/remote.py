"""The CLI acting through the workspace's API as the person who signed in (``improve login``):
one short request per decision or apply, verified by the workspace like a browser's."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import httpx

from ci_workflow.errors import ImproveError, NotAuthorised, NotFound, UsageError
from ci_workflow.settings import get_settings


def _token_file() -> Path:
    return get_settings().home_dir / "token.json"


def login(url: str | None, email: str, password: str) -> str:
    base = (url or get_settings().web_url or "").rstrip("/")
    if not base:
        raise UsageError("name the workspace: --url https://... or IMPROVE_WEB_URL")
    answer = _call(
        "POST",
        f"{base}/api/tokens",
        None,
        {"email": email, "password": password, "label": "improve login"},
    )
    path = _token_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as stream:
        json.dump({"url": base, "token": answer["token"], "person": answer["person"]}, stream)
    return str(answer["person"])


def logout() -> str | None:
    """Revoke the kept token on the workspace that issued it, then forget it; what happened, or
    None when no token was kept."""
    path = _token_file()
    if not path.exists():
        return None
    kept = json.loads(path.read_text(encoding="utf-8"))
    try:
        _call("DELETE", f"{kept['url']}/api/tokens/current", str(kept["token"]), None)
        said = "signed out; the token is revoked on the workspace"
    except NotAuthorised:
        said = "signed out; the token was no longer valid (expired or revoked)"
    except ImproveError as error:
        said = (
            f"signed out here, but the token could not be revoked ({error}): it works until it "
            "expires, unless revoked on your page of the workspace (/me)"
        )
    path.unlink()
    return said


def session() -> tuple[str, str] | None:
    """(workspace URL, token) when the CLI should act through the workspace: IMPROVE_WEB_URL
    is set and a token was kept for that workspace."""
    url = (get_settings().web_url or "").rstrip("/")
    path = _token_file()
    if not url or not path.exists():
        return None
    kept = json.loads(path.read_text(encoding="utf-8"))
    return (url, str(kept["token"])) if kept.get("url") == url else None


def call(method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    found = session()
    assert found is not None, "only called when signed in"
    url, token = found
    return _call(method, f"{url}{path}", token, body)


def _call(method: str, url: str, token: str | None, body: dict[str, Any] | None) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        answer = httpx.request(method, url, json=body, headers=headers, timeout=60)
    except httpx.HTTPError as error:
        raise ImproveError(
            f"cannot reach the workspace at {url} ({type(error).__name__})"
        ) from None
    try:
        data: dict[str, Any] = answer.json()
    except ValueError:
        data = {"error": f"HTTP {answer.status_code}"}
    if answer.status_code >= 400:
        said = str(data.get("error", f"HTTP {answer.status_code}"))
        kind = {401: NotAuthorised, 403: NotAuthorised, 404: NotFound}.get(
            answer.status_code, ImproveError
        )
        raise kind(f"the workspace refused: {said}")
    return data
