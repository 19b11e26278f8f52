"""The history clock: inside ``history_at`` the register's time is the pinned past moment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from ci_workflow.domain.clock import history_at, utcnow


def test_the_clock_reads_the_pinned_moment_in_utc_to_the_second_then_goes_back() -> None:
    east = timezone(timedelta(hours=2))
    with history_at(datetime(2025, 3, 4, 12, 30, 15, 999, tzinfo=east)) as pinned:
        assert utcnow() == datetime(2025, 3, 4, 10, 30, 15, tzinfo=UTC)
        assert pinned == utcnow() and utcnow().tzinfo is not None
    assert abs(utcnow() - datetime.now(UTC)) < timedelta(minutes=1)


def test_blocks_nest_and_each_restores_the_one_outside() -> None:
    with history_at(datetime(2025, 1, 1, tzinfo=UTC)):
        with history_at(datetime(2025, 6, 1, tzinfo=UTC)):
            assert utcnow() == datetime(2025, 6, 1, tzinfo=UTC)
        assert utcnow() == datetime(2025, 1, 1, tzinfo=UTC)


def test_the_future_is_refused_within_the_clock_skew_allowed() -> None:
    soon = datetime.now(UTC) + timedelta(minutes=4)
    with history_at(soon):
        assert utcnow() == soon.replace(microsecond=0)
    later = datetime.now(UTC) + timedelta(minutes=6)
    with (
        pytest.raises(ValueError, match="is in the future: history is the past"),
        history_at(later),
    ):
        pass  # pragma: no cover
    assert abs(utcnow() - datetime.now(UTC)) < timedelta(minutes=1)
