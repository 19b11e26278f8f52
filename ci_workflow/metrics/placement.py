"""Where an applied improvement's sources point, checked before anything is written: a CSV or
SQLite file inside the data roots (default: the improvement file's own folder), a database
dialect this installation knows, a Python module the administrator allowed, a literal web
address that is public or allowed (a name is checked on what it resolves to, when read).
Relative file paths are made absolute from the improvement file's folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from ci_workflow.errors import MetricError
from ci_workflow.metrics.access import (
    HttpAllowList,
    http_address_refused,
    is_address,
    module_allowed,
    readable_file,
)
from ci_workflow.settings import get_settings, normalise_database_url


def placed(source: dict[str, Any], folder: Path) -> dict[str, Any]:
    """The source with its file paths made real (links followed) and absolute, relative ones
    from ``folder`` (the file's): captures then check the file is still that one."""
    placed_ = dict(source)
    if source["kind"] == "csv":
        placed_["path"] = str((folder / source["path"]).resolve())
    if source["kind"] == "sql":
        url = make_url(normalise_database_url(source["url"]))
        database = url.database or ""
        if url.get_backend_name() == "sqlite" and database and database != ":memory:":
            real = str((folder / database).resolve())
            placed_["url"] = url.set(database=real).render_as_string(hide_password=False)
    return placed_


def problems(source: dict[str, Any], folder: Path) -> list[tuple[str, str]]:
    """(field, problem) pairs for a placed source; none when it may be captured."""
    settings = get_settings()
    roots = settings.roots or (folder.resolve(),)
    found: list[tuple[str, str]] = []
    if source["kind"] == "csv":
        found += _file("path", source["path"], roots, settings.source_max_bytes)
    if source["kind"] in ("sql", "incidents") and source.get("url", source.get("database")):
        field = "url" if source["kind"] == "sql" else "database"
        url = make_url(normalise_database_url(source[field]))
        try:
            url.get_dialect()
        except (NoSuchModuleError, ArgumentError):
            found.append(
                (
                    field,
                    f"{url.drivername!r} is not a database this installation knows "
                    "(e.g. postgresql://, sqlite:///)",
                )
            )
            return found
        if url.get_backend_name() == "sqlite" and source["kind"] == "sql":
            found += _file("url", url.database or "", roots, 10**15)
    if source["kind"] == "python":
        refused = module_allowed(source["function"], settings.python_modules)
        if refused:
            found.append(("function", refused))
    if source["kind"] == "http":
        host = urlsplit(source["url"]).hostname or ""
        if is_address(host) and not HttpAllowList.parse(settings.http_allowed).permits(host, host):
            found.append(("url", http_address_refused(host)))
    return found


def _file(field: str, path: str, roots: tuple[Path, ...], limit: int) -> list[tuple[str, str]]:
    """A file that is not there yet may be named (an export that a job writes later), if its
    place is inside the roots; one that is there must pass every check a capture makes."""
    given = Path(path)
    if not given.exists() and not given.is_symlink():
        if any(given.resolve().is_relative_to(root) for root in roots):
            return []
        return [(field, f"{given.name}: outside the folders sources may read (data roots)")]
    try:
        readable_file(path, roots, limit)
    except MetricError as refused:
        return [(field, str(refused))]
    return []
