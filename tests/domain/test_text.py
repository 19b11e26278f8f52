"""What typed text may hold: every character refused or kept, one line against paragraphs, and
the refusal's words naming the character by its code point. The expected sets are the rule's own
ranges written out here (C0, DEL and C1 controls; U+202A–U+202E and U+2066–U+2069)."""

from __future__ import annotations

from typing import Annotated

import pytest
from pydantic import BaseModel, ValidationError

from ci_workflow.domain.text import MULTI_LINE, ONE_LINE, multi_line, single_line

CONTROLS = [*range(0x00, 0x20), *range(0x7F, 0xA0)]
BIDI = [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]
# Neighbours of the refused ranges and characters that only look odd: all kept.
KEPT = [0x20, 0x7E, 0xA0, 0xAD, 0x200B, 0x200E, 0x200F, 0x2029, 0x202F, 0x2065, 0x206A, 0xFEFF]


@pytest.mark.parametrize("code", [c for c in CONTROLS if chr(c) not in "\n\t"])
def test_a_control_character_is_refused_everywhere(code: int) -> None:
    words = f"holds U+{code:04X}, a control character; only printable text is kept"
    for check in (single_line, multi_line):
        with pytest.raises(ValueError) as refused:
            check(f"before{chr(code)}after")
        assert str(refused.value) == words


@pytest.mark.parametrize("code", BIDI)
def test_a_bidirectional_control_is_refused_everywhere(code: int) -> None:
    words = f"holds U+{code:04X}, a bidirectional control; only printable text is kept"
    for check in (single_line, multi_line):
        with pytest.raises(ValueError) as refused:
            check(f"report{chr(code)}txt.exe")
        assert str(refused.value) == words


@pytest.mark.parametrize("code", KEPT)
def test_printable_text_is_kept_as_it_is(code: int) -> None:
    text = f"a{chr(code)}b"
    assert single_line(text) == text
    assert multi_line(text) == text


def test_ordinary_text_comes_back_unchanged() -> None:
    for text in ("", "Faster restarts: 40 → 10 min, für Müller's team", "مرحبا", "日本語"):
        assert single_line(text) == text
        assert multi_line(text) == text


def test_a_line_break_or_a_tab_is_named_in_one_line() -> None:
    with pytest.raises(ValueError) as refused:
        single_line("first line\nsecond line")
    assert str(refused.value) == "holds a line break; this field is one line"
    with pytest.raises(ValueError) as refused:
        single_line("name\tvalue")
    assert str(refused.value) == "holds a tab; this field is one line"


def test_paragraphs_may_hold_line_breaks_and_tabs_and_nothing_else() -> None:
    text = "First paragraph.\n\n\tIndented second.\n"
    assert multi_line(text) == text
    with pytest.raises(ValueError) as refused:
        multi_line("line one\r\nline two")
    assert str(refused.value) == ("holds U+000D, a control character; only printable text is kept")


def test_the_first_character_refused_is_the_one_named() -> None:
    with pytest.raises(ValueError) as refused:
        single_line("a\u202eb\x1bc\nd")
    assert str(refused.value) == (
        "holds U+202E, a bidirectional control; only printable text is kept"
    )
    with pytest.raises(ValueError) as refused:
        single_line("a\x1bb\u202ec")
    assert str(refused.value) == "holds U+001B, a control character; only printable text is kept"
    with pytest.raises(ValueError) as refused:
        single_line("a\nb\x1bc")
    assert str(refused.value) == "holds a line break; this field is one line"
    with pytest.raises(ValueError) as refused:
        multi_line("a\nb\x1bc\u2066")
    assert str(refused.value) == "holds U+001B, a control character; only printable text is kept"


class _Form(BaseModel):
    title: Annotated[str, ONE_LINE]
    description: Annotated[str, MULTI_LINE] = ""


def test_the_validators_refuse_in_a_model_with_the_same_words() -> None:
    assert _Form(title="ok", description="a\nb").description == "a\nb"
    with pytest.raises(ValidationError) as refused:
        _Form(title="a\nb")
    assert "holds a line break; this field is one line" in str(refused.value)
    with pytest.raises(ValidationError) as refused:
        _Form(title="ok", description="a\x00b")
    assert "holds U+0000, a control character" in str(refused.value)
