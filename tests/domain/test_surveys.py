"""Survey results: counts per scale point and CSV files of responses, their mean and spread
checked against the statistics module, and a bad file refused with its line and column."""

from __future__ import annotations

import statistics

import pytest

from ci_workflow.domain.measures.surveys import (
    MAX_FILE_BYTES,
    parse_counts,
    survey,
    survey_from_csv,
)
from ci_workflow.errors import UsageError

Q = "How satisfied are you with the service desk?"


def test_the_mean_and_spread_of_the_counts_are_those_of_the_answers() -> None:
    answers = [1] * 2 + [2] * 3 + [3] * 10 + [4] * 20 + [5] * 12
    found = survey(Q, 5, parse_counts("2, 3, 10, 20, 12"))
    assert found.responses == 47
    assert found.mean == pytest.approx(statistics.mean(answers))
    assert found.sd == pytest.approx(statistics.stdev(answers))
    assert found.statement() == f"47 answers on 1–5, SD {statistics.stdev(answers):.2f}"
    assert survey(Q, 3, [0, 1, 0]).sd == 0.0  # one answer has no spread


def test_a_csv_of_responses_counts_each_row_in_its_answer_column() -> None:
    answers = [5, 4, 4, 3, 5, 1, 2, 4, 4, 5, 3, 4]
    rows = "\n".join(f"r{i},{a},free text, with a comma" for i, a in enumerate(answers))
    data = ("respondent,Answer,comment\n" + rows + "\n\n").encode()
    found = survey_from_csv(Q, 5, data)
    assert found.counts == (1, 1, 2, 5, 3)
    assert found.mean == pytest.approx(statistics.mean(answers))
    assert found.sd == pytest.approx(statistics.stdev(answers))
    # One column: any header; a semicolon file; a byte-order mark.
    assert survey_from_csv(Q, 5, b"score\n4\n5\n").counts == (0, 0, 0, 1, 1)
    assert survey_from_csv(Q, 5, "\ufeffid;answer\n1;2\n2;2\n".encode()).counts == (0, 2, 0, 0, 0)


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (
            b"id,answer\n1,4\n2,6\n",
            "file: line 3, column answer: '6' is not a whole number from 1 to 5",
        ),
        (b"id,answer\n1,4\n2,\n", "file: line 3, column answer: '' is not a whole number"),
        (b"id,answer\n1,4.0\n", "file: line 2, column answer: '4.0' is not a whole number"),
        (b'id,answer\n1,"4\n5"\n2,x\n', "file: line 3, column answer: '4\\n5'"),
        (b"id,score\n1,4\n", "file: line 1 names no column 'answer'"),
        (b"answer\n", "file: no response below the header line"),
        (b"", "file: empty"),
        (b"answer\n4\n\xff\n", "file: line 3 is not UTF-8 text"),
        (b"answer\n" + b"4\n" * (MAX_FILE_BYTES // 2), "file: at most 2 MB"),
    ],
)
def test_a_bad_file_names_its_line_and_column(data: bytes, error: str) -> None:
    with pytest.raises(UsageError) as caught:
        survey_from_csv(Q, 5, data)
    assert str(caught.value).startswith(error)


def test_bad_counts_name_their_field() -> None:
    with pytest.raises(UsageError, match=r"^answers per point: 4 numbers for a scale of 5"):
        survey(Q, 5, [1, 2, 3, 4])
    with pytest.raises(UsageError, match=r"^answers per point: nobody answered"):
        survey(Q, 3, [0, 0, 0])
    with pytest.raises(UsageError, match=r"^answers per point: whole numbers"):
        parse_counts("1, two, 3")
    with pytest.raises(UsageError, match=r"^scale: 2 to 10 points"):
        survey(Q, 11, [1] * 11)
    with pytest.raises(UsageError, match=r"^question: say which question"):
        survey("  ", 3, [1, 1, 1])
