"""The improvement form explains, beside the field, what people otherwise learn from a surprise:
the execution start splits the review's before and after; the CSV source's rate; the process
owner named in the file versus any process owner of the process deciding."""

from __future__ import annotations

import html

from tests.web.conftest import Workspace, password_of

CARMEN = "carmen@example.org"


def test_the_new_improvement_form_explains_start_rate_and_process_owner(use: Workspace) -> None:
    page = html.unescape(use.signed_in(CARMEN, password_of(CARMEN)).get("/improvements/new").text)
    assert "The review compares the measurements before this day with those after it" in page
    assert "rate = the share (0 to 1) of rows whose value column is true, yes, y or 1" in page
    assert "Any process owner of the process, or a CI manager, may decide its gates" in page
