"""The whole page of an empty public form, rendered once and served again with new tokens.

A newcomer's first page differs from the next newcomer's only by three values made for
each request: the CSRF token, the submission token and the spam guard's signed time. The
rendered page is kept with those three replaced by markers, and later requests fill the
markers in instead of rendering the templates again.

Only what is the same for every such visitor is kept: an anonymous visitor (a logged-in
person's page may differ), no address arguments (they prefill answers or switch the
language), no messages waiting in the session, and a form whose choices count no seats.
The key holds everything else the page shows that can change while a version stays
published: the office's name and logo, the department's contact, the form's seats left,
the address and the language.
"""

from __future__ import annotations

from flask import request, session
from flask_babel import get_locale
from flask_login import current_user

from app import identity
from renderer import spam_guard

CSRF, SUBMISSION, STARTED = "\x00csrf\x00", "\x00submission\x00", "\x00started\x00"


def key(page: dict) -> tuple | None:
    """What the cached page of this request depends on, or None when it must be rendered."""
    if request.args or session.get("_flashes") or not current_user.is_anonymous:
        return None
    return (
        request.script_root,
        request.path,
        str(get_locale()),
        identity.current(),
        identity.contact_for(page["form"]),
        page["seats"],
    )


def tokens(web_form) -> dict[str, str]:
    """marker -> this request's value."""
    made = {
        SUBMISSION: web_form.submission_token.data or "",
        STARTED: spam_guard.started_token(),
    }
    csrf = getattr(web_form, "csrf_token", None)  # absent when CSRF checks are off
    if csrf is not None:
        made[CSRF] = csrf.current_token or ""
    return made


def template(html: str, values: dict[str, str]) -> str | None:
    """*html* with this request's tokens replaced by markers (None if one is not found
    exactly once: then the page is not kept)."""
    for marker, value in values.items():
        if not value or html.count(value) != 1:
            return None
        html = html.replace(value, marker)
    return html


def fill(cached: str, values: dict[str, str]) -> str:
    """A kept page with this request's tokens."""
    for marker, value in values.items():
        cached = cached.replace(marker, value)
    return cached
