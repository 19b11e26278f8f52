"""The files a person names with ``--out`` (reports, practice reports, exports): one guard for
every command that writes one, and the write itself, swapped in whole and recorded, so that the
next run knows the file as its own and the workspace serves only what the register wrote.

Never written, even with ``--force``: the register's database and its journal files, anything
else the register keeps in IMPROVE_HOME (the secret key, Prefect's password, the CLI's token,
the improvement files it writes; its ``reports`` folder is the one place for files there), a
path that is a symbolic link. Without ``--force``: a file that is there and is not one the
register wrote, as it wrote it.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

from ci_workflow.errors import FileRefused, NotFound, UsageError
from ci_workflow.schemas import ReportPublic
from ci_workflow.settings import get_settings
from ci_workflow.store.db import register_file, transaction
from ci_workflow.store.reporting.reports import record_report, report_at
from ci_workflow.store.tables import Report

__all__ = ["SavedReport", "check_target", "reports_folder", "save_file", "saved_report"]

JOURNALS = ("", "-wal", "-shm", "-journal")
KEPT = {
    "secret_key": "the register's secret key",
    "prefect_auth": "the Prefect server's password",
    "token.json": "the CLI's sign-in token",
}
SERVED = ("html", "md")


def reports_folder() -> Path:
    return get_settings().home_dir / "reports"


def save_file(
    content: str,
    path: Path,
    *,
    improvement_id: int | None,
    kind: str,
    fmt: str,
    force: bool = False,
    make_folder: bool = True,
) -> Path:
    """Write ``content`` to ``path`` once ``check_target`` allows it, and record it in the
    register (one row per path). The file is swapped in whole, readable by its owner only: a
    reader never sees half of it, and a link at ``path`` is replaced, never followed."""
    path = Path(os.path.abspath(path))
    if not make_folder and not path.parent.is_dir():
        raise UsageError(f"{path}: folder {path.parent} does not exist")
    check_target(path, force=force)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(8)}.partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as stream:
            stream.write(content)
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    with transaction() as session:
        record_report(
            session,
            path=str(path),
            sha256=_sha256(content.encode()),
            improvement_id=improvement_id,
            kind=kind,
            fmt=fmt,
        )
    return path


def check_target(path: Path, *, force: bool) -> None:
    """Refuse, with one line naming the file, to write ``path`` (see the module's rules)."""
    path = Path(os.path.abspath(path))
    if path.is_symlink():
        raise FileRefused(f"{path} is a symbolic link; improve never writes through one")
    kept = _kept_by_the_register(path)
    if kept is not None:
        raise FileRefused(f"{path} is {kept}; improve never writes over it, even with --force")
    if not path.exists():
        return
    if not path.is_file():
        raise FileRefused(f"{path} is not a regular file")
    if not force and not _written_by_us(path):
        raise FileRefused(
            f"{path} exists and is not a file improve wrote; choose another --out, or add "
            "--force to replace it"
        )


def _kept_by_the_register(path: Path) -> str | None:
    """What ``path`` is to the register, when it keeps it: by where it leads (its folders'
    links followed), and, when it is there, by what it is (a hard link to a kept file)."""
    target = path.parent.resolve() / path.name
    home = get_settings().home_dir.resolve()
    kept: dict[Path, str] = {home / name: what for name, what in KEPT.items()}
    database = register_file()
    if database is not None:
        database = database.absolute().parent.resolve() / database.name
        for suffix in JOURNALS:
            kept[database.with_name(database.name + suffix)] = "the register's database"
    if target in kept:
        return kept[target]
    if target.exists():
        for known, what in kept.items():
            if known.exists() and os.path.samefile(known, target):
                return what
    reports = reports_folder().resolve()
    if target.is_relative_to(home) and not target.is_relative_to(reports):
        return f"kept by the register in IMPROVE_HOME (only {reports} takes files there)"
    return None


def _written_by_us(path: Path) -> bool:
    """The register recorded a file at ``path``, and it still holds what was written."""
    with transaction(write=False) as session:
        ours = report_at(session, str(path))
    return ours is not None and _holds(path, ours.sha256)


def _holds(path: Path, sha256: str) -> bool:
    try:
        if path.stat().st_size > 100_000_000:
            return False
        return _sha256(path.read_bytes()) == sha256
    except OSError:
        return False


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class SavedReport(ReportPublic):
    path: str


def saved_report(report_id: int) -> SavedReport:
    """A report the register wrote in its reports folder (HTML or Markdown), still there as it
    was written: nothing else a row names is ever served (an older version could record a
    report written over the secret key)."""
    with transaction(write=False) as session:
        found = session.get(Report, report_id)
    if found is None or found.format not in SERVED or not _servable(Path(found.path)):
        raise NotFound(f"no report {report_id}")
    if not _holds(Path(found.path), found.sha256):
        raise NotFound(f"no report {report_id}")
    return SavedReport.model_validate(found, from_attributes=True)


def _servable(path: Path) -> bool:
    if not path.is_absolute() or path.is_symlink() or not path.is_file():
        return False
    reports = reports_folder().resolve()
    return path.resolve().is_relative_to(reports) and _kept_by_the_register(path) is None
