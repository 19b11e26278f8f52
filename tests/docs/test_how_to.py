"""The how-to guides whose steps run on one machine without servers, followed as written (their
console blocks and the files they show, tests/docs/console.py), each on a fresh register with
the people the guides assume."""

from __future__ import annotations

from pathlib import Path

import pytest

from ci_workflow.settings import get_settings
from ci_workflow.store.db import reset_caches
from tests.docs.console import ROOT, Reader
from tests.helpers import Cli
from tests.web.conftest import _seed

GUIDES = ROOT / "docs" / "how-to"


@pytest.fixture
def reader(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Reader:
    """`improve init` and the sample cast, then the guide's commands, all in this process (the
    same commands as a terminal runs; a start-up each would cost seconds)."""
    home = str(tmp_path / "home")
    _seed({"IMPROVE_HOME": home})
    folder = tmp_path / "folder"
    folder.mkdir()
    monkeypatch.chdir(folder)
    monkeypatch.setenv("IMPROVE_HOME", home)
    get_settings.cache_clear()
    reset_caches()
    return Reader({"IMPROVE_HOME": home}, folder, cli=Cli())


@pytest.mark.parametrize("guide", ["import-an-export.md", "connect-a-source.md"])
def test_the_guide_as_written(reader: Reader, guide: str) -> None:
    reader.follow((GUIDES / guide).read_text())
