"""The rules of `improve doctor`: which results fail the command, which file modes are too
loose, how the schema revision is graded, how a failing source is told, how a line reads."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ci_workflow.domain.health import (
    Check,
    exit_code,
    failing_source,
    loose_mode,
    schema_check,
)
from ci_workflow.domain.stages.gate_warnings import Failing


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ((), 0),
        (("OK",), 0),
        (("OK", "WARN", "WARN"), 0),
        (("FAIL",), 1),
        (("OK", "WARN", "FAIL", "OK"), 1),
    ],
)
def test_only_a_failed_check_fails_the_command(statuses: tuple[str, ...], expected: int) -> None:
    checks = [Check(s, "area", "text") for s in statuses]  # type: ignore[arg-type]
    assert exit_code(checks) == expected


@pytest.mark.parametrize(
    ("mode", "loose"),
    [
        (0o100600, False),  # a file, owner only
        (0o040700, False),  # a folder, owner only
        (0o100400, False),
        (0o100640, True),  # its group may read
        (0o100604, True),  # anyone may read
        (0o100602, True),  # anyone may write
        (0o040710, True),  # its group may enter
        (0o040701, True),  # anyone may enter
        (0o041777, False),  # a shared sticky folder (/tmp) is not ours to judge
        (0o041700, False),
    ],
)
def test_a_mode_is_loose_when_anyone_but_the_owner_has_a_right(mode: int, loose: bool) -> None:
    assert loose_mode(mode) is loose


def test_the_schema_at_head_is_ok_and_says_so() -> None:
    check = schema_check("register sqlite:///r.db", "0019", "0019")
    assert (check.status, check.area) == ("OK", "register")
    assert check.text == "register sqlite:///r.db reachable, schema at head (0019)"


def test_a_register_never_initialised_fails_with_improve_init() -> None:
    check = schema_check("register x", None, "0019")
    assert (check.status, check.area, check.text, check.fix) == (
        "FAIL",
        "register",
        "register x is not initialised",
        "run `improve init`",
    )


@pytest.mark.parametrize("found", ["0018", "0001", "0009"])
def test_a_schema_behind_head_fails_with_the_upgrade(found: str) -> None:
    check = schema_check("register x", found, "0019")
    assert (check.status, check.area) == ("FAIL", "register")
    assert check.text == f"register x: schema at {found}, this version needs 0019"
    assert check.fix.startswith("run `improve init` (it upgrades the schema")


@pytest.mark.parametrize("found", ["0020", "0100", "a1b2c3"])
def test_a_schema_this_version_does_not_know_asks_for_the_newer_version(found: str) -> None:
    check = schema_check("register x", found, "0019")
    assert (check.status, check.area) == ("FAIL", "register")
    assert check.text == f"register x: schema at {found}, unknown to this version (needs 0019)"
    assert (
        check.fix
        == "a newer improve wrote it: run that version, or restore a backup made by this one"
    )


@pytest.mark.parametrize(("count", "said"), [(1, "once"), (2, "2 times"), (3, "3 times")])
def test_a_failing_source_warns_with_its_count_first_day_and_last_error(
    count: int, said: str
) -> None:
    why = Failing(count, datetime(2026, 11, 2, 6, tzinfo=UTC), "ConnectError: refused")
    check = failing_source("IMP-0007", "mttr_hours", "http", why)
    assert (check.status, check.area) == ("WARN", "sources")
    assert check.text == (
        f"IMP-0007 mttr_hours: the http source failed {said} in a row since 2 Nov 2026, "
        "last error: ConnectError: refused"
    )
    assert "`improve snapshots IMP-0007`" in check.fix
    assert "`improve capture --improvement IMP-0007`" in check.fix


def test_a_line_shows_the_fix_only_for_what_is_not_ok() -> None:
    assert Check("FAIL", "smtp", "down", "start it").line() == "FAIL  smtp: down → start it"
    assert Check("WARN", "smtp", "unset", "set it").line() == "WARN  smtp: unset → set it"
    assert Check("OK", "smtp", "fine", "never shown").line() == "OK    smtp: fine"
    assert Check("FAIL", "smtp", "down").line() == "FAIL  smtp: down"
