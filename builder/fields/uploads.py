"""Files of an answer while it is being sent, and how the record's column keeps them.

Kept apart from the field type so that the column type (``FileList``) can be named in
``builder.fields.base.STORAGE_TYPES``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import BinaryIO

import sqlalchemy as sa


@dataclass
class Upload:
    """One file of an answer: new in this request (``stream`` set) or held (``id`` set)."""

    name: str
    size: int = 0
    content_type: str = ""
    sha256: str = ""
    #: the new file's content, seekable (None once stored)
    stream: BinaryIO | None = None
    #: the attachment row, once the file is stored
    id: int | None = None
    #: the signed reference that brings a held file back with the next page
    token: str | None = None

    def summary(self) -> dict:
        """What the record's column keeps of this file."""
        return {"id": self.id, "name": self.name, "size": self.size, "type": self.content_type}


class BadReference:
    """A posted reference to an earlier upload that could not be verified (forged, expired
    or already used)."""


def summaries(value) -> list[dict]:
    """The stored summaries of *value*: a list of Upload objects or dicts, or JSON text."""
    if value in (None, ""):
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    if not isinstance(value, list):
        return []
    return [
        item.summary() if isinstance(item, Upload) else item
        for item in value
        if isinstance(item, (Upload, dict))
    ]


class FileList(sa.types.TypeDecorator):
    """TEXT holding the JSON list of file summaries; reads back as a list of dicts."""

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        files = summaries(value)
        return json.dumps(files, ensure_ascii=False) if files else None

    def process_result_value(self, value, dialect):
        return summaries(value) or None
