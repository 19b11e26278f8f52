"""What saves but deserves a look is said in the workspace as `improve apply` prints it: a
``sql`` source that reads the register's own incidents without ``deleted_at`` (it would count
records deleted in their ITSM tool) is saved, with a warning on the page the form goes back to
and in the API's answer; a source that reads the live view saves without one."""

from __future__ import annotations

import html
from collections.abc import Iterator

import pytest

from ci_workflow.domain.improvement.spec_form import values_of
from tests import processes
from tests.helpers import improvement_doc, objective_doc
from tests.web.conftest import Workspace, csrf_of, start_workspace

CARMEN = "carmen@example.org"
WARNED = (
    "objective 'open_count': its sql source reads the register's incidents without deleted_at, "
    "so it also counts records deleted in their ITSM tool; read live_incidents instead (or add "
    "deleted_at IS NULL)"
)


@pytest.fixture(scope="module")
def reading_the_register(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    """A workspace whose sql sources may read its own register's folder."""
    root = tmp_path_factory.mktemp("sql-warnings")
    space = start_workspace(root, {"IMPROVE_DATA_ROOTS": str(root / "home")})
    yield space
    processes.stop(space.process)


@pytest.fixture
def here(reading_the_register: Workspace) -> Iterator[Workspace]:
    yield reading_the_register
    reading_the_register.close_clients()


def _doc(space: Workspace, key: str, query: str) -> dict[str, object]:
    register = f"sqlite:///{space.env['IMPROVE_HOME']}/improve.db"
    source = {"kind": "sql", "url": register, "query": query}
    return improvement_doc(key=key, objectives=[objective_doc(metric="open_count", source=source)])


def test_the_form_saves_and_says_the_warning_on_the_page_it_goes_back_to(
    here: Workspace,
) -> None:
    carmen = here.signed_in(CARMEN)
    doc = _doc(here, "raw-incidents", "SELECT COUNT(*) FROM incidents")
    form = {"csrf": csrf_of(carmen, "/improvements/new"), **values_of(doc)}
    made = carmen.post("/improvements/new", data=form)
    assert made.status_code == 303, made.text
    page = html.unescape(carmen.get(made.headers["location"]).text)
    shown = made.headers["location"].removeprefix("/improvements/")
    assert f'<p class="message ok" role="status">{shown} registered: raw-incidents</p>' in page
    assert f'<p class="message warning" role="status">warning: {WARNED}</p>' in page

    # Saved again from the form unchanged, it says so, and warns again: the source still reads
    # the deleted records.
    edit = f"/improvements/{shown}/edit"
    file = carmen.get(f"/api/improvements/{shown}/file").json()
    again = {"csrf": csrf_of(carmen, edit), "version": str(file.pop("version")), **values_of(file)}
    saved = carmen.post(edit, data=again)
    assert saved.status_code == 303, saved.text
    page = html.unescape(carmen.get(saved.headers["location"]).text)
    assert f"{shown}: nothing changed" in page
    assert f"warning: {WARNED}" in page


def test_the_api_answers_the_warnings_and_none_for_the_live_view(
    here: Workspace,
) -> None:
    carmen = here.signed_in(CARMEN)
    carmen.headers["X-CSRF-Token"] = csrf_of(carmen, "/")  # a session's API write sends it
    raw = carmen.post(
        "/api/improvements",
        json=_doc(here, "api-raw", "SELECT COUNT(*) FROM incidents"),
    )
    assert raw.status_code == 201, raw.text
    assert raw.json()["warnings"] == [WARNED]
    live_doc = _doc(here, "api-live", "SELECT COUNT(*) FROM live_incidents")
    live = carmen.post("/api/improvements", json=live_doc)
    assert live.status_code == 201, live.text
    assert live.json()["warnings"] == []
    page = carmen.get(live.headers["location"]).text
    assert "message warning" not in page
