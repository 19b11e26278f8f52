"""The how-to guides whose steps run on one machine without servers, followed as written (their
console blocks and the files they show, tests/docs/console.py), each on a fresh register with
the people the guides assume."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from ci_workflow.settings import get_settings, prefect_auth_string, secret_key
from ci_workflow.store.db import reset_caches
from tests.docs.console import ROOT, Reader
from tests.helpers import Cli, improvement_doc, write_yaml
from tests.web.conftest import _seed

GUIDES = ROOT / "docs" / "how-to"


@pytest.fixture
def reader(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Reader:
    return reader_on(tmp_path / "home", tmp_path / "folder", monkeypatch)


def reader_on(home: Path, folder: Path, monkeypatch: pytest.MonkeyPatch) -> Reader:
    """`improve init` and the sample cast, then the guide's commands, all in this process (the
    same commands as a terminal runs; a start-up each would cost seconds)."""
    if not home.exists():
        _seed({"IMPROVE_HOME": str(home)})
    folder.mkdir(exist_ok=True)
    monkeypatch.chdir(folder)
    monkeypatch.setenv("IMPROVE_HOME", str(home))
    get_settings.cache_clear()
    reset_caches()
    return Reader({"IMPROVE_HOME": str(home), "PATH": os.environ["PATH"]}, folder, cli=Cli())


@pytest.mark.parametrize("guide", ["import-an-export.md", "connect-a-source.md"])
def test_the_guide_as_written(reader: Reader, guide: str) -> None:
    reader.follow((GUIDES / guide).read_text())


def test_a_register_backed_up_and_restored_as_the_guide_says(
    reader: Reader, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not shutil.which("sqlite3"):
        pytest.skip("the sqlite3 tool is not installed")
    secret_key(), prefect_auth_string()  # a register in use has both
    reader.cli.ok("apply", str(write_yaml(tmp_path, improvement_doc(key="kept"))))  # type: ignore[union-attr]
    backup = tmp_path / "backup"
    guide = (GUIDES / "back-up-and-restore.md").read_text()
    taking, restoring = guide.split("## Restore")
    reader.env["BACKUP"] = str(backup)
    reader.follow(taking.split("## Back up a SQLite register")[1].split("## Back up a Postgre")[0])
    key = (Path(reader.env["IMPROVE_HOME"]) / "secret_key").read_text()

    elsewhere = reader_on(tmp_path / "restored", tmp_path / "folder", monkeypatch)
    elsewhere.env["BACKUP"] = str(backup)
    elsewhere.follow(restoring)
    assert (tmp_path / "restored" / "secret_key").read_text() == key
    listed = elsewhere.cli.ok("list", "--json").stdout  # type: ignore[union-attr]
    assert [row["key"] for row in json.loads(listed)] == ["kept"]
