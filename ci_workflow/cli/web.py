"""``improve web``, ``improve login`` and ``improve logout``: the workspace, and the CLI acting
through it as a verified person.

``improve login`` keeps a personal token in IMPROVE_HOME/token.json (only its owner may read
it). With IMPROVE_WEB_URL set to the workspace it was issued by, decisions and ``apply`` go
through the workspace's API under that person instead of writing the register directly.
"""

from __future__ import annotations

import sys

import typer

from ci_workflow.cli._common import add_commands, console, escape
from ci_workflow.errors import UsageError


def web(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8765, "--port", min=1, max=65535, help="Port to listen on."),
    workers: int = typer.Option(
        1, "--workers", min=1, max=16, help="Processes serving it (one per CPU at most)."
    ),
) -> None:
    """Run the web workspace until stopped (sign in, my work, register, decisions)."""
    from ci_workflow.web.app import serve

    console().print(f"workspace on http://{escape(host)}:{port} (stop with Ctrl-C)")
    serve(host, port, workers)


def login(
    url: str | None = typer.Option(None, "--url", help="The workspace (default IMPROVE_WEB_URL)."),
    email: str = typer.Option(..., "--email", prompt=True, help="Your e-mail address."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from standard input (one line)."
    ),
) -> None:
    """Sign in to the workspace and keep a personal token for the CLI."""
    from ci_workflow.cli import remote

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        import getpass

        password = getpass.getpass("Password: ")
    person = remote.login(url, email, password)
    console().print(f"signed in as {escape(person)}; the CLI decides and applies as you")


def logout() -> None:
    """Revoke the personal token and forget it: the CLI works on the register directly again."""
    from ci_workflow.cli import remote

    said = remote.logout()
    if said is None:
        raise UsageError("not signed in")
    console().print(escape(said))


def register_commands(app: typer.Typer) -> None:
    add_commands(app, {"web": web, "login": login, "logout": logout})
