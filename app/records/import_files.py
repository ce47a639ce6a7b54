"""Uploaded import files, kept under ``instance/imports`` between the mapping, the dry run
and the commit; each belongs to one user and one form, and is removed after the commit or
when it is a day old."""

from __future__ import annotations

import json
import secrets
import time
from pathlib import Path

from flask import current_app

#: how long an upload waits for its commit
MAX_AGE_SECONDS = 24 * 3600


def _folder() -> Path:
    folder = Path(current_app.instance_path) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save(data: bytes, name: str, user_id: int, form_id: int) -> str:
    """Keep *data*; return the token that finds it again."""
    _remove_old()
    token = secrets.token_urlsafe(18)
    folder = _folder()
    (folder / f"{token}.data").write_bytes(data)
    meta = {"name": name, "user_id": user_id, "form_id": form_id, "at": time.time()}
    (folder / f"{token}.json").write_text(json.dumps(meta), encoding="utf-8")
    return token


def load(token: str, user_id: int, form_id: int) -> tuple[bytes, str] | None:
    """(data, file name) of the user's upload for the form; None if there is none."""
    if not token or not token.replace("-", "").replace("_", "").isalnum():
        return None
    folder = _folder()
    try:
        meta = json.loads((folder / f"{token}.json").read_text(encoding="utf-8"))
        data = (folder / f"{token}.data").read_bytes()
    except (OSError, ValueError):
        return None
    if meta.get("user_id") != user_id or meta.get("form_id") != form_id:
        return None
    return data, meta.get("name", "")


def remove(token: str) -> None:
    folder = _folder()
    for suffix in (".data", ".json"):
        (folder / f"{token}{suffix}").unlink(missing_ok=True)


def _remove_old() -> None:
    limit = time.time() - MAX_AGE_SECONDS
    for path in _folder().glob("*.json"):
        try:
            if path.stat().st_mtime < limit:
                remove(path.stem)
        except OSError:
            continue
