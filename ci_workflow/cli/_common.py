"""What every command shares: one-line errors with exit codes, JSON output, the console."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import typer

from ci_workflow.errors import ImproveError, ValidationFailed
from ci_workflow.formatting import visible

if TYPE_CHECKING:
    from pydantic import BaseModel
    from rich.console import Console
    from rich.table import Table

    from ci_workflow.domain.authority.actors import Actor

P = ParamSpec("P")
R = TypeVar("R")


# Rich is imported on first use: the JSON paths never need it, and start-up time matters.
@functools.cache
def console(stderr: bool = False) -> Console:
    from rich.console import Console

    # Piped output is not squeezed to 80 columns: tables stay readable in files and pagers.
    width = None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 160
    return Console(stderr=stderr, highlight=False, soft_wrap=True, width=width)


def new_table(*headers: str, wrap: tuple[str, ...] = (), **options: Any) -> Table:
    """A borderless table; only the ``wrap`` columns (free text) may wrap, the rest stay whole."""
    from rich import box
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, **options)
    for header in headers:
        if header in wrap:
            table.add_column(header, ratio=1, min_width=16)
        else:
            table.add_column(header, no_wrap=True, overflow="ellipsis")
    return table


def escape(text: str) -> str:
    """User text as Rich may print it: markup escaped (a title may contain ``[bold]``), and
    line breaks, tabs, escape sequences, other control characters and bidirectional controls
    shown as escapes (``\\n``, ``\\x1b``, ``\\u202e``): a title can neither print a forged
    ``status:`` line, recolour the terminal, nor reorder what follows it."""
    from rich.markup import escape as rich_escape

    return rich_escape(visible(text))


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print ``error: message`` on stderr and return the Exit to raise."""
    console(stderr=True).print(f"[red]error:[/red] {message}", markup=True, emoji=False)
    return typer.Exit(code)


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Known failures become one line and an exit code; anything else too, without a traceback."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except ValidationFailed as failed:
            for problem in failed.problems:
                console(stderr=True).print(visible(problem), markup=False, emoji=False)
            raise fail(escape(str(failed)), failed.exit_code) from None
        except ImproveError as error:
            raise fail(escape(str(error)), error.exit_code) from None
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception as error:
            if os.environ.get("IMPROVE_DEBUG"):
                raise
            raise fail(_unexpected(error)) from None

    return wrapper


def add_commands(app: typer.Typer, commands: dict[str, Callable[..., None]]) -> None:
    """Register each command with the one-line error handling."""
    for name, func in commands.items():
        app.command(name)(handle_errors(func))


def _unexpected(error: Exception) -> str:
    from sqlalchemy.exc import DBAPIError

    if isinstance(error, DBAPIError):
        # The driver's message may repeat the URL; show only its first line, without parameters.
        first = str(error.orig).strip().splitlines()[0] if error.orig else type(error).__name__
        return escape(f"database error: {first} (set IMPROVE_DEBUG=1 for details)")
    return escape(f"unexpected {type(error).__name__}: {error} (set IMPROVE_DEBUG=1 for details)")


def print_json(data: BaseModel | list[Any] | dict[str, Any]) -> None:
    """Pydantic's serialiser writes 10,000 rows several times faster than ``json.dumps``."""
    from pydantic_core import to_json

    sys.stdout.flush()
    sys.stdout.buffer.write(to_json(data, indent=2) + b"\n")
    sys.stdout.flush()


def cli_actor(person: str | None = None) -> Actor:
    """The CLI on the register's machine: the operating-system account is the verified
    principal; ``person`` (``--as``) is whom it acts for, refused under IMPROVE_REQUIRE_LOGIN
    unless someone signed in with ``improve login`` (an audited refusal)."""
    from ci_workflow.domain.authority.actors import SIGN_IN_FIRST, operating_system
    from ci_workflow.settings import get_settings

    if person is None:
        return operating_system(os_account())
    from ci_workflow.cli import remote
    from ci_workflow.services.people.directory import person_view_of

    actor = operating_system(os_account(), person_view_of(person))
    if get_settings().require_login and remote.session() is None:
        from ci_workflow.services.people.refusals import refuse

        raise refuse(actor, SIGN_IN_FIRST)
    return actor


def os_account() -> str:
    """The account of the process's real user id, as the system knows it: not ``$USER`` or
    ``$LOGNAME`` (``getpass.getuser``), which whoever starts the command sets."""
    import pwd

    uid = os.getuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:  # a container's user without an entry in /etc/passwd
        return f"uid-{uid}"
