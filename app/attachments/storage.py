"""Where attachment content is kept, behind a small interface so an object store can follow.

``LocalStore`` (the default) writes under ``ATSUME_UPLOAD_DIR`` (``instance/uploads/``),
outside the web root, each file under a random name: never the citizen's file name.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO, Protocol

from flask import current_app

_KEY = re.compile(r"\A[0-9a-f]{32}\Z")


class AttachmentStore(Protocol):
    """Keeps file contents under keys it chooses."""

    def save(self, stream: BinaryIO) -> str:
        """Store the content of *stream* (read from its start); return its new key."""

    def open(self, key: str) -> BinaryIO:
        """The content stored under *key*, for reading (FileNotFoundError if gone)."""

    def delete(self, key: str) -> None:
        """Remove the content under *key* (nothing happens if it is gone)."""


class LocalStore:
    """Files in a folder of the local disk, two levels deep by the key's first characters."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        if not _KEY.match(key):
            raise FileNotFoundError(key)
        return self.root / key[:2] / key

    def save(self, stream: BinaryIO) -> str:
        key = secrets.token_hex(16)
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        stream.seek(0)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".part-")
        try:
            with os.fdopen(handle, "wb") as out:
                shutil.copyfileobj(stream, out, 1024 * 1024)
            os.chmod(temporary, 0o600)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        stream.seek(0)
        return key

    def open(self, key: str) -> BinaryIO:
        return self._path(key).open("rb")

    def delete(self, key: str) -> None:
        try:
            self._path(key).unlink(missing_ok=True)
        except FileNotFoundError:
            pass


def upload_store() -> AttachmentStore:
    """The store the app is configured with (ATSUME_UPLOAD_DIR)."""
    return LocalStore(current_app.config["ATSUME_UPLOAD_DIR"])
