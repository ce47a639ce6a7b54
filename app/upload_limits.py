"""Larger request bodies for the few pages that take a file (imports), smaller for the rest.

``MAX_CONTENT_LENGTH`` keeps every other request small. The limit is raised before the
body is first read (CSRF protection reads it), so this is registered ahead of it.
"""

from __future__ import annotations

from flask import Flask, current_app, g, request

#: endpoint -> the setting (MB) of the largest file it accepts
LARGE_UPLOADS = {"staff.import_records": "ATSUME_IMPORT_MAX_MB"}
#: room for the form fields sent with the file
_FORM_ROOM = 64 * 1024


def _raise_limit() -> None:
    setting = LARGE_UPLOADS.get(request.endpoint or "")
    if setting and request.method == "POST":
        megabytes = current_app.config[setting]
        g.upload_limit_mb = megabytes
        request.max_content_length = megabytes * 1024 * 1024 + _FORM_ROOM


def register(app: Flask) -> None:
    """Raise the body limit for file uploads; call before CSRF protection is set up."""
    app.before_request(_raise_limit)
