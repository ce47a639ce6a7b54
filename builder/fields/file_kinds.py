"""The kinds of file an attachment field may accept, recognised by their content.

A file's kind is read from its bytes (the ``filetype`` signatures, and for Word and Excel
files the parts inside the ZIP container), never from its name or from the Content-Type the
browser sent: a ``.pdf`` holding a PNG is a PNG, and a renamed program is refused.
"""

from __future__ import annotations

import unicodedata
import zipfile
from dataclasses import dataclass
from typing import BinaryIO

import filetype

from builder.i18n import N_

#: bytes read to recognise a signature
HEAD_BYTES = 8192
#: the most entries a Word or Excel container may list (a ZIP bomb lists many)
MAX_ZIP_ENTRIES = 5000


@dataclass(frozen=True)
class FileKind:
    name: str
    label: str
    mime: str
    extension: str


KINDS: dict[str, FileKind] = {
    k.name: k
    for k in (
        FileKind("pdf", N_("PDF"), "application/pdf", ".pdf"),
        FileKind("jpeg", N_("JPEG image"), "image/jpeg", ".jpg"),
        FileKind("png", N_("PNG image"), "image/png", ".png"),
        FileKind("heic", N_("HEIC image (iPhone)"), "image/heic", ".heic"),
        FileKind(
            "docx",
            N_("Word (.docx)"),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ".docx",
        ),
        FileKind(
            "xlsx",
            N_("Excel (.xlsx)"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ".xlsx",
        ),
    )
}
DEFAULT_KINDS = ["pdf", "jpeg", "png"]

_BY_MIME = {
    "application/pdf": "pdf",
    "image/jpeg": "jpeg",
    "image/png": "png",
    "image/heic": "heic",
    "image/heif": "heic",
}
#: the part that makes an Office Open XML container a Word or an Excel file
_OFFICE_PARTS = {"word/document.xml": "docx", "xl/workbook.xml": "xlsx"}


def _office_kind(stream: BinaryIO) -> str | None:
    """The kind ("docx" or "xlsx") of a well-formed Office Open XML container, else None."""
    try:
        with zipfile.ZipFile(stream) as container:
            names = container.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None
    if len(names) > MAX_ZIP_ENTRIES or "[Content_Types].xml" not in names:
        return None
    for part, kind in _OFFICE_PARTS.items():
        if part in names:
            return kind
    return None


def sniff(stream: BinaryIO) -> str | None:
    """The kind name of the file in *stream* (seekable), or None if it is none of KINDS.

    The stream is left at its start.
    """
    stream.seek(0)
    head = stream.read(HEAD_BYTES)
    stream.seek(0)
    if head.startswith(b"PK\x03\x04"):
        kind = _office_kind(stream)
        stream.seek(0)
        return kind
    guessed = filetype.guess(head)
    return _BY_MIME.get(guessed.mime) if guessed is not None else None


_UNSAFE = set('\\/:*?"<>|')


def clean_filename(name: str | None, limit: int = 120) -> str:
    """The citizen's file name fit for display and downloads: no folders, no control
    characters, no characters Windows refuses, at most *limit* characters (the extension
    kept)."""
    text = unicodedata.normalize("NFC", name or "")
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(
        "_" if ch in _UNSAFE else ch
        for ch in text
        if unicodedata.category(ch)[0] != "C"
    ).strip(" .")
    if len(text) > limit:
        stem, dot, extension = text.rpartition(".")
        if dot and 0 < len(extension) <= 10:
            text = stem[: limit - len(extension) - 1] + "." + extension
        else:
            text = text[:limit]
    return text or "file"
