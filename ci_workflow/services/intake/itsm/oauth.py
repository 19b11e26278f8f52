"""OAuth 2.0 client credentials (``--auth oauth``): a client id and its secret traded for an
access token at the tool's token endpoint (ServiceNow: ``POST /oauth_token.do`` with
``grant_type=client_credentials``, ``client_id`` and ``client_secret`` form-encoded; the answer
``{"access_token", "token_type": "Bearer", "expires_in"}``). The token is sent as
``Authorization: Bearer`` on each request and asked for again once when a request is refused
with 401 (expired or revoked): no clock decides it, the tool does.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from ci_workflow.services.intake.itsm.http import ConnectorError, client, json_body


@dataclass
class ClientCredentials:
    url: str
    client_id: str
    secret: str
    path: str = "/oauth_token.do"
    held: str | None = None

    def __call__(self, fresh: bool) -> str:
        """The access token held, or a new one when ``fresh`` or none is held yet."""
        if fresh or self.held is None:
            self.held = self._token()
        return self.held

    def _token(self) -> str:
        host = httpx.URL(self.url).host or self.url
        form = {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self.secret,
        }
        try:
            with client() as session:
                answer = session.post(
                    f"{self.url.rstrip('/')}{self.path}",
                    data=form,
                    headers={"Accept": "application/json"},
                )
        except httpx.HTTPError as error:
            said = f"no answer from {host} for a token: {type(error).__name__}"
            raise ConnectorError(said) from None
        if answer.status_code != 200:
            raise ConnectorError(
                f"{host} refused the OAuth client id and secret (HTTP {answer.status_code}"
                f"{_said(answer)}): check them; to change them: improve connections set NAME "
                "--user CLIENT_ID --secret-stdin"
            )
        body = json_body(answer, f"{host} {self.path}")
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise ConnectorError(f"{host} {self.path}: the answer has no access_token")
        return token


def _said(answer: httpx.Response) -> str:
    """The token endpoint's own words (``error``, ``error_description``), when it gives them."""
    try:
        body = answer.json()
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    said = " ".join(str(body.get(k) or "") for k in ("error", "error_description")).strip()
    return f": {said[:300]}" if said else ""
