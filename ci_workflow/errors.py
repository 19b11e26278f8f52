"""Every error the project raises on purpose, so the CLI can turn it into one clear line.

ImproveError
 ├── UsageError (ValueError)             exit code 2: the command was called wrongly
 ├── BadSetting (ValueError)             exit code 2: an IMPROVE_* variable holds a bad value
 ├── ValidationFailed (ValueError)       an improvement file (or other input) is not valid
 ├── WeakPassword (ValueError)           a new password breaks the password rules
 ├── NotFound (LookupError)
 │    ├── ImprovementNotFound
 │    └── PersonNotFound
 ├── AlreadyExists (ValueError)
 ├── IllegalTransition (ValueError)
 ├── NotAuthorised (PermissionError)
 │    └── SignInFailed                     wrong e-mail or password, locked out, deactivated
 ├── FileRefused (PermissionError)       a file the command must not write (the register's own)
 ├── ChangeRefused (ValueError)          an update that would rewrite what is frozen
 ├── VersionConflict (ValueError)        an edit made from a version someone changed since
 ├── StoreNotReady (RuntimeError)        the store is missing or its schema is behind
 ├── NotReady (ValueError)               an improvement cannot enter its next stage yet
 ├── GateError (ValueError)              a decision for a gate that is not waiting for it
 │    └── WarningsUnconfirmed               completing or signing off over unread warnings
 ├── OrchestratorUnavailable (ConnectionError)  the Prefect API is unreachable or refused
 └── MetricError (ValueError)            a metric source failed or gave no finite number
      └── CaptureIncomplete                 a capture pass stored what it could; sources failed
"""

from __future__ import annotations

from typing import Any


class ImproveError(Exception):
    """Raised for any failure the user should see as one line."""

    exit_code = 1


class UsageError(ImproveError, ValueError):
    """Raised when a command is called with arguments that cannot be right."""

    exit_code = 2


class BadSetting(ImproveError, ValueError):
    """Raised when an ``IMPROVE_*`` variable cannot be read as its setting; names it."""

    exit_code = 2


class ValidationFailed(ImproveError, ValueError):
    """Raised when input fails validation; carries every problem found, each with its path."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        count = len(problems)
        noun = "problem" if count == 1 else "problems"
        super().__init__(f"{source}: {count} {noun}, nothing was written")


class WeakPassword(ImproveError, ValueError):
    """Raised when a new password breaks the rules; the message lists every rule it breaks."""


class NotFound(ImproveError, LookupError):
    """Raised when something named by the user does not exist."""


class ImprovementNotFound(NotFound):
    """Raised when no improvement has the given id or key."""


class PersonNotFound(NotFound):
    """Raised when no person has the given name or e-mail."""


class AlreadyExists(ImproveError, ValueError):
    """Raised when creating something whose unique name is taken."""


class IllegalTransition(ImproveError, ValueError):
    """Raised when a status change is not allowed by the continual improvement model."""


class NotAuthorised(ImproveError, PermissionError):
    """Raised when a person lacks the role that a decision needs."""


class SignInFailed(NotAuthorised):
    """Raised when a sign-in is refused; the message never says which part was wrong."""


class FileRefused(ImproveError, PermissionError):
    """Raised when a command would write a file it must not: one the register keeps, one it
    did not write (without ``--force``), or one behind a symbolic link."""


class ChangeRefused(ImproveError, ValueError):
    """Raised when an update would change what is frozen at the improvement's stage."""


class VersionConflict(ImproveError, ValueError):
    """Raised when an edit was made from a version of an improvement's file that someone has
    changed since; carries the version now and what changed after the editor's (nothing of the
    edit is written)."""

    def __init__(self, message: str, version: int, changes: list[dict[str, Any]]) -> None:
        super().__init__(message)
        self.version = version
        self.changes = changes


class StoreNotReady(ImproveError, RuntimeError):
    """Raised when the store has not been initialised or needs a migration."""


class NotReady(ImproveError, ValueError):
    """Raised when an improvement cannot enter the next stage yet (no objectives, no plan...)."""


class GateError(ImproveError, ValueError):
    """Raised when a decision is sent to a gate that is not waiting for it."""


class WarningsUnconfirmed(GateError):
    """Raised when execution is completed or a review signed off over warnings the person
    deciding has not confirmed reading."""


class OrchestratorUnavailable(ImproveError, ConnectionError):
    """Raised when the Prefect API cannot be reached or refuses a request."""


class MetricError(ImproveError, ValueError):
    """Raised when a metric source fails, times out, or gives something not a finite number."""


class CaptureIncomplete(MetricError):
    """Raised after a capture pass that stored what it could but had sources fail."""
