"""The rules of an incremental sync: the cursor, its query, periods and flattened records."""

from __future__ import annotations

import pytest

from ci_workflow.domain.records.itsm_sync import (
    Cursor,
    MissingField,
    encoded_query,
    every_minutes,
    every_text,
    flatten,
)


def test_the_cursor_moves_to_the_last_time_read_and_keeps_its_ties() -> None:
    read = [
        ("a", "2026-01-01 10:00:00"),
        ("b", "2026-01-01 10:00:05"),
        ("c", "2026-01-01 10:00:05"),
    ]
    cursor = Cursor().after(read)
    assert cursor == Cursor("2026-01-01 10:00:05", frozenset({"b", "c"}))
    assert not cursor.fresh("b", "2026-01-01 10:00:05")  # read already
    assert cursor.fresh("d", "2026-01-01 10:00:05")  # a tie not read yet
    assert cursor.fresh("b", "2026-01-01 10:00:06")  # read, then changed again
    assert not cursor.fresh("a", "2026-01-01 10:00:00")
    assert encoded_query(cursor, "sys_updated_on", "sys_id") == (
        "sys_updated_on>=2026-01-01 10:00:05^ORDERBYsys_updated_on^ORDERBYsys_id"
    )
    assert encoded_query(Cursor(), "u", "k") == "ORDERBYu^ORDERBYk"


def test_periods() -> None:
    assert [every_minutes(t) for t in ("15m", "2h", "1d", " 30 m ")] == [15, 120, 1440, 30]
    assert [every_text(m) for m in (15, 120, 1440, 90)] == ["15m", "2h", "1d", "90m"]
    for bad in ("1m", "8d", "soon", "15"):
        with pytest.raises(ValueError, match="--every"):
            every_minutes(bad)


def test_a_record_flattens_to_stored_times_and_shown_labels() -> None:
    record = {
        "opened_at": {"value": "2026-01-01 08:00:00", "display_value": "01.01.2026 09:00:00"},
        "priority": {"value": "1", "display_value": "1 - Critical"},
        "number": "INC0000001",
        "closed_at": {"value": None, "display_value": ""},
    }
    fields = ["number", "opened_at", "priority", "closed_at"]
    flat = flatten(record, fields, frozenset({"opened_at", "closed_at"}))
    assert flat == {
        "number": "INC0000001",
        "opened_at": "2026-01-01 08:00:00",
        "priority": "1 - Critical",
        "closed_at": "",
    }
    with pytest.raises(MissingField, match="u_cause"):
        flatten(record, ["u_cause"], frozenset())


def test_a_connection_is_due_once_its_period_has_passed_give_or_take_half_a_run() -> None:
    from datetime import UTC, datetime, timedelta

    from ci_workflow.domain.records.itsm_sync import due

    now = datetime(2026, 12, 1, 10, 15, 1, tzinfo=UTC)
    assert not due(None, None, now)  # on demand only
    assert due(15, None, now)  # never tried
    assert due(15, now - timedelta(minutes=14, seconds=59), now)  # a run that started late
    assert not due(15, now - timedelta(minutes=10), now)


def test_a_period_runs_from_5_minutes_to_7_days_both_included() -> None:
    assert every_minutes("5m") == 5 and every_minutes("7d") == 7 * 24 * 60
    assert every_minutes("168h") == 7 * 24 * 60
    for bad in ("4m", "10081m", "169h"):
        with pytest.raises(ValueError, match="must be between 5m and 7d"):
            every_minutes(bad)


def test_a_connection_is_due_exactly_half_a_run_before_its_period_ends() -> None:
    """Synced every 15 minutes by a run every 5: due once 12 min 30 s have passed (15 minutes
    less half a run), not a second before."""
    from datetime import UTC, datetime, timedelta

    from ci_workflow.domain.records.itsm_sync import due

    now = datetime(2026, 12, 1, 10, 15, 0, tzinfo=UTC)
    assert due(15, now - timedelta(minutes=12, seconds=30), now)
    assert not due(15, now - timedelta(minutes=12, seconds=29), now)


def test_a_listing_missing_more_than_half_and_more_than_a_handful_is_held() -> None:
    from ci_workflow.domain.records.itsm_sync import FEW_DELETED, listing_held

    assert FEW_DELETED == 10
    assert not listing_held(10, 10)  # a handful, even all of a small table
    assert listing_held(11, 21)  # 11 of 21: more than half
    assert not listing_held(11, 22)  # exactly half
    assert not listing_held(11, 23)
    assert listing_held(600, 1_000) and not listing_held(500, 1_000)
    assert not listing_held(0, 0)
