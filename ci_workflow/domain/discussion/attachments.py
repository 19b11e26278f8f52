"""An attachment's rules: the kinds of file kept (by extension, checked against the content),
and the name it is kept and offered under.

A file is kept only if its content is what its extension says: a PDF starts as PDFs do, an
Office file is a ZIP holding that application's parts, a CSV or text file is UTF-8 text. Nothing
kept is ever shown inline: the workspace offers it as a download only.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Callable

from ci_workflow.domain.text import BIDI_CONTROLS
from ci_workflow.errors import UsageError

MAX_NAME = 200


def _starts(*magic: bytes) -> Callable[[bytes], bool]:
    return lambda data: data.startswith(magic)


def _office(folder: str) -> Callable[[bytes], bool]:
    """A ZIP with ``[Content_Types].xml`` and the application's folder (only names are read)."""

    def check(data: bytes) -> bool:
        if not data.startswith(b"PK\x03\x04"):
            return False
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, ValueError):
            return False
        return "[Content_Types].xml" in names and any(n.startswith(folder) for n in names)

    return check


def _text(data: bytes) -> bool:
    try:
        decoded = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return re.search(f"[\x00-\x08\x0b\x0e-\x1f\x7f{BIDI_CONTROLS}]", decoded) is None


# extension → (media type served, what its content must be)
KINDS: dict[str, tuple[str, Callable[[bytes], bool]]] = {
    "pdf": ("application/pdf", _starts(b"%PDF-")),
    "png": ("image/png", _starts(b"\x89PNG\r\n\x1a\n")),
    "jpg": ("image/jpeg", _starts(b"\xff\xd8\xff")),
    "jpeg": ("image/jpeg", _starts(b"\xff\xd8\xff")),
    "csv": ("text/csv", _text),
    "txt": ("text/plain", _text),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _office("xl/")),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        _office("word/"),
    ),
    "pptx": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        _office("ppt/"),
    ),
}
ALLOWED = ", ".join(sorted(KINDS))


def kept_name(filename: str) -> str:
    """The file's own name, without its folders, control characters or surrounding blanks."""
    name = re.split(r"[\\/]", filename or "")[-1]
    name = unicodedata.normalize("NFC", name)
    name = re.sub(f'[\x00-\x1f\x7f-\x9f{BIDI_CONTROLS}"]', "", name).strip().strip(".")
    if not name:
        raise UsageError("file: choose a file to attach")
    if len(name) > MAX_NAME:
        stem, dot, extension = name.rpartition(".")
        name = (stem[: MAX_NAME - len(extension) - 1] + dot + extension) if dot else name[:MAX_NAME]
    return name


def media_type(filename: str, data: bytes, max_bytes: int) -> str:
    """The media type the file is kept as; an error naming what is wrong: empty, too large, a
    kind not kept, or content that is not what its extension says."""
    extension = filename.rpartition(".")[2].lower() if "." in filename else ""
    if extension not in KINDS:
        raise UsageError(f"file: {filename!r} is not a kind kept here; attach one of {ALLOWED}")
    if not data:
        raise UsageError(f"file: {filename!r} is empty")
    if len(data) > max_bytes:
        raise UsageError(
            f"file: {filename!r} is larger than {max_bytes:,} bytes, the most an attachment holds"
        )
    media, fits = KINDS[extension]
    if not fits(data):
        raise UsageError(f"file: {filename!r} does not hold what a .{extension} file holds")
    return media
