"""Plan actions as tasks in the workspace: the improvement's plan form (assignee from the people
list, due date, status) and its JSON twin under the same rule; the overdue flag and the share
done in My work and the register, page and JSON alike."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from ci_workflow.domain.clock import utcnow
from tests.web.conftest import Workspace, csrf_of, post_form
from tests.web.helpers import new_improvement

TODAY = utcnow().date()
LATE = TODAY - timedelta(13)


def overdue_plan(use: Workspace, tmp_path: Path) -> str:
    return new_improvement(
        use,
        tmp_path,
        plan=[
            {"action": "Add a <b>routing</b> rule", "owner": "Priya Nair", "due": LATE},
            {"action": "Write it up", "owner": "Lena Fischer", "status": "done"},
        ],
    )


def test_my_work_and_the_register_flag_the_overdue_action_and_the_share_done(
    use: Workspace, tmp_path: Path
) -> None:
    shown = overdue_plan(use, tmp_path)
    priya = use.signed_in("priya@example.org")
    mine = [a for a in priya.get("/api/my-work").json()["actions"] if a["improvement"] == shown]
    assert [(a["position"], a["overdue_days"], a["overdue"]) for a in mine] == [
        (0, 13, "overdue by 13 days")
    ]
    work = priya.get("/").text
    assert "overdue by 13 days" in work and "Add a &lt;b&gt;routing&lt;/b&gt; rule" in work
    rows = priya.get("/api/register", params={"sort": "id"}).json()["improvements"]
    (row,) = [r for r in rows if r["id"] == shown]
    assert (row["plan_done_pct"], row["overdue_actions"], row["plan_overdue"]) == (
        50,
        1,
        "1 action overdue by 13 days",
    )
    register = priya.get("/register", params={"sort": "id"}).text
    assert "50 % done" in register and "1 action overdue by 13 days" in register
    page = priya.get(f"/improvements/{shown}").text
    assert 'value="50"' in page and "overdue by 13 days" in page
    assert 'name="assignee"' not in page  # the assignee sets the status, nothing more


def test_an_editor_reassigns_and_reschedules_with_the_form_or_the_api(
    use: Workspace, tmp_path: Path
) -> None:
    shown = overdue_plan(use, tmp_path)
    page, to = f"/improvements/{shown}", f"/improvements/{shown}/plan/0"
    lena = use.signed_in("lena@example.org")  # the improvement's owner
    form = lena.get(page).text
    assert 'name="assignee"' in form and "<option selected>Priya Nair</option>" in form
    later = TODAY + timedelta(7)
    sent = post_form(lena, page, to, status="in_progress", assignee="Lena Fischer", due=str(later))
    assert sent.status_code == 303
    (action, _) = lena.get(f"/api{page}").json()["improvement"]["plan"]
    assert (action["owner"], action["due"], action["status"], action["overdue"]) == (
        "Lena Fischer",
        str(later),
        "in_progress",
        "",
    )
    post_form(lena, page, to, status="in_progress", assignee="Nobody Here", due="")
    assert "assignee: nobody named" in lena.get(page).text  # said once, nothing changed
    assert lena.get(f"/api{page}").json()["improvement"]["plan"][0]["due"] == str(later)

    priya = use.signed_in("priya@example.org")
    headers = {"X-CSRF-Token": csrf_of(priya, "/")}
    api = f"/api/improvements/{shown}/plan/0"
    refused = priya.post(api, json={"due": str(LATE)}, headers=headers)
    assert refused.status_code == 403
    lena_headers = {"X-CSRF-Token": csrf_of(lena, page)}
    back = lena.post(api, json={"assignee": "Priya Nair", "due": None}, headers=lena_headers)
    assert back.json() == {"changed": f"{shown} action 1: in progress"}
    done = priya.post(api, json={"status": "done"}, headers=headers)
    assert done.status_code == 200
    (action, _) = priya.get(f"/api{page}").json()["improvement"]["plan"]
    assert (action["owner"], action["due"], action["done_on"]) == ("Priya Nair", None, str(TODAY))
    assert priya.get(f"/api{page}").json()["improvement"]["plan_done_pct"] == 100
