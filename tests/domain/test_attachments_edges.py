"""The edges of an attachment's rules: the content each kind must hold (checked by the table of
kinds as it is built when the module loads), the extension read after the last dot only, the
largest size kept, and the name kept: dots and blanks trimmed, a long name cut to 200 characters
keeping its last extension."""

from __future__ import annotations

import importlib
import io
import zipfile
from collections.abc import Iterator
from types import ModuleType

import pytest

import ci_workflow.domain.discussion.attachments as attachments_module
from ci_workflow.errors import UsageError

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


@pytest.fixture
def attachments() -> Iterator[ModuleType]:
    """The module loaded afresh under the test: the content checks in its table of kinds are
    built when it loads, so a fault in building them shows only if it loads here."""
    yield importlib.reload(attachments_module)


def _zip(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "media"),
    [
        ("report.pdf", b"%PDF-1.4\n", "application/pdf"),
        ("scan.png", b"\x89PNG\r\n\x1a\n\x00", "image/png"),
        ("photo.jpeg", b"\xff\xd8\xff\xdb", "image/jpeg"),
        ("sheet.xlsx", _zip("[Content_Types].xml", "xl/workbook.xml"), XLSX),
        ("memo.docx", _zip("word/document.xml", "[Content_Types].xml"), DOCX),
        ("deck.pptx", _zip("[Content_Types].xml", "docProps/app.xml", "ppt/slide1.xml"), PPTX),
    ],
)
def test_each_kind_whose_content_agrees_is_kept_as_its_media_type(
    attachments: ModuleType, name: str, data: bytes, media: str
) -> None:
    assert attachments.media_type(name, data, 10_000) == media


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("sheet.xlsx", b"not a zip at all"),
        ("sheet.xlsx", b"PK\x03\x04 but no archive follows"),
        ("sheet.xlsx", _zip("[Content_Types].xml")),
        ("sheet.xlsx", _zip("xl/workbook.xml")),
        ("sheet.xlsx", _zip("[content_types].xml", "xl/workbook.xml")),
        ("memo.docx", _zip("[Content_Types].xml", "xl/workbook.xml")),
        ("deck.pptx", _zip("[Content_Types].xml", "word/document.xml")),
        ("report.pdf", b"%pdf-1.4\n"),
        ("data.csv", b"caf\xe9;1\n"),
        ("notes.txt", b"\xff\xfe\x00"),
    ],
)
def test_content_that_is_not_what_the_extension_says_is_refused(
    attachments: ModuleType, name: str, data: bytes
) -> None:
    extension = name.split(".")[-1]
    with pytest.raises(UsageError) as refused:
        attachments.media_type(name, data, 10_000)
    assert str(refused.value) == f"file: '{name}' does not hold what a .{extension} file holds"


def test_a_text_file_with_a_byte_order_mark_is_kept(attachments: ModuleType) -> None:
    assert attachments.media_type("data.csv", b"\xef\xbb\xbfa;b\n", 100) == "text/csv"


def test_only_the_part_after_the_last_dot_is_the_extension(attachments: ModuleType) -> None:
    assert attachments.media_type("minutes.2024.v2.pdf", b"%PDF-1.7", 100) == "application/pdf"
    with pytest.raises(UsageError) as refused:
        attachments.media_type("report.pdf.exe", b"%PDF-1.7", 100)
    assert "is not a kind kept here" in str(refused.value)


@pytest.mark.parametrize("name", ["pdf", "txt", "PDF"])
def test_a_name_that_is_only_an_extension_word_has_no_extension(
    attachments: ModuleType, name: str
) -> None:
    with pytest.raises(UsageError) as refused:
        attachments.media_type(name, b"%PDF-1.7", 100)
    kinds = "csv, docx, jpeg, jpg, pdf, png, pptx, txt, xlsx"
    assert str(refused.value) == (f"file: '{name}' is not a kind kept here; attach one of {kinds}")


def test_a_file_of_exactly_the_largest_size_is_kept_and_one_byte_more_is_not(
    attachments: ModuleType,
) -> None:
    data = b"x" * 500
    assert attachments.media_type("notes.txt", data, 500) == "text/plain"
    with pytest.raises(UsageError) as refused:
        attachments.media_type("notes.txt", data + b"x", 500)
    assert str(refused.value) == (
        "file: 'notes.txt' is larger than 500 bytes, the most an attachment holds"
    )


def test_no_name_at_all_is_refused_with_the_exact_words(attachments: ModuleType) -> None:
    for name in ("", "  ", "...", "folder/", '"\u202e"'):
        with pytest.raises(UsageError) as refused:
            attachments.kept_name(name)
        assert str(refused.value) == "file: choose a file to attach"


def test_leading_and_trailing_dots_and_blanks_are_trimmed_only(attachments: ModuleType) -> None:
    assert attachments.kept_name(" ..hidden.txt. ") == "hidden.txt"
    assert attachments.kept_name("X-ray.pdf") == "X-ray.pdf"
    assert attachments.kept_name("scan of XX.pdf") == "scan of XX.pdf"
    assert attachments.kept_name("Box.X") == "Box.X"


def test_a_long_name_without_a_dot_is_cut_to_200_characters(attachments: ModuleType) -> None:
    assert attachments.kept_name("b" * 300) == "b" * 200


def test_a_long_name_keeps_its_last_extension_and_the_start_of_the_rest(
    attachments: ModuleType,
) -> None:
    name = "v1.2 " + "c" * 300 + ".pdf"
    kept = attachments.kept_name(name)
    # 200 characters: ".pdf" (4) and the first 196 of everything before the last dot.
    assert kept == "v1.2 " + "c" * 191 + ".pdf"
    assert len(kept) == 200


def test_a_name_of_exactly_200_characters_is_kept_whole(attachments: ModuleType) -> None:
    name = "d" * 196 + ".pdf"
    assert attachments.kept_name(name) == name
    assert attachments.kept_name("e" * 200) == "e" * 200
