"""What every command shares: one-line errors with exit codes, JSON output, the console."""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import typer
from pydantic import BaseModel
from rich.console import Console

from ci_workflow.errors import ImproveError, ValidationFailed

P = ParamSpec("P")
R = TypeVar("R")

console = Console(highlight=False, soft_wrap=True)
errors = Console(stderr=True, highlight=False, soft_wrap=True)


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print ``error: message`` on stderr and return the Exit to raise."""
    errors.print(f"[red]error:[/red] {message}", markup=True, emoji=False)
    return typer.Exit(code)


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Known failures become one line and an exit code; anything else too, without a traceback."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except ValidationFailed as failed:
            for problem in failed.problems:
                errors.print(problem, markup=False, emoji=False)
            raise fail(str(failed), failed.exit_code) from None
        except ImproveError as error:
            raise fail(_escape(str(error)), error.exit_code) from None
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception as error:
            if os.environ.get("IMPROVE_DEBUG"):
                raise
            raise fail(_unexpected(error)) from None

    return wrapper


def _unexpected(error: Exception) -> str:
    from sqlalchemy.exc import DBAPIError

    if isinstance(error, DBAPIError):
        # The driver's message may repeat the URL; show only its first line, without parameters.
        first = str(error.orig).strip().splitlines()[0] if error.orig else type(error).__name__
        return _escape(f"database error: {first} (set IMPROVE_DEBUG=1 for details)")
    return _escape(f"unexpected {type(error).__name__}: {error} (set IMPROVE_DEBUG=1 for details)")


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def print_json(data: Any) -> None:
    if isinstance(data, BaseModel):
        data = data.model_dump(mode="json")
    elif isinstance(data, list):
        data = [d.model_dump(mode="json") if isinstance(d, BaseModel) else d for d in data]
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def money(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


def when(value: Any) -> str:
    return "—" if value is None else str(value)[:16].replace("T", " ")
