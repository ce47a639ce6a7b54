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

import re

from flask import current_app, render_template, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from app import identity
from renderer import spam_guard

CSRF, SUBMISSION, STARTED = "\x00csrf\x00", "\x00submission\x00", "\x00started\x00"


def key(page: dict) -> tuple | None:
    """What the cached page of this request depends on, or None when it must be rendered."""
    if request.args or session.get("_flashes") or not _anonymous():
        return None
    return (
        request.script_root,
        request.path,
        str(get_locale()),
        identity.current(),
        identity.contact_for(page["form"]),
        page["seats"],
    )


def _anonymous() -> bool:
    # a log-in lives in the session only (no remember-me cookie, no request loader): a
    # session that names no user is an anonymous visitor, known without loading a user,
    # whose loading would also mark the visitor's session as changed
    return "_user_id" not in session or current_user.is_anonymous


def _part_marker(name: str) -> str:
    return f"\x00part:{name}\x00"


def render_kept(template_name: str, prepared, page_key: tuple | None, context: dict,
                parts: tuple[str, ...]) -> str:
    """*template_name* (a public page) rendered once per prepared version and *page_key*,
    and kept with this request's tokens and its blocks *parts* — what differs between
    visitors, such as their answers — replaced by markers; later requests render only
    those blocks. Without a key the whole page is rendered."""
    if page_key is None:
        return render_template(template_name, **context)
    values = tokens(context["web_form"].submission_token.data)
    kept_key = (template_name, parts, *page_key)
    kept = prepared.page(kept_key)
    if kept is None:
        kept = _keep(template_name, prepared, kept_key, context, parts, values)
        if kept is None:
            return render_template(template_name, **context)
    page = current_app.jinja_env.get_template(template_name)
    # the parts see the page's own context and the template globals (``_``), not what
    # context processors add: they show the visitor's answers only
    block_context = page.new_context(context)
    for name in parts:
        values[_part_marker(name)] = "".join(page.blocks[name](block_context))
    return fill(kept, values)


def _keep(template_name, prepared, kept_key, context, parts, values) -> str | None:
    """The page with markers for the tokens and the *parts*, kept; None if a token is not
    found exactly once (the page is then rendered whole each time)."""
    markers = {name: Markup(_part_marker(name)) for name in parts}
    child = current_app.jinja_env.from_string(
        f'{{% extends "{template_name}" %}}'
        + "".join(f"{{% block {n} %}}{{{{ kept_parts.{n} }}}}{{% endblock %}}" for n in parts)
    )
    html = render_template(child, **context, kept_parts=markers)
    kept = template(html, values)
    if kept is not None and all(kept.count(m) == 1 for m in markers.values()):
        prepared.keep_page(kept_key, kept)
        return kept
    return None


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


_MARKER = re.compile("\x00[a-z_:]+\x00")


def fill(cached: str, values: dict[str, str]) -> str:
    """A kept page with this request's tokens and parts (in one pass: what a part holds,
    such as a visitor's answer, is never read for markers)."""
    return _MARKER.sub(lambda found: values.get(found.group(), found.group()), cached)
