"""Creating and editing an improvement in the browser's form, over HTTP (issue 22): the same
checks as apply with each problem beside its field and the form kept as typed, rows added
without saving, who may create, frozen fields read-only with why, a secret kept masked, an edit
from an older version shown what changed since with nothing lost, and the rework loop's
resubmit that asks for a reason when nothing changed."""

from __future__ import annotations

import html
import re
import uuid
from pathlib import Path
from typing import Any

import httpx

from ci_workflow.domain.improvement.spec_form import values_of
from ci_workflow.services.lifecycle.gate_decisions import Outcome, decide_gate
from ci_workflow.services.lifecycle.gate_opening import open_gate
from ci_workflow.services.lifecycle.stages import define_stage
from tests.helpers import Cli, improvement_doc, objective_doc
from tests.web.conftest import Workspace, csrf_of
from tests.web.helpers import new_improvement, waiting_at_plan_approval

CARMEN, LENA, OMAR = "carmen@example.org", "lena@example.org", "omar@example.org"
SECRET = {
    "kind": "http",
    "url": "https://survey.example.org/api/scores",
    "path": "data.average",
    "headers": {"Authorization": "Bearer t0ken"},
}


def form_of(doc: dict[str, Any], **changed: str) -> dict[str, str]:
    return {**values_of(doc), **changed}


def send(client: httpx.Client, page: str, to: str, values: dict[str, str]) -> httpx.Response:
    return client.post(to, data={"csrf": csrf_of(client, page), **values})


def version_in(page: str) -> str:
    found = re.search(r'name="version" value="(\d+)"', page)
    assert found, "no version in the form"
    return found.group(1)


def shown_value(page: str, name: str) -> str:
    found = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', page)
    assert found, f"no field {name}"
    return html.unescape(found.group(1))


def beside(page: str, name: str) -> str:
    """The problem shown beside a field."""
    found = re.search(rf'<p class="field-error" id="{re.escape(name)}-error">([^<]*)</p>', page)
    assert found, f"no problem beside {name}"
    return html.unescape(found.group(1))


def test_a_ci_manager_creates_one_and_its_file_applies_unchanged(
    use: Workspace, tmp_path: Path
) -> None:
    carmen = use.signed_in(CARMEN)
    assert "New improvement" in carmen.get("/register").text
    doc = improvement_doc(key="form-made", objectives=[objective_doc(due="2026-10-01")])
    wrong = send(carmen, "/improvements/new", "/improvements/new", form_of(doc))
    assert wrong.status_code == 422
    assert beside(wrong.text, "objectives[0].due") == (
        "due date 2026-10-01 must be after the identification date 2026-11-02"
    )
    assert shown_value(wrong.text, "title") == doc["title"]  # kept as typed
    assert shown_value(wrong.text, "objectives[0].due") == "2026-10-01"
    right = form_of(doc, **{"objectives[0].due": "2027-03-31"})
    made = send(carmen, "/improvements/new", "/improvements/new", right)
    assert made.status_code == 303, made.text
    shown = made.headers["location"].removeprefix("/improvements/")
    assert f"{shown} registered: form-made" in carmen.get(made.headers["location"]).text
    (tmp_path / "form-made.yaml").write_text(carmen.get(f"/improvements/{shown}.yaml").text)
    assert Cli().ok("apply", str(tmp_path / "form-made.yaml")).stdout == (
        f"{shown} unchanged: form-made\n"
    )


def test_only_a_ci_manager_or_a_process_owner_may_create(use: Workspace) -> None:
    lena = use.signed_in(LENA)
    assert "New improvement" not in lena.get("/register").text
    assert lena.get("/improvements/new").status_code == 403
    assert lena.get("/api/improvements/new").status_code == 403
    assert use.signed_in(OMAR).get("/api/improvements/new").json()["people"]


def test_add_another_comes_back_with_one_more_blank_row_and_saves_nothing(
    use: Workspace,
) -> None:
    omar = use.signed_in(OMAR)
    page = omar.get("/improvements/new").text
    assert 'name="objectives[1].metric"' in page and 'name="objectives[2].metric"' not in page
    values = form_of(improvement_doc(key="form-more"), more="objectives")
    more = send(omar, "/improvements/new", "/improvements/new", values)
    assert more.status_code == 200
    assert 'name="objectives[1].metric"' in more.text and shown_value(more.text, "key") == (
        "form-more"
    )
    assert omar.get("/improvements/form-more.yaml").status_code == 404


