"""The improvement page while its plan is being shaped: the lessons of the closed improvements most
like it, escaped, and the same in its JSON twin."""

from __future__ import annotations

from pathlib import Path

from ci_workflow.store.db import transaction
from ci_workflow.store.register.improvements import get_improvement
from tests.helpers import move_to
from tests.web.conftest import Workspace
from tests.web.helpers import new_improvement

LESSONS = "Agree the <script>alert(1)</script> routing rules with the VPN vendor first."


def test_a_new_improvement_shows_the_lessons_of_similar_closed_ones(
    use: Workspace, tmp_path: Path
) -> None:
    fresh = new_improvement(
        use,
        tmp_path,
        title="Fewer VPN outages",
        service="Remote Access",
        vision="Remote staff stay connected.",
    )
    lena = use.signed_in("lena@example.org")
    assert "No closed improvement is like this one yet." in lena.get(f"/improvements/{fresh}").text
    assert lena.get(f"/api/improvements/{fresh}").json()["similar"] == []

    done = new_improvement(
        use,
        tmp_path,
        title="Route VPN incidents to the network team",
        service="Remote Access",
        vision="Tickets reach the right team.",
    )
    move_to("closed", done)
    with transaction() as session:
        improvement = get_improvement(session, done)
        improvement.lessons_learned = LESSONS
        session.add(improvement)

    html = lena.get(f"/improvements/{fresh}").text
    section = html[html.index('<h2 id="lessons">Lessons from similar improvements</h2>') :]
    section = section[: section.index("</table>")]
    assert f'<a href="/improvements/{done}">{done}</a> Route VPN incidents' in section
    assert "&lt;script&gt;alert(1)&lt;/script&gt; routing rules" in section
    assert "<script>" not in html
    assert "same process; same service; shared words: vpn" in section
    assert "mttr_hours: <span" in section and "not measured" in section
    (similar,) = lena.get(f"/api/improvements/{fresh}").json()["similar"]
    assert (similar["id"], similar["lessons"]) == (done, LESSONS)
    assert similar["verdicts"] == [{"metric": "mttr_hours", "verdict": "not measured"}]
    assert similar["same_process"] and similar["shared_words"] == ["vpn"]

    assert 'id="lessons"' not in lena.get(f"/improvements/{done}").text  # closed: none shown
    assert lena.get(f"/api/improvements/{done}").json()["similar"] is None
