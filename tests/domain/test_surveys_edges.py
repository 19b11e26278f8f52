"""Survey edges: the limits of a question, a scale, a count and a file taken exactly at their
bounds, the exact messages of refusals, and how a file's separator is chosen from its first line."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ci_workflow.domain.measures.surveys import (
    MAX_FILE_BYTES,
    MAX_QUESTION,
    MAX_RESPONSES,
    parse_counts,
    survey,
    survey_from_csv,
)
from ci_workflow.errors import UsageError

Q = "How satisfied are you?"


def _refusal(call: Callable[..., object], *args: object) -> str:
    with pytest.raises(UsageError) as caught:
        call(*args)
    return str(caught.value)


# -- survey(): the question, the scale and the counts at their bounds ----------------------------


def test_the_question_is_kept_with_its_spaces_collapsed() -> None:
    found = survey("  How   satisfied\n are\tyou?  ", 3, [1, 2, 3])
    assert found.question == "How satisfied are you?"
    assert found.scale == 3
    assert found.counts == (1, 2, 3)


def test_a_question_of_exactly_the_longest_length_is_taken_one_more_is_refused() -> None:
    assert MAX_QUESTION == 500
    longest = "q" * 500
    assert survey(longest, 3, [1, 1, 1]).question == longest
    assert _refusal(survey, "q" * 501, 3, [1, 1, 1]) == "question: at most 500 characters"


@pytest.mark.parametrize("scale", [2, 10])
def test_the_smallest_and_largest_scales_are_taken(scale: int) -> None:
    found = survey(Q, scale, [1] * scale)
    assert found.scale == scale
    assert found.responses == scale


@pytest.mark.parametrize("scale", [1, 11])
def test_a_scale_just_outside_is_refused(scale: int) -> None:
    assert _refusal(survey, Q, scale, [1] * scale) == (
        f"scale: 2 to 10 points (answers 1 … N), not {scale}"
    )


def test_a_negative_count_is_refused_with_its_message() -> None:
    assert _refusal(survey, Q, 3, [2, -1, 2]) == "answers per point: a count cannot be negative"


def test_exactly_the_most_answers_are_taken_one_more_is_refused() -> None:
    assert MAX_RESPONSES == 100_000
    assert survey(Q, 2, [60_000, 40_000]).responses == 100_000
    assert _refusal(survey, Q, 2, [60_000, 40_001]) == "answers per point: at most 100000 answers"


# -- parse_counts() ---------------------------------------------------------------------------


def test_counts_may_be_separated_by_semicolons_and_a_trailing_comma_is_ignored() -> None:
    assert parse_counts("1;2; 3") == [1, 2, 3]
    assert parse_counts("4, 5,") == [4, 5]
    assert parse_counts(" 7 ,, 8 ; ") == [7, 8]


# -- survey_from_csv(): the file's size, its lines and its rows ---------------------------------


def test_a_file_of_exactly_the_largest_size_is_read() -> None:
    assert MAX_FILE_BYTES == 2_000_000
    head = b"answer,comment\n"
    row = b"1," + b"x" * 37 + b"\n"  # 40 bytes
    rows = 49_999
    last_len = 2_000_000 - len(head) - rows * len(row)
    last = b"4," + b"x" * (last_len - 3) + b"\n"
    data = head + row * rows + last
    assert len(data) == 2_000_000
    assert survey_from_csv(Q, 5, data).counts == (49_999, 0, 0, 1, 0)
    assert _refusal(survey_from_csv, Q, 5, data + b"x") == "file: at most 2 MB"


def test_blank_lines_between_responses_are_skipped_not_the_end() -> None:
    data = b"id,answer\n1,4\n\n,\n  ,  \n2,5\n\n3,1\n"
    assert survey_from_csv(Q, 5, data).counts == (1, 0, 0, 1, 1)


def test_a_row_too_short_to_reach_the_answer_column_names_an_empty_answer() -> None:
    assert _refusal(survey_from_csv, Q, 5, b"id,answer\n1,4\n2\n") == (
        "file: line 3, column answer: '' is not a whole number from 1 to 5; nothing was recorded"
    )


def test_windows_line_endings_inside_a_quoted_answer_are_kept_as_written() -> None:
    data = b'id,answer\r\n1,4\r\n2,"4\r\n5"\r\n'
    assert _refusal(survey_from_csv, Q, 5, data) == (
        "file: line 4, column answer: '4\\r\\n5' is not a whole number from 1 to 5; "
        "nothing was recorded"
    )


def test_old_mac_line_endings_are_lines() -> None:
    assert survey_from_csv(Q, 5, b"answer\r4\r5\r5\r").counts == (0, 0, 0, 1, 2)


def test_exactly_the_most_responses_are_read_one_more_names_its_line() -> None:
    data = b"answer\n" + b"1\n" * 100_000
    assert survey_from_csv(Q, 2, data).counts == (100_000, 0)
    # The header is line 1, so the 100,001st response is on line 100,002.
    assert _refusal(survey_from_csv, Q, 2, data + b"2\n") == (
        "file: line 100002: more than 100000 responses"
    )


def test_a_missing_answer_column_is_named_with_the_header() -> None:
    assert _refusal(survey_from_csv, Q, 5, b"id, Score\n1,4\n") == (
        "file: line 1 names no column 'answer' ('id', ' Score'); name the column of the answers so"
    )


# -- the separator: chosen from the first line alone -------------------------------------------


def test_a_semicolon_header_holds_even_when_a_later_line_has_a_comma() -> None:
    data = b"id;answer;note\n1;4;fine, thanks\n2;5;ok\n"
    assert survey_from_csv(Q, 5, data).counts == (0, 0, 0, 1, 1)


def test_a_header_with_commas_and_semicolons_is_split_on_commas() -> None:
    data = b"id,answer,note;more\n1,4,a;b\n"
    assert survey_from_csv(Q, 5, data).counts == (0, 0, 0, 1, 0)


def test_a_tab_separated_file_is_read() -> None:
    data = b"id\tanswer\n1\t3\n2\t3\n"
    assert survey_from_csv(Q, 5, data).counts == (0, 0, 2, 0, 0)


def test_a_header_with_commas_and_tabs_is_split_on_commas() -> None:
    data = b"answer,note\tmore\n4,a\tb\n"
    assert survey_from_csv(Q, 5, data).counts == (0, 0, 0, 1, 0)


def test_a_single_column_header_splits_later_lines_on_commas() -> None:
    # No separator in the first line: commas, so a row's extra cells are left alone.
    assert survey_from_csv(Q, 5, b"score\n4,extra\n2,x\n").counts == (0, 1, 0, 1, 0)


def test_a_cell_past_the_csv_limit_is_refused_in_words() -> None:
    from ci_workflow.domain.measures.surveys import survey_from_csv

    data = ("answer,comment\n1," + "x" * 140_000 + "\n").encode()
    with pytest.raises(UsageError) as refused:
        survey_from_csv("How satisfied?", 5, data)
    assert str(refused.value) == (
        "file: not read as CSV (field larger than field limit (131072)); nothing was recorded"
    )
