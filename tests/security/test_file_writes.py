"""Every command that writes a file a person named (``--out``) goes through one guard (issue 24,
#1): never over the register, its journal files, the kept secrets or anything else the register
keeps in IMPROVE_HOME (its reports folder aside), never through a symbolic link, never over a
file it did not write unless ``--force``, and ``--force`` never for those the register keeps.
The workspace serves only the reports it wrote in its reports folder, as it wrote them."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from ci_workflow.errors import NotFound
from ci_workflow.services.reporting.files import saved_report
from ci_workflow.settings import get_settings, prefect_auth_string, secret_key
from ci_workflow.store.db import register_file, transaction
from ci_workflow.store.reporting.reports import record_report
from ci_workflow.store.tables import Report
from tests.helpers import Cli, improvement_doc, write_yaml

WRITERS = {
    "export": ("export", "--format", "json"),
    "report": ("report", "1", "--format", "md"),
    "practice-report": ("practice-report", "--format", "md"),
}


@pytest.fixture
def one(cli: Cli, people: None, tmp_path: Path) -> None:
    cli.ok("apply", str(write_yaml(tmp_path, improvement_doc())))
    secret_key(), prefect_auth_string()


def kept_files() -> list[Path]:
    """What the register keeps: its database and journal files (on SQLite: on PostgreSQL the
    register is no file here), its secrets, the CLI's token, and the improvement files it writes
    for accepted opportunities."""
    home = get_settings().home_dir
    database = register_file()
    (home / "token.json").write_text("{}", encoding="utf-8")
    (home / "improvements").mkdir(exist_ok=True)
    (home / "improvements" / "opp-1.yaml").write_text("key: opp-1\n", encoding="utf-8")
    journals = (
        []
        if database is None
        else [
            database,
            database.with_name(f"{database.name}-wal"),
            database.with_name(f"{database.name}-shm"),
            database.with_name(f"{database.name}-journal"),  # not there: not to be made either
        ]
    )
    return [
        *journals,
        home / "secret_key",
        home / "prefect_auth",
        home / "token.json",
        home / "improvements" / "opp-1.yaml",
    ]


def contents(paths: list[Path]) -> dict[Path, object]:
    """Each file as it is: the database's by its inode (SQLite itself writes to them meanwhile;
    a file swapped in would be another inode), the others by their bytes."""
    database = register_file()
    name = database.name if database is not None else None
    return {
        p: None
        if not p.exists()
        else p.stat().st_ino
        if name is not None and p.name.startswith(name)
        else p.read_bytes()
        for p in paths
    }


@pytest.mark.parametrize("writer", WRITERS)
def test_no_writer_replaces_what_the_register_keeps_even_with_force(
    cli: Cli, one: None, writer: str
) -> None:
    cli.ok("list")  # the register open: its -wal and -shm are there
    kept = kept_files()
    before = contents(kept)
    for path in kept:
        for force in ((), ("--force",)):
            (line,) = cli.fails(*WRITERS[writer], "--out", str(path), *force)
            assert line.startswith(f"error: {path} is ") and "never writes over it" in line
    assert contents(kept) == before
    assert cli.json("list")[0]["id"] == "IMP-0001"  # the register still answers


@pytest.mark.parametrize("writer", WRITERS)
def test_no_writer_goes_through_a_link_or_over_a_file_it_did_not_write(
    cli: Cli, one: None, writer: str, tmp_path: Path
) -> None:
    home = get_settings().home_dir
    link = tmp_path / "innocent.md"
    link.symlink_to(home / "secret_key")
    before = (home / "secret_key").read_bytes()
    assert cli.fails(*WRITERS[writer], "--out", str(link), "--force") == [
        f"error: {link} is a symbolic link; improve never writes through one"
    ]
    assert (home / "secret_key").read_bytes() == before and link.is_symlink()
    # A folder that is a link into IMPROVE_HOME leads to what the register keeps: refused too.
    into_home = tmp_path / "door"
    into_home.symlink_to(home)
    (line,) = cli.fails(*WRITERS[writer], "--out", str(into_home / "secret_key"), "--force")
    assert "never writes over it" in line and (home / "secret_key").read_bytes() == before
    notes = tmp_path / "notes.md"
    notes.write_text("my notes", encoding="utf-8")
    assert cli.fails(*WRITERS[writer], "--out", str(notes)) == [
        f"error: {notes} exists and is not a file improve wrote; choose another --out, or add "
        "--force to replace it"
    ]
    assert notes.read_text() == "my notes"
    cli.ok(*WRITERS[writer], "--out", str(notes), "--force")
    assert notes.read_text() != "my notes"
    cli.ok(*WRITERS[writer], "--out", str(notes))  # now its own: written again freely
    reports = home / "reports" / "mine.md"
    reports.parent.mkdir(exist_ok=True)
    cli.ok(*WRITERS[writer], "--out", str(reports))  # the reports folder is for writing
    cli.ok(*WRITERS[writer], "--out", str(reports))


def test_the_workspace_serves_only_reports_it_wrote_in_its_reports_folder(
    cli: Cli, one: None, tmp_path: Path
) -> None:
    home = get_settings().home_dir
    cli.ok("report", "1", "--format", "md")
    written = home / "reports" / "imp-0001-interim.md"
    elsewhere = tmp_path / "elsewhere.md"
    cli.ok("report", "1", "--format", "md", "--out", str(elsewhere))
    with transaction() as session:
        # An older version let a report be written over the secret key, and recorded it.
        planted = record_report(
            session,
            path=str(home / "secret_key"),
            sha256="0" * 64,
            improvement_id=1,
            kind="review",
            fmt="md",
        ).id
        ids = {Path(r.path): r.id for r in session.exec(select(Report))}
    assert saved_report(ids[written]).path == str(written)
    for refused in (planted, ids[elsewhere]):
        assert refused is not None
        with pytest.raises(NotFound):
            saved_report(refused)
    written.write_text("# changed behind the register's back", encoding="utf-8")
    with pytest.raises(NotFound):
        saved_report(ids[written])
