"""The practice page's figures are kept while the register stays the same: people signing in
do not have them added up again; the figures of a period and of the one before read the same
register once and each count their own closed improvements."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ci_workflow.errors import SignInFailed
from ci_workflow.services.people import identity
from ci_workflow.services.reporting.practice import practice_view
from ci_workflow.services.reporting.practice_page import practice_page
from ci_workflow.store.db import transaction
from ci_workflow.store.register.improvements import get_improvement
from tests.helpers import Cli, improvement_doc, write_yaml

PASSWORD = "a long enough password for tests"


def test_signing_in_keeps_the_practice_figures_a_new_improvement_does_not(
    cli: Cli, people: None, tmp_path: Path
) -> None:
    identity.set_password(
        "carmen@example.org", PASSWORD, actor="tests", channel="cli", principal="os:t"
    )
    cli.ok("apply", str(write_yaml(tmp_path, improvement_doc())))
    first = practice_page(None, None)
    identity.sign_in("carmen@example.org", PASSWORD, channel="web", source="203.0.113.9")
    with pytest.raises(SignInFailed):
        identity.sign_in("carmen@example.org", "not it", channel="web", source="203.0.113.9")
    assert practice_page(None, None) is first
    cli.ok("apply", str(write_yaml(tmp_path, improvement_doc(key="other", title="Other"))))
    again = practice_page(None, None)
    assert again is not first and again["now"]["by_stage"] == {"identified": 2}


def test_each_period_counts_its_own_closed_improvements(
    cli: Cli, people: None, tmp_path: Path
) -> None:
    end = datetime(2026, 7, 1, tzinfo=UTC)
    start = end - timedelta(days=100)
    closings = {"now": end - timedelta(days=10), "before": start - timedelta(days=10)}
    gains = {"now": 900.0, "before": 400.0}
    for key in closings:
        cli.ok("apply", str(write_yaml(tmp_path, improvement_doc(key=key, title=key.title()))))
    with transaction() as session:
        for key, closed_at in closings.items():
            improvement = get_improvement(session, key)
            improvement.status, improvement.completed_at = "closed", closed_at
            improvement.realised_gain, improvement.actual_cost = gains[key], 100.0
            session.add(improvement)
    view = practice_view(start, end)
    for period in ("now", "before"):
        assert view[period]["closed"] == 1
        # ROI of its one improvement: (gain - cost) / cost
        assert view[period]["total_roi"]["value"] == pytest.approx((gains[period] - 100) / 100)
