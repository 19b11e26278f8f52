"""The rules of talking about an improvement: who a comment mentions (by e-mail or handle; an
unknown, deactivated or ambiguous one refused by name), its bounds and paragraphs; which files
are kept (the extension and the content must agree) and the name they are kept under."""

from __future__ import annotations

import io
import zipfile

import pytest

from ci_workflow.domain.authority.people import Directory, PersonView
from ci_workflow.domain.discussion.attachments import kept_name, media_type
from ci_workflow.domain.discussion.comments import (
    MAX_COMMENT,
    checked_text,
    handle,
    mentions,
    paragraphs,
)
from ci_workflow.errors import UsageError

LENA = PersonView(1, "Lena Fischer", "lena@example.org")
OMAR = PersonView(2, "Omar Haddad", "omar@example.org")
GONE = PersonView(3, "Old Timer", "old@example.org", active=False)
PEOPLE = Directory([LENA, OMAR, GONE])


def test_a_person_is_mentioned_by_handle_or_e_mail_once_each_in_order() -> None:
    text = "@omar-haddad please look; cc @lena@example.org and again @Omar-Haddad."
    assert mentions(text, PEOPLE) == [OMAR, LENA]
    assert handle("Tomás  Silva") == "tomás-silva"
    assert mentions("write to lena@example.org, no mention", PEOPLE) == []
    assert mentions("see https://social.example/@someone and x.org/?u=@a", PEOPLE) == []
    assert mentions("(@lena-fischer's numbers, @omar@example.org.)", PEOPLE) == [LENA, OMAR]
    assert handle("Seán O'Brien") == "seán-obrien"


def test_an_unknown_deactivated_or_shared_mention_is_refused_by_name() -> None:
    with pytest.raises(UsageError, match="@nobody is nobody in the register"):
        mentions("hi @nobody", PEOPLE)
    with pytest.raises(UsageError, match=r"@zed@example\.org"):
        mentions("hi @zed@example.org", PEOPLE)
    with pytest.raises(UsageError, match="deactivated"):
        mentions("hi @old-timer", PEOPLE)
    twins = Directory([LENA, PersonView(9, "Lena Fischer", "lena2@example.org")])
    with pytest.raises(UsageError, match="names 2 people; use their e-mail"):
        mentions("@lena-fischer", twins)


def test_a_comment_is_bounded_printable_and_shown_in_paragraphs() -> None:
    assert checked_text("  one\r\ntwo\n\n\nthree  ") == "one\ntwo\n\n\nthree"
    assert paragraphs("one\ntwo\n\n\nthree") == [["one", "two"], ["three"]]
    with pytest.raises(UsageError, match="comment: write something"):
        checked_text(" \n ")
    with pytest.raises(UsageError, match="comment: 1,048,576 characters; at most 10,000"):
        checked_text("x" * 1_048_576)
    assert checked_text("x" * MAX_COMMENT) == "x" * MAX_COMMENT
    with pytest.raises(UsageError, match="comment: holds U\\+001B"):
        checked_text("red \x1b[31m")


def _office(folder: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(f"{folder}document.xml", "<x/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "media"),
    [
        ("report.pdf", b"%PDF-1.7\n...", "application/pdf"),
        ("chart.PNG", b"\x89PNG\r\n\x1a\n....", "image/png"),
        ("photo.jpg", b"\xff\xd8\xff\xe0....", "image/jpeg"),
        ("data.csv", "a;b\nÖ;1\n".encode(), "text/csv"),
        ("notes.txt", b"plain words\n", "text/plain"),
        (
            "sheet.xlsx",
            _office("xl/"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        (
            "memo.docx",
            _office("word/"),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
    ],
)
def test_a_kept_kind_whose_content_agrees_is_kept(name: str, data: bytes, media: str) -> None:
    assert media_type(name, data, 1_000_000) == media


@pytest.mark.parametrize(
    ("name", "data", "said"),
    [
        ("tool.exe", b"MZ....", "is not a kind kept here; attach one of csv, docx, jpeg"),
        ("noextension", b"%PDF-", "is not a kind kept here"),
        ("fake.pdf", b"<html><script>alert(1)</script>", "does not hold what a .pdf file holds"),
        ("page.png", b"<svg onload=alert(1)>", "does not hold what a .png file holds"),
        ("binary.txt", b"\x00\x01\x02", "does not hold what a .txt file holds"),
        ("sheet.xlsx", _office("word/"), "does not hold what a .xlsx file holds"),
        ("empty.csv", b"", "is empty"),
        ("big.txt", b"x" * 1001, "is larger than 1,000 bytes"),
    ],
)
def test_a_file_of_another_kind_or_too_large_is_refused_naming_it(
    name: str, data: bytes, said: str
) -> None:
    with pytest.raises(UsageError, match=f"^file: '{name}' {said}"):
        media_type(name, data, 1_000)


def test_a_file_is_kept_under_its_own_name_only() -> None:
    assert kept_name("C:\\Users\\me\\evidence.pdf") == "evidence.pdf"
    assert kept_name("../../etc/passwd.txt") == "passwd.txt"
    assert kept_name('we"ird\u202e\x07.csv') == "weird.csv"
    assert len(kept_name("a" * 300 + ".pdf")) == 200
    assert kept_name("a" * 300 + ".pdf").endswith(".pdf")
    with pytest.raises(UsageError, match="file: choose a file"):
        kept_name("")


def test_every_active_person_may_discuss_and_only_the_author_or_a_ci_manager_removes() -> None:
    from ci_workflow.domain.authority.people import Grant
    from ci_workflow.domain.authority.permissions import Action, allowed
    from ci_workflow.domain.vocabulary import Role

    manager = PersonView(
        4, "Carmen Ruiz", "carmen@example.org", frozenset({Grant(Role.ci_manager)})
    )
    assert allowed(Action.discuss, LENA) and not allowed(Action.discuss, GONE)
    assert allowed(Action.remove_contribution, LENA, subject_id=LENA.id)
    assert not allowed(Action.remove_contribution, OMAR, subject_id=LENA.id)
    assert allowed(Action.remove_contribution, manager, subject_id=LENA.id)
    gone_author = PersonView(3, "Old Timer", "old@example.org", active=False)
    assert not allowed(Action.remove_contribution, gone_author, subject_id=3)
