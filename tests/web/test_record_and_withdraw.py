"""Recording values and surveys, and withdrawing, from the improvement's page and its JSON
twins: the same use case as ``improve record``, ``improve survey`` and ``improve withdraw``, so
the same rule on every channel (the CLI, a signed-in browser's form, a personal token), and a
refusal audited on each."""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ci_workflow.domain.authority.actors import operating_system
from ci_workflow.services.measurement.recording import snapshots
from ci_workflow.services.people.directory import add_person
from ci_workflow.services.people.identity import set_password
from ci_workflow.services.register.browse import audit_trail
from tests.helpers import Cli, objective_doc
from tests.web.conftest import Workspace, csrf_of, password_of, post_form
from tests.web.helpers import new_improvement

# Beside the cast: people whose roles reach some improvements and not others.
EXTRA = {
    "other_team": ("Tara Team", "tara@example.org", ["improvement_team"]),
    "other_process_analyst": ("Otto Analyst", "otto@example.org", ["data_analyst:Change"]),
    "process_analyst": ("Ines Analyst", "ines@example.org", ["data_analyst:incident management"]),
    "service_analyst": (
        "Sven Analyst",
        "sven@example.org",
        ["data_analyst:service:Corporate Network"],
    ),
}
WHO = {
    "owner": "lena@example.org",
    "team_member": "priya@example.org",
    "ci_manager": "carmen@example.org",
    "process_owner": "omar@example.org",  # governs it, but records only on a team
    **{role: email for role, (_, email, _) in EXTRA.items()},
}
MAY_RECORD = {"owner", "team_member", "ci_manager", "process_analyst", "service_analyst"}
CHANNELS = ("cli", "web", "api")
CSAT = objective_doc(
    metric="csat",
    description="Satisfaction with the service desk",
    unit="",
    baseline=3.0,
    target=4.0,
    direction="increase",
    kpi_kind="customer_satisfaction",
)


@pytest.fixture(scope="module")
def people(workspace: Workspace) -> Iterator[dict[str, tuple[httpx.Client, str]]]:
    """Each person signed in (a browser's session) and with a personal token; Tara is on the
    team of another improvement."""
    import os

    saved = dict(os.environ)
    os.environ.update({k: v for k, v in workspace.env.items() if k.startswith("IMPROVE_")})
    from ci_workflow.settings import get_settings
    from ci_workflow.store.db import reset_caches

    get_settings.cache_clear()
    reset_caches()
    try:
        for name, email, roles in EXTRA.values():
            add_person(name, email=email, roles=roles, actor=operating_system("tests"))
            set_password(email, password_of(email), actor="t", channel="cli", principal="os:t")
    finally:
        os.environ.clear()
        os.environ.update(saved)
        get_settings.cache_clear()
        reset_caches()
    found = {}
    for role, email in WHO.items():
        token = httpx.post(
            f"{workspace.url}/api/tokens", json={"email": email, "password": password_of(email)}
        ).json()["token"]
        found[role] = (workspace.signed_in(email, for_test=False), token)
    yield found
    for client, _ in found.values():
        client.close()


@pytest.fixture
def improvement(use: Workspace, people: object, tmp_path: Path) -> str:
    new_improvement(use, tmp_path, team=["Lena Fischer", "Tara Team"], title="Tara's own")
    return new_improvement(use, tmp_path, objectives=[objective_doc(), CSAT])


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("role", list(WHO))
def test_who_may_record_is_the_same_on_every_channel(
    use: Workspace,
    people: dict[str, tuple[httpx.Client, str]],
    improvement: str,
    role: str,
    channel: str,
) -> None:
    email, (browser, token) = WHO[role], people[role]
    if channel == "cli":
        result = Cli().run("record", improvement, "mttr_hours", "7.5", "--as", email)
        done, said = result.exit_code == 0, result.stderr
    elif channel == "web":
        page = f"/improvements/{improvement}"
        form = {"csrf": csrf_of(browser, page), "metric": "mttr_hours", "value": "7.5"}
        answer = browser.post(f"{page}/values", data=form)
        done, said = answer.status_code == 303, answer.text
    else:
        answer = httpx.post(
            f"{use.url}/api/improvements/{improvement}/values",
            json={"metric": "mttr_hours", "value": 7.5},
            headers={"Authorization": f"Bearer {token}"},
        )
        done, said = answer.status_code == 200, answer.text
    assert done == (role in MAY_RECORD), f"{role} via {channel}: {said}"
    values = [s.value for s in snapshots(improvement)[1]]
    assert values == ([7.5] if role in MAY_RECORD else [])
    trail = audit_trail(improvement)[1]
    if role not in MAY_RECORD:
        (refused,) = [e for e in trail if e.action == "forbidden"]
        assert refused.channel == channel and "may not record values" in (refused.detail or "")
    else:
        (recorded,) = [e for e in trail if e.action == "value_recorded"]
        assert recorded.channel == channel


