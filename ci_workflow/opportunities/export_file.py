"""Opening an ITSM export as its mapping says: plain CSV, ``.gz`` or a ``.zip`` holding one CSV, in
the declared encoding (a UTF-8 byte-order mark is read as such).

The reader (DuckDB) reads UTF-8 text, plain or gzipped, itself; anything else is decoded once into a
temporary UTF-8 file, a chunk at a time, so memory stays flat whatever the export's size.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Protocol

from ci_workflow.errors import UsageError, ValidationFailed

UTF8 = {"utf-8", "utf8", "utf-8-sig", "utf_8", "utf_8_sig"}
CHUNK = 1 << 20


class CsvLayout(Protocol):
    """What reading an export needs of its mapping (incidents, changes...)."""

    @property
    def encoding(self) -> str: ...

    @property
    def delimiter(self) -> str: ...

    @property
    def missing(self) -> str: ...

    def required_columns(self) -> set[str]: ...


@contextmanager
def readable_csv(path: Path, mapping: CsvLayout) -> Iterator[tuple[Path, list[str]]]:
    """A UTF-8 CSV (plain or gzipped) the reader can open, and its header row."""
    try:
        codecs.lookup(mapping.encoding)
    except LookupError:
        raise ValidationFailed(
            str(path), [f"{path}: encoding {mapping.encoding!r} is not a known text encoding"]
        ) from None
    utf8 = mapping.encoding.lower() in UTF8
    try:
        if path.suffix.lower() != ".zip" and utf8:
            yield path, _header(path, _text(path, mapping.encoding), mapping)
            return
        with tempfile.TemporaryDirectory(prefix="improve-export-") as folder:
            copy = Path(folder) / "export.csv"
            with _binary(path) as raw, copy.open("w", encoding="utf-8", newline="") as out:
                text = io.TextIOWrapper(raw, encoding=_bom_aware(mapping.encoding), newline="")
                shutil.copyfileobj(text, out, CHUNK)
            yield copy, _header(path, _text(copy, "utf-8"), mapping)
    except (OSError, EOFError, zipfile.BadZipFile, gzip.BadGzipFile) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise UsageError(f"{path}: cannot read: {reason}") from None
    except UnicodeDecodeError as error:
        raise ValidationFailed(
            str(path),
            [
                f"{path}: not {mapping.encoding} text (byte {error.start}): "
                "set encoding: in the mapping"
            ],
        ) from None


def _bom_aware(encoding: str) -> str:
    return "utf-8-sig" if encoding.lower() in UTF8 else encoding


def _binary(path: Path) -> IO[bytes]:
    if path.suffix.lower() == ".gz":
        return gzip.open(path, "rb")  # type: ignore[return-value]  # a binary stream
    if path.suffix.lower() == ".zip":
        archive = zipfile.ZipFile(path)
        members = [m for m in archive.infolist() if not m.is_dir()]
        if len(members) != 1:
            names = ", ".join(m.filename for m in members[:5]) or "nothing"
            raise ValidationFailed(
                str(path), [f"{path}: a zip must hold exactly one CSV; it holds {names}"]
            )
        return archive.open(members[0])
    return path.open("rb")


def _text(path: Path, encoding: str) -> IO[str]:
    return io.TextIOWrapper(_binary(path), encoding=_bom_aware(encoding), newline="")


def _header(path: Path, stream: IO[str], mapping: CsvLayout) -> list[str]:
    with stream:
        header = next(csv.reader(stream, delimiter=mapping.delimiter), None)
    if not header:
        raise ValidationFailed(str(path), [f"{path}: the file is empty"])
    absent = mapping.required_columns() - set(header)
    if absent:
        raise ValidationFailed(
            str(path),
            [f"{path}: no column {', '.join(sorted(absent))} ({_delimiter_hint(header, mapping)})"],
        )
    return header


def _delimiter_hint(header: list[str], mapping: CsvLayout) -> str:
    """A header read as one column that holds another usual delimiter was likely split wrong."""
    if len(header) == 1:
        for other in (";", ",", "\t", "|"):
            if other != mapping.delimiter and other in header[0]:
                return (
                    f"the header has one column holding {other!r}: is the delimiter {other!r}? "
                    "Set delimiter: in the mapping"
                )
    return "see the mapping"
