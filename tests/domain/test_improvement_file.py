"""An improvement's file as the register writes it back, and its version: which audit events
change the file and which of its fields, versions as API clients send them, and the text of
the file itself (dates, numbers, empty fields, blocks, width, order, unicode, comments).
Expected values are written out here, not computed by the project's code."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from ci_workflow.domain.improvement.improvement_file import (
    DEFINITION_ACTIONS,
    STARTED_MOVE,
    as_written,
    changes_definition,
    fields_of,
    number,
    parse_version,
    to_yaml,
    without_empty,
)


def test_the_actions_that_change_a_file() -> None:
    assert DEFINITION_ACTIONS == ("created", "updated", "owner_handed_over", "plan_progress")
    assert STARTED_MOVE == ("status_changed", "executing")


@pytest.mark.parametrize("action", ["created", "updated", "owner_handed_over", "plan_progress"])
def test_a_definition_action_changes_the_file_whatever_the_status(action: str) -> None:
    assert changes_definition(action, None)
    assert changes_definition(action, "closed")


def test_of_the_status_changes_only_the_move_to_executing_changes_the_file() -> None:
    assert changes_definition("status_changed", "executing")
    assert not changes_definition("status_changed", "in_review")
    assert not changes_definition("status_changed", None)
    assert not changes_definition("decision_recorded", "executing")
    assert not changes_definition("commented", None)


def test_the_fields_an_event_changed() -> None:
    assert fields_of("created", "registered from im-mttr.yaml") == ["*"]
    assert fields_of("owner_handed_over", "former owner #7: Omar handed it to Lena") == ["owner"]
    assert fields_of("plan_progress", "changed status from 'open' to 'done'") == ["plan"]
    assert fields_of("status_changed", "changed status from planned to executing") == ["started"]
    assert fields_of("updated", "changed title from im.yaml: 'a' → 'b'") == ["title"]
    assert fields_of("updated", "changed title, due_date, plan from im.yaml: ...") == [
        "title",
        "due_date",
        "plan",
    ]


def test_words_that_name_no_field_give_none() -> None:
    assert fields_of("updated", "") == []
    assert fields_of("updated", "edited the title") == []
    assert fields_of("updated", "changed Title from im.yaml") == []  # fields are lower case
    assert fields_of("updated", "changed title") == []  # no source named
    assert fields_of("updated", "then changed title from im.yaml") == []  # from the start only


@pytest.mark.parametrize(
    ("sent", "version"),
    [
        (17, 17),
        (0, 0),
        ("17", 17),
        ('"17"', 17),
        ('W/"17"', 17),
        (' "17" ', 17),
        ("0", 0),
        ("*", -1),
        ('"*"', -1),
        ('W/"*"', -1),
        ("1" * 18, 111_111_111_111_111_111),
    ],
)
def test_a_version_as_a_client_sends_it(sent: object, version: int) -> None:
    assert parse_version(sent) == version


@pytest.mark.parametrize(
    "sent",
    [
        None,
        True,
        False,
        -1,
        -17,
        "",
        '""',
        "-1",
        "17a",
        "abc",
        "**",
        "1" * 19,  # more than a 64-bit id holds
        'X"17"',  # only W/ and quotes are taken off
        '"17"W/',
        "W/17W/",
        "1 7",
        "²",  # a digit to str.isdigit, not to int()
        17.0,  # from a JSON body
        [17],
        {"version": 17},
    ],
)
def test_anything_else_is_no_version(sent: object) -> None:
    assert parse_version(sent) is None


def test_a_moment_at_midnight_utc_is_written_as_a_date() -> None:
    written = as_written(datetime(2026, 3, 2, tzinfo=UTC))
    assert written == date(2026, 3, 2)
    assert type(written) is date


def test_any_other_moment_is_written_as_a_date_time_without_its_zone() -> None:
    written = as_written(datetime(2026, 3, 2, 9, 30, tzinfo=UTC))
    assert written == datetime(2026, 3, 2, 9, 30)
    assert isinstance(written, datetime)
    assert written.tzinfo is None
    one_microsecond = as_written(datetime(2026, 3, 2, 0, 0, 0, 1, tzinfo=UTC))
    assert one_microsecond == datetime(2026, 3, 2, 0, 0, 0, 1)
    assert type(one_microsecond) is datetime


def test_the_register_s_times_are_utc_so_their_zone_is_dropped_not_converted() -> None:
    # Only UTC moments are given; the zone is taken off, the wall time kept.
    written = as_written(datetime(2026, 3, 2, 1, 0, tzinfo=timezone(timedelta(hours=1))))
    assert written == datetime(2026, 3, 2, 1, 0)


def test_no_moment_is_none() -> None:
    assert as_written(None) is None


def test_a_whole_number_is_written_as_a_person_would_type_it() -> None:
    for value, written in ((12000.0, 12000), (0.0, 0), (-3.0, -3), (7, 7)):
        found = number(value)
        assert found == written
        assert type(found) is int
    assert number(2.5) == 2.5
    assert number(-0.25) == -0.25
    assert number(None) is None


def test_empty_fields_are_left_out_unless_kept() -> None:
    mapping: dict[str, object] = {
        "a": None,
        "b": "",
        "c": [],
        "d": 0,
        "e": False,
        "f": {},
        "g": "x",
        "h": [0],
    }
    assert without_empty(mapping) == {"d": 0, "e": False, "f": {}, "g": "x", "h": [0]}
    assert list(without_empty(mapping)) == ["d", "e", "f", "g", "h"]
    assert without_empty(mapping, keep=("a", "c")) == {
        "a": None,
        "c": [],
        "d": 0,
        "e": False,
        "f": {},
        "g": "x",
        "h": [0],
    }
    assert without_empty({"b": "XXXX", "i": " "}) == {"b": "XXXX", "i": " "}


DESCRIPTION = (
    "Restarts of the payment gateway after each release take too long because the runbooks in"
    " use are out of date"
)


def test_the_file_s_text() -> None:
    document = {
        "title": "Faster restarts for Müller's team",
        "ref": "IM-7",
        "description": DESCRIPTION,
        "problem": "Restarts take 40 min.\nThe runbook is from 2019.",
        "notes": "one\ntwo\n",
        "baseline": 12000,
        "started": date(2026, 3, 2),
        "source": {"kind": "http", "params": {"q": "x"}},
        "plan": [{"action": "rewrite the runbook", "owner": "Lena"}],
    }
    # Keys in the document's order; unicode as it is; a long text folded after column 100 with
    # a two-space indent; texts of several lines as blocks ("|-" without a final line break).
    assert to_yaml(document) == (
        "title: Faster restarts for Müller's team\n"
        "ref: IM-7\n"
        "description: Restarts of the payment gateway after each release take too long because"
        " the runbooks in\n"
        "  use are out of date\n"
        "problem: |-\n"
        "  Restarts take 40 min.\n"
        "  The runbook is from 2019.\n"
        "notes: |\n"
        "  one\n"
        "  two\n"
        "baseline: 12000\n"
        "started: 2026-03-02\n"
        "source:\n"
        "  kind: http\n"
        "  params:\n"
        "    q: x\n"
        "plan:\n"
        "- action: rewrite the runbook\n"
        "  owner: Lena\n"
    )


def test_a_text_of_one_line_is_never_a_block() -> None:
    assert to_yaml({"a": "x", "b": "it's: 1"}) == "a: x\nb: 'it''s: 1'\n"


def test_a_block_that_cannot_hold_a_text_gives_way_to_quotes() -> None:
    assert to_yaml({"a": "x \ny"}) == 'a: "x \\ny"\n'


def test_the_same_object_twice_is_written_twice_without_anchors() -> None:
    shared = ["a", "b"]
    owner = {"name": "Lena"}
    assert to_yaml({"x": shared, "y": shared, "o": owner, "p": owner}) == (
        "x:\n- a\n- b\ny:\n- a\n- b\no:\n  name: Lena\np:\n  name: Lena\n"
    )


def test_the_header_comes_first_as_comment_lines() -> None:
    assert to_yaml({"a": 1}, header="IM-7, version 17\nedit and apply") == (
        "# IM-7, version 17\n# edit and apply\na: 1\n"
    )
    assert to_yaml({"a": 1}, header="") == "a: 1\n"
    assert to_yaml({"a": 1}) == "a: 1\n"
