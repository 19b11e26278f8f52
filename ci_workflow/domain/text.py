"""What text people type may hold: no control characters (an escape sequence, a backspace, a
carriage return) and no bidirectional controls (U+202E shows ``exe.txt`` for ``txt.exe``);
line breaks and tabs only where a field is meant to hold paragraphs.

``ONE_LINE`` and ``MULTI_LINE`` are pydantic validators for ``Annotated`` field types; their
error names the first character refused, as its code point (the character itself may not show).
"""

from __future__ import annotations

import re

from pydantic import AfterValidator

BIDI_CONTROLS = "\u202a-\u202e\u2066-\u2069"
_REFUSED_IN_A_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f{BIDI_CONTROLS}]")
_REFUSED_IN_PARAGRAPHS = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{BIDI_CONTROLS}]")


def single_line(text: str) -> str:
    """``text`` if it is one line of printable text; else a ValueError naming what is refused."""
    found = _REFUSED_IN_A_LINE.search(text)
    if found is not None:
        if found.group() in "\n\t":
            raise ValueError(f"holds {_named(found.group())}; this field is one line")
        raise ValueError(_refusal(found.group()))
    return text


def multi_line(text: str) -> str:
    """``text`` if it is printable text in lines (line breaks and tabs allowed)."""
    found = _REFUSED_IN_PARAGRAPHS.search(text)
    if found is not None:
        raise ValueError(_refusal(found.group()))
    return text


def _refusal(character: str) -> str:
    kind = "a bidirectional control" if character >= "\u202a" else "a control character"
    return f"holds {_named(character)}, {kind}; only printable text is kept"


def _named(character: str) -> str:
    return {"\n": "a line break", "\t": "a tab"}.get(character, f"U+{ord(character):04X}")


ONE_LINE = AfterValidator(single_line)
MULTI_LINE = AfterValidator(multi_line)
