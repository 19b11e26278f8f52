"""The portfolio page and its JSON twin, and an improvement's strategy in the workspace: made
in the form, shown on its page, given back by its file."""

from __future__ import annotations

import html
import re
from pathlib import Path

from ci_workflow.domain.improvement.spec_form import values_of
from tests.helpers import Cli, improvement_doc
from tests.services.register.test_strategy import EXAMPLE
from tests.web.conftest import Workspace, csrf_of

CARMEN, LENA = "carmen@example.org", "lena@example.org"


def text_of(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def test_serves_made_in_the_form_shows_on_the_page_and_in_the_portfolio(
    use: Workspace, tmp_path: Path
) -> None:
    Cli().ok("strategy", "apply", str(EXAMPLE))
    carmen = use.signed_in(CARMEN)
    assert '<a href="/portfolio">Portfolio</a>' in carmen.get("/").text  # in the nav
    doc = improvement_doc(key="form-served", estimated_cost=90000)
    values = {
        **values_of(doc),
        "serves": "restore-faster: MTTR -2 h\nfewer-repeat-incidents\n",
        "programme": "network-resilience",
    }
    form = {"csrf": csrf_of(carmen, "/improvements/new"), **values}
    made = carmen.post("/improvements/new", data=form)
    assert made.status_code == 303, made.text
    shown = made.headers["location"].removeprefix("/improvements/")
    page = text_of(carmen.get(made.headers["location"]).text)
    assert "Programme Network resilience" in page
    assert "Serves Restore failed services faster : MTTR -2 h" in page
    assert "Serves Fewer incidents that come back" in page
    file = carmen.get(f"/api/improvements/{shown}/file").json()
    assert file["serves"] == [
        {"objective": "restore-faster", "contribution": "MTTR -2 h"},
        "fewer-repeat-incidents",
    ]
    assert file["programme"] == "network-resilience"

    lena = use.signed_in(LENA)  # anyone signed in sees the portfolio
    twin = lena.get("/api/portfolio").json()
    restore = twin["objectives"][0]
    assert restore["by_stage"] == {"identified": 1}
    assert restore["improvements"][0]["id"] == shown
    assert [o["key"] for o in twin["unserved"]] == ["self-service-first", "faster-changes"]
    network = twin["programmes"][1]
    assert (network["cost"], network["remaining"], network["over_budget"]) == (
        90000,
        80000 - 90000,
        True,
    )
    words = text_of(lena.get("/portfolio").text)
    assert "Objectives nobody serves Requests resolved without waiting for an agent" in words
    assert "Improvements serving it: 1 identified" in words
    assert f"{shown} Cut the time to restore network incidents (identified) : MTTR -2 h" in words
    assert "80,000 90,000 -10,000 (over budget)" in words


def test_an_unknown_objective_in_the_form_is_shown_beside_its_field(use: Workspace) -> None:
    Cli().ok("strategy", "apply", str(EXAMPLE))
    carmen = use.signed_in(CARMEN)
    values = {**values_of(improvement_doc(key="form-unknown")), "serves": "world-peace"}
    form = {"csrf": csrf_of(carmen, "/improvements/new"), **values}
    wrong = carmen.post("/improvements/new", data=form)
    assert wrong.status_code == 422
    found = re.search(r'<p class="field-error" id="serves-error">([^<]*)</p>', wrong.text)
    assert found is not None
    assert html.unescape(found.group(1)) == (
        "unknown strategic objective 'world-peace' (see: improve strategy show)"
    )


def test_the_portfolio_needs_a_signed_in_person(use: Workspace) -> None:
    anonymous = use.client()
    assert anonymous.get("/portfolio").status_code in (303, 401)
    assert anonymous.get("/api/portfolio").status_code == 401