def test_the_page_offers_the_forms_to_who_may_use_them(
    use: Workspace, people: dict[str, tuple[httpx.Client, str]], improvement: str
) -> None:
    page = f"/improvements/{improvement}"
    lena = people["owner"][0].get(page).text
    assert 'action="/improvements/' + improvement + '/values"' in lena
    assert lena.count('name="metric" value="csat"') == 2  # a value, and a survey
    assert lena.count('action="/improvements/' + improvement + '/surveys"') == 1
    assert 'id="withdraw-reason"' in lena
    tara = people["other_team"][0].get(page).text
    assert "Record a measurement" not in tara and "withdraw-reason" not in tara
    priya = people["team_member"][0]
    acts = priya.get(f"/api{page}").json()["acts"]
    assert (acts["may_record"], acts["may_withdraw"]) == (True, False)
    assert [(o["metric"], o["manual"], o["surveyed"]) for o in acts["objectives"]] == [
        ("mttr_hours", True, False),
        ("csat", True, True),
    ]


def test_a_bad_value_says_which_field_and_records_nothing(
    use: Workspace, people: dict[str, tuple[httpx.Client, str]], improvement: str
) -> None:
    lena, page = people["owner"][0], f"/improvements/{improvement}"
    for fields, error in [
        ({"value": "seven"}, "value: &#39;seven&#39; is not a number"),
        ({"value": "7", "at": "2999-01-01"}, "as of 2999-01-01 00:00 UTC is in the future"),
        ({"value": "7", "at": "soon"}, "as of: not a date: &#39;soon&#39;"),
        ({"value": "7", "note": "x" * 1001}, "note: at most 1000 characters"),
    ]:
        sent = post_form(lena, page, f"{page}/values", metric="mttr_hours", **fields)
        assert sent.headers["location"] == f"{page}#record-mttr_hours"
        assert error in lena.get(page).text
    assert snapshots(improvement)[1] == []


def test_a_survey_uploaded_from_the_page_is_its_mean_and_the_report_shows_its_spread(
    use: Workspace, people: dict[str, tuple[httpx.Client, str]], improvement: str
) -> None:
    lena, page = people["owner"][0], f"/improvements/{improvement}"
    answers = [5, 4, 4, 3, 5, 2, 4, 4, 5, 3, 4, 1]
    rows = "".join(f"{n},{a},<i>fine</i>\n" for n, a in enumerate(answers))
    fields = {"metric": "csat", "question": "How satisfied are you?", "scale": "5"}
    post_form(lena, page, f"{page}/surveys", **fields, answers=" ")
    assert "answers per point: give how many answered each point, or a file" in lena.get(page).text
    bad = lena.post(
        f"{page}/surveys",
        data={"csrf": csrf_of(lena, page), **fields, "at": "2026-11-20"},
        files={"responses": ("r.csv", b"id,answer,comment\n1,4,ok\n2,five,no\n", "text/csv")},
    )
    assert bad.status_code == 303
    assert (
        "file: line 3, column answer: &#39;five&#39; is not a whole number" in lena.get(page).text
    )
    assert snapshots(improvement)[1] == []
    sent = lena.post(
        f"{page}/surveys",
        data={"csrf": csrf_of(lena, page), **fields, "at": "2026-11-20", "note": "Q4 <pulse>"},
        files={"responses": ("r.csv", ("id,answer,comment\n" + rows).encode(), "text/csv")},
    )
    assert sent.headers["location"] == f"{page}#record-csat"
    (stored,) = snapshots(improvement)[1]
    assert stored.value == pytest.approx(statistics.mean(answers))
    shown = lena.get(page).text
    assert "survey of 12 answers on 1–5" in shown and "Q4 &lt;pulse&gt;" in shown
    report = lena.get(f"{page}/report").text
    assert f"n = 12, SD {statistics.stdev(answers):.2f}" in report
    # The JSON twin takes the counts per point, through the same use case.
    token = people["owner"][1]
    answer = httpx.post(
        f"{use.url}/api{page}/surveys",
        json={**fields, "answers": [0, 0, 1, 2, 1], "at": "2026-11-21T00:00:00Z"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["recorded"].endswith("survey of 4 answers on 1–5, SD 0.82")


def test_withdraw_from_the_page_needs_a_reason_and_shows_it(
    use: Workspace, people: dict[str, tuple[httpx.Client, str]], improvement: str
) -> None:
    page = f"/improvements/{improvement}"
    priya = people["team_member"][0]
    refused = priya.post(f"{page}/withdraw", data={"csrf": csrf_of(priya, page), "reason": "x"})
    assert refused.status_code == 403
    lena = people["owner"][0]
    empty = post_form(lena, page, f"{page}/withdraw", reason="  ")
    assert empty.headers["location"] == f"{page}#withdraw"
    assert "a reason is required to withdraw an improvement" in lena.get(page).text
    assert lena.get(f"/api{page}").json()["improvement"]["status"] != "withdrawn"
    done = post_form(lena, page, f"{page}/withdraw", reason="Superseded by <IMP-0100>")
    assert done.headers["location"] == f"{page}#withdrawn"
    shown = lena.get(page).text
    assert f"{improvement} withdrawn" in shown
    assert "Withdrawn by Lena Fischer" in shown
    assert "<q>Superseded by &lt;IMP-0100&gt;</q>" in shown
    assert "withdraw-reason" not in shown and "Record a measurement" not in shown
    (event,) = [e for e in audit_trail(improvement)[1] if e.to_status == "withdrawn"]
    assert (event.actor, event.channel, event.detail) == (
        "Lena Fischer",
        "web",
        "Superseded by <IMP-0100>",
    )
    acts = lena.get(f"/api{page}").json()["acts"]
    assert acts["withdrawn"]["reason"] == "Superseded by <IMP-0100>"
