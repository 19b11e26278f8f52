"""Benefits in the workspace: an actual recorded from the improvement's page, validated there
by finance of its programme (refused to others, on the page and the API, and to whoever
recorded it)."""

from __future__ import annotations

import html
import re
from pathlib import Path

import yaml

from tests.services.register.test_benefits import USD, benefit_lines
from tests.services.register.test_strategy import example
from tests.web.conftest import Workspace, csrf_of
from tests.web.helpers import new_improvement
from tests.web.test_people_admin import PASSWORD, someone
from tests.web.test_portfolio import text_of

CARMEN, LENA, OMAR = "carmen@example.org", "lena@example.org", "omar@example.org"


def _planned(space: Workspace, folder: Path) -> str:
    doc = example() | {"currency": "EUR", "rates": {"USD": USD}}
    strategy = folder / "strategy.yaml"
    strategy.write_text(yaml.safe_dump(doc, sort_keys=False))
    space.improve("strategy", "apply", str(strategy))
    return new_improvement(
        space,
        folder,
        serves=["restore-faster", "fewer-repeat-incidents"],
        programme="network-resilience",
        benefits=benefit_lines(),
    )


def _record(space: Workspace, shown: str, email: str, amount: str) -> None:
    client = space.signed_in(email)
    page = f"/improvements/{shown}"
    form = {
        "csrf": csrf_of(client, page),
        "line": "overtime",
        "quarter": "2026Q3",
        "amount": amount,
        "note": "payroll",
    }
    answer = client.post(f"{page}/benefits/record", data=form)
    assert answer.status_code == 303, answer.text


def test_recorded_on_the_page_and_validated_only_by_finance_of_its_programme(
    use: Workspace, tmp_path: Path
) -> None:
    shown = _planned(use, tmp_path)
    _record(use, shown, LENA, "3,500")
    page = f"/improvements/{shown}"
    lena = use.signed_in(LENA)
    words = text_of(lena.get(page).text)
    assert "2026Q3 4,000 3,500 not yet (recorded by Lena Fischer: payroll)" in words
    assert "Validate overtime 2026Q3" not in lena.get(page).text  # not her own
    decide = {"line": "overtime", "quarter": "2026Q3", "decision": "validate"}
    for email in (LENA, OMAR):
        client = use.signed_in(email)
        refused = client.post(
            f"{page}/benefits/validate", data={"csrf": csrf_of(client, page), **decide}
        )
        assert refused.status_code == 403
    omar_api = use.signed_in(OMAR)
    assert (
        omar_api.post(
            f"/api{page}/benefits/validate",
            json={"line": "overtime", "quarter": "2026Q3"},
            headers={"X-CSRF-Token": csrf_of(omar_api, page)},
        ).status_code
        == 403
    )
    assert use.signed_in(CARMEN).get(f"/api{page}/benefits").json()["validated"] == 0
    _name, finance = someone(["finance:network-resilience"])
    client = use.signed_in(finance, PASSWORD)
    assert "Validate overtime 2026Q3" in client.get(page).text
    done = client.post(f"{page}/benefits/validate", data={"csrf": csrf_of(client, page), **decide})
    assert done.status_code == 303
    twin = client.get(f"/api{page}/benefits").json()
    assert (twin["validated"], twin["forecast"]) == (3500, 4000 + 4000 + 1000 * USD + 300)


def test_benefit_lines_round_trip_through_the_form_and_a_bad_one_is_shown_beside_its_field(
    use: Workspace, tmp_path: Path
) -> None:
    from ci_workflow.domain.improvement.spec_form import spec_of, values_of
    from tests.helpers import improvement_doc

    shown = _planned(use, tmp_path)
    carmen = use.signed_in(CARMEN)
    file = carmen.get(f"/api/improvements/{shown}/file").json()
    assert file["benefits"] == benefit_lines()  # as written: defaults left out
    assert spec_of(values_of(file)).spec["benefits"] == benefit_lines()
    doc = improvement_doc(key="form-benefits", programme="network-resilience")
    values = {**values_of(doc), "benefits": yaml.safe_dump(benefit_lines()[:1])}
    made = carmen.post(
        "/improvements/new", data={"csrf": csrf_of(carmen, "/improvements/new"), **values}
    )
    assert made.status_code == 303, made.text
    new = made.headers["location"].removeprefix("/improvements/")
    assert carmen.get(f"/api/improvements/{new}/file").json()["benefits"] == benefit_lines()[:1]
    for typed, problem in (
        ("- key: x\n  kind: [", "not YAML: while parsing a flow node"),
        (
            yaml.safe_dump([{"key": "x", "kind": "revenue", "currency": "XYZ"}]),
            "unknown currency 'XYZ': give an ISO 4217 code such as EUR or USD",
        ),
    ):
        values = {**values_of(improvement_doc(key="form-bad")), "benefits": typed}
        wrong = carmen.post(
            "/improvements/new", data={"csrf": csrf_of(carmen, "/improvements/new"), **values}
        )
        assert wrong.status_code == 422
        found = re.search(r'<p class="field-error" id="benefits-error">([^<]*)</p>', wrong.text)
        assert found is not None and problem in html.unescape(found.group(1))


def test_bad_input_on_the_page_is_said_and_nothing_is_recorded_and_a_note_is_escaped(
    use: Workspace, tmp_path: Path
) -> None:
    shown = _planned(use, tmp_path)
    page = f"/improvements/{shown}"
    lena = use.signed_in(LENA)
    for amount, said in (
        ("lots", "amount: 'lots' is not a number"),
        ("1,5", "amount: '1,5' is not a number"),  # a decimal comma is not guessed
        ("nan", "amount: 'nan' is not a number"),
        ("-5", "AMOUNT: -5 is below zero"),
    ):
        form = {
            "csrf": csrf_of(lena, page),
            "line": "overtime",
            "quarter": "2026Q3",
            "amount": amount,
        }
        answer = lena.post(f"{page}/benefits/record", data=form)
        assert answer.status_code == 303
        assert said in html.unescape(lena.get(page).text)
    assert lena.get(f"/api{page}/benefits").json()["lines"][0]["cells"][0]["actual"] is None
    form = {
        "csrf": csrf_of(lena, page),
        "line": "overtime",
        "quarter": "2026Q3",
        "amount": "1,250.5",
        "note": "<script>alert(1)</script>",
    }
    assert lena.post(f"{page}/benefits/record", data=form).status_code == 303
    cell = lena.get(f"/api{page}/benefits").json()["lines"][0]["cells"][0]
    assert cell["actual"] == 1250.5  # thousands grouped by commas are read as people write them
    text = lena.get(page).text
    assert (
        "<script>alert(1)</script>" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    )
