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

from flask import current_app, render_template, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

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


#: where a page's own content goes in its kept shell (public/_layout.html)
CONTENT = "\x00content\x00"


def render_in_shell(template_name: str, prepared, page_key: tuple | None, context: dict) -> str:
    """*template_name* (a public page) with its shell — the header with the office, the
    language switch, the contact footer — kept per prepared version and *page_key*, so
    only the page's own content is rendered again. Without a key the whole page is
    rendered."""
    if page_key is None:
        return render_template(template_name, **context)
    shell_key = (template_name, *page_key)
    shell = prepared.page(shell_key)
    if shell is None:
        whole = render_template(template_name, **context, shell_marker=CONTENT)
        if whole.count(CONTENT) != 1:
            return render_template(template_name, **context)
        shell = whole
        prepared.keep_page(shell_key, shell)
    app = current_app._get_current_object()
    template = app.jinja_env.get_template(template_name)
    app.update_template_context(context)
    content = "".join(template.blocks["public_content"](template.new_context(context)))
    return shell.replace(CONTENT, content)


def tokens(submission_token: str) -> dict[str, str]:
    """marker -> this request's value (the CSRF token is the one its form fields show)."""
    made = {SUBMISSION: submission_token or "", STARTED: spam_guard.started_token()}
    if current_app.config.get("WTF_CSRF_ENABLED", True):
        made[CSRF] = generate_csrf()
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
