"""The documentation site builds with MkDocs --strict (every warning fails: a link to a page or
an anchor that does not exist among them), and its reference pages, generated at build time,
say what the code does."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from html import unescape
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MKDOCS = Path(sys.executable).parent / "mkdocs"


def build(config: Path, site: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run(
        [str(MKDOCS), "build", "--strict", "--config-file", str(config), "--site-dir", str(site)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def text_of(page: Path) -> str:
    """A built page's words, tags dropped."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", page.read_text())).split())


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("site")
    built = build(ROOT / "mkdocs.yml", site)
    assert built.returncode == 0, built.stderr[-3000:]
    return site


def test_every_command_has_its_section_with_its_options(site: Path) -> None:
    from ci_workflow.cli.app import app

    page = text_of(site / "reference" / "cli" / "index.html")
    for command in app.registered_commands:
        name = command.name or command.callback.__name__  # type: ignore[union-attr]
        assert f"improve {name}" in page, name
    for group in app.registered_groups:
        for command in group.typer_instance.registered_commands:  # type: ignore[union-attr]
            name = command.name or command.callback.__name__  # type: ignore[union-attr]
            assert f"improve {group.name} {name}" in page, f"{group.name} {name}"
    html = (site / "reference" / "cli" / "index.html").read_text()
    record = html.split('<h2 id="improve-record">', 1)[1].split("<h2", 1)[0]
    record = " ".join(unescape(re.sub(r"<[^>]+>", " ", record)).split())
    assert "--baseline flag" in record and "Who measured it (name or e-mail). " in record
    assert "improve record [OPTIONS] {ID} {metric} {value}" in record


def test_settings_show_variables_defaults_and_bounds(site: Path) -> None:
    page = text_of(site / "reference" / "settings" / "index.html")
    assert "IMPROVE_HOME path ~/.improve Data directory" in page
    assert "IMPROVE_POLL_SECONDS number (> 0, ≤ 60) 1.0 How often" in page
    assert "IMPROVE_SMTP_PASSWORD secret unset SMTP password" in page
    assert "IMPROVE_WEB_AUTH local | proxy local" in page


def test_the_improvement_file_table_has_every_field(site: Path) -> None:
    page = text_of(site / "reference" / "improvement-file" / "index.html")
    assert "key string (matching ^[a-z0-9][a-z0-9-]{0,63}$ ) yes" in page
    assert "strategic_impact integer (≥ 1, ≤ 5) yes" in page
    assert (
        "objectives[].source(csv).aggregation count | sum | mean | median | p90 | rate yes" in page
    )
    assert "the share, 0 to 1, of rows whose value_column is true" in page
    # a comment in the spec is the field's meaning
    assert "started date-time or date When execution really started" in page


def test_the_api_lists_the_json_endpoints_only(site: Path) -> None:
    page = text_of(site / "reference" / "api" / "index.html")
    assert "POST /api/improvements/{ref}/decisions" in page
    assert "GET /api/register" in page
    assert "GET /register" not in page.replace("GET /register.csv", "")


def test_the_tutorial_shows_its_browser_steps(site: Path) -> None:
    page = text_of(site / "tutorial" / "first-improvement" / "index.html")
    assert "sign in as Carmen Ruiz" in page
    assert "objectives[0]" not in page  # labels for the reader, names for the test
    assert "Objectives: Target 6" in page
    assert '$ improve start IMP-0001 --as "Carmen Ruiz"' in page


def test_the_screenshots_and_examples_are_included_whole(site: Path) -> None:
    tutorial = (site / "tutorial" / "first-improvement" / "index.html").read_text()
    for shot in ("my-work.png", "improvement.png", "register.png"):
        assert f'src="../../img/{shot}"' in tutorial and (site / "img" / shot).stat().st_size
    mapping = (ROOT / "examples" / "mappings" / "generic_incidents.yaml").read_text()
    html = (site / "how-to" / "import-an-export" / "index.html").read_text()
    shown = unescape(re.sub(r"<[^>]+>", "", html))  # highlighted: a span a token
    assert all(line in shown for line in mapping.splitlines()), "the mapping is not shown whole"


def test_a_broken_anchor_fails_the_build(tmp_path: Path) -> None:
    copy = tmp_path / "project"
    shutil.copytree(ROOT / "docs", copy / "docs", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "mkdocs.yml", copy / "mkdocs.yml")
    index = copy / "docs" / "index.md"
    index.write_text(
        index.read_text() + "\nSee [it](tutorial/first-improvement.md#no-such-step).\n"
    )
    built = build(copy / "mkdocs.yml", tmp_path / "site")
    assert built.returncode != 0
    assert "does not contain an anchor '#no-such-step'" in built.stderr


def test_a_field_or_endpoint_nobody_explained_fails_the_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mkdocs.exceptions import PluginError

    from docs.hooks import reference

    for name in (
        "improvement_fields.yaml",
        "improvement_file_intro.md",
        "api_endpoints.yaml",
        "api_intro.md",
    ):
        shutil.copy(reference.HERE / name, tmp_path / name)
    monkeypatch.setattr(reference, "HERE", tmp_path)
    fields = tmp_path / "improvement_fields.yaml"
    kept = fields.read_text()
    fields.write_text(re.sub(r"(?m)^objectives\[\]\.window: .*\n", "", kept))
    with pytest.raises(PluginError, match=r"no meaning for the field objectives\[\]\.window"):
        reference.improvement_page()
    fields.write_text(kept + "colour: What colour it is.\n")
    with pytest.raises(PluginError, match="no such field: colour"):
        reference.improvement_page()
    endpoints = tmp_path / "api_endpoints.yaml"
    endpoints.write_text(re.sub(r"(?m)^POST /api/ideas: .*\n", "", endpoints.read_text()))
    with pytest.raises(PluginError, match="nothing says what POST /api/ideas does"):
        reference.api_page()
