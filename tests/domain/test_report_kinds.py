"""Report files named for what they are, and words saying which is which."""

from datetime import UTC, datetime

from ci_workflow.domain.stages.report_kinds import canonical, file_name, label, on_request

MADE = datetime(2026, 11, 12, 9, 30, tzinfo=UTC)


def test_the_lifecycles_review_rounds_and_old_names_are_interim_reports_with_their_attempt() -> (
    None
):
    assert canonical("review-2") == "interim-2"
    assert canonical("review") == "interim"
    assert [canonical(k) for k in ("interim-1", "final", "sustained")] == [
        "interim-1",
        "final",
        "sustained",
    ]
    assert file_name(1, canonical("review-2"), "html") == "imp-0001-interim-2.html"
    assert file_name(12, "final", "md") == "imp-0012-final.md"


def test_a_report_asked_for_is_interim_until_the_review_is_signed_off() -> None:
    assert [on_request(s) for s in ("defined", "executing", "in_review")] == ["interim"] * 3
    assert [on_request(s) for s in ("consolidating", "closed")] == ["final", "final"]


def test_each_kind_says_which_report_it_is_and_when_old_names_too() -> None:
    assert label("final", MADE) == "Final review, 12 Nov 2026"
    assert label("sustained", MADE) == "Sustained: did the gain hold, 12 Nov 2026"
    assert label("interim-2", MADE) == "Interim report at review, attempt 2, 12 Nov 2026"
    assert label("review-2", MADE) == label("interim-2", MADE)
    assert (
        label("interim", MADE)
        == label("review", MADE)
        == ("Interim report, on request, 12 Nov 2026")
    )
