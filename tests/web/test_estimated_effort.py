"""The improvement page shows its estimated effort in hours beside cost → gain."""

from __future__ import annotations

from pathlib import Path

from tests.web.conftest import Workspace
from tests.web.helpers import new_improvement
from tests.web.test_portfolio import text_of


def test_the_page_shows_the_estimated_hours(use: Workspace, tmp_path: Path) -> None:
    shown = new_improvement(use, tmp_path, estimated_hours=12.5)
    words = text_of(use.signed_in("lena@example.org").get(f"/improvements/{shown}").text)
    assert "Estimated effort 12.5 h" in words
    bare = new_improvement(use, tmp_path)
    words = text_of(use.signed_in("lena@example.org").get(f"/improvements/{bare}").text)
    assert "Estimated effort not estimated" in words