def test_an_edit_from_an_older_version_shows_what_changed_and_keeps_what_was_typed(
    use: Workspace, tmp_path: Path
) -> None:
    shown = new_improvement(use, tmp_path)
    lena, carmen = use.signed_in(LENA), use.signed_in(CARMEN)
    edit = f"/improvements/{shown}/edit"
    mine = lena.get(edit).text
    theirs = carmen.get(edit).text
    assert version_in(mine) == version_in(theirs)
    doc = carmen.get(f"/api/improvements/{shown}/file").json()
    doc.pop("version")
    saved = send(
        carmen, edit, edit, {**form_of(doc, title="Faster restores"), "version": version_in(theirs)}
    )
    assert saved.status_code == 303
    late = {**form_of(doc, scope="LAN only"), "version": version_in(mine)}
    conflict = send(lena, edit, edit, late)
    assert conflict.status_code == 409
    page = html.unescape(conflict.text)
    assert "Someone saved a newer version while you were editing" in page
    assert (
        "<td>title</td><td>'Cut the time to restore network incidents'</td><td>'Faster restores'</td>"
        in page
    )
    assert 'id="scope" name="scope" rows="3">LAN only</textarea>' in page  # hers, kept
    again = {**late, "version": version_in(conflict.text)}
    assert version_in(conflict.text) != version_in(mine)
    assert send(lena, edit, edit, again).status_code == 303
    after = lena.get(f"/api/improvements/{shown}/file").json()
    assert (after["scope"], after["title"]) == ("LAN only", doc["title"])  # hers, over his


def test_frozen_fields_are_read_only_with_why_and_refused_if_sent(
    use: Workspace, tmp_path: Path
) -> None:
    shown = waiting_at_plan_approval(use, tmp_path)
    lena = use.signed_in(LENA)
    edit = f"/improvements/{shown}/edit"
    page = lena.get(edit).text
    for name in ("process", "owner", "objectives[0].target", "objectives[0].baseline"):
        assert re.search(rf'name="{re.escape(name)}" value="[^"]*" readonly', page), name
    assert re.search(r'name="title" value="[^"]*">', page)  # the title may change
    assert "Its plan went for approval on" in page
    assert "Add another objective" not in page
    doc = lena.get(f"/api/improvements/{shown}/file").json()
    doc.pop("version")
    sent = {**form_of(doc, **{"objectives[0].target": "5"}), "version": version_in(page)}
    refused = send(lena, edit, edit, sent)
    assert refused.status_code == 422
    assert "cannot change once its plan went for approval" in html.unescape(refused.text)


def test_a_secret_is_shown_masked_and_kept(use: Workspace, tmp_path: Path) -> None:
    shown = new_improvement(use, tmp_path, objectives=[objective_doc(source=SECRET)])
    lena = use.signed_in(LENA)
    edit = f"/improvements/{shown}/edit"
    page = lena.get(edit).text
    assert "Authorization: ***" in page and "t0ken" not in page
    doc = lena.get(f"/api/improvements/{shown}/file").json()
    version = str(doc.pop("version"))
    sent = {**form_of(doc, title="Survey scores up"), "version": version}
    assert send(lena, edit, edit, sent).status_code == 303
    assert Cli().json("show", shown)["title"] == "Survey scores up"
    from tests.web.test_improvement_file import _stored_source

    assert _stored_source(Cli().json("show", shown)["key"])["headers"] == SECRET["headers"]


def test_resubmitting_unchanged_asks_for_a_reason(use: Workspace, tmp_path: Path) -> None:
    shown = new_improvement(use, tmp_path)
    number, run = int(shown.split("-")[1]), str(uuid.uuid4())
    define_stage(number, run)
    open_gate(number, "plan_approval", 1, run)
    rework = {"by": "Omar Haddad", "decision": "rework", "comment": "Aim for 5 hours"}
    assert decide_gate(number, "plan_approval", 1, rework).outcome is Outcome.taken
    open_gate(number, "resubmitted", 1, run)
    lena = use.signed_in(LENA)
    page = html.unescape(lena.get(f"/improvements/{shown}").text)
    assert "Rework requested" in page and "Aim for 5 hours" in page
    assert "needed: nothing changed since the rework" in page
    token = csrf_of(lena, "/me")
    form = {"csrf": token, "decision": "resubmit", "gate": "resubmitted-1"}
    sent = lena.post(f"/improvements/{shown}/decide", data=form)
    said = html.unescape(lena.get(sent.headers["location"]).text)
    assert "Nothing changed since the rework: edit the improvement first" in said


def test_the_share_of_the_gain_to_keep_goes_through_the_form_and_back(
    use: Workspace, tmp_path: Path
) -> None:
    shown = new_improvement(use, tmp_path)
    carmen = use.signed_in(CARMEN)
    edit = f"/improvements/{shown}/edit"
    page = carmen.get(edit).text
    assert shown_value(page, "sustain_keep") == "50%"  # the default, written out
    doc = carmen.get(f"/api/improvements/{shown}/file").json()
    doc.pop("version")
    wrong = send(
        carmen, edit, edit, {**form_of(doc, sustain_keep="eighty"), "version": version_in(page)}
    )
    assert wrong.status_code == 422
    assert beside(wrong.text, "sustain_keep") == "not a share of the gain: 'eighty' (e.g. 50%)"
    assert shown_value(wrong.text, "sustain_keep") == "eighty"  # kept as typed
    saved = send(
        carmen, edit, edit, {**form_of(doc, sustain_keep="80%"), "version": version_in(page)}
    )
    assert saved.status_code == 303, saved.text
    assert "sustain_keep: 80%" in carmen.get(f"/improvements/{shown}.yaml").text
    assert shown_value(carmen.get(edit).text, "sustain_keep") == "80%"
    trail = Cli().json("audit", shown)
    assert trail[-1]["detail"].endswith(": sustain_keep 50% → 80%"), trail
