"""Who acts, as far as it was verified: the person acting, the channel the act came through,
and the principal that channel verified.

- ``web``: a person signed in to the workspace (password, or the trusted proxy); the principal
  is their e-mail.
- ``api``: a person holding a personal token (``improve login``, integrations); likewise.
- ``cli``: the ``improve`` command on the register's own machine, with database access; the
  principal is the operating-system account of the process's real user id (``os:alice``; never
  ``$USER``, which anyone sets). ``--as`` names the person it acts for, which nothing verifies
  beyond that machine's accounts: the single-machine default and administration. Under
  ``IMPROVE_REQUIRE_LOGIN`` that is refused (``SIGN_IN_FIRST``): a person's act comes through
  ``improve login``, as ``api``.
- ``prefect-ui``: an answer typed into the Prefect UI's form or sent to Prefect's API, unsigned:
  nobody verified who typed its **by** field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ci_workflow.domain.authority.people import PersonView

Channel = Literal["web", "api", "cli", "prefect-ui"]
UNVERIFIED = "unverified"
SIGN_IN_FIRST = (
    "IMPROVE_REQUIRE_LOGIN is on: the CLI acts for a person only as the one signed in; run "
    "`improve login` first"
)


@dataclass(frozen=True)
class Actor:
    channel: Channel
    principal: str
    person: PersonView | None = None

    @property
    def name(self) -> str:
        """For the audit trail: the person, or the principal when no person acts."""
        return self.person.name if self.person is not None else self.principal

    @property
    def verified(self) -> bool:
        return self.principal != UNVERIFIED


def operating_system(user: str, person: PersonView | None = None) -> Actor:
    return Actor("cli", f"os:{user}", person)


def signed_in(person: PersonView, channel: Channel = "web") -> Actor:
    return Actor(channel, person.email, person)
