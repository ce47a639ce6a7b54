"""Security headers on every response: Content-Security-Policy, nosniff, Referrer-Policy,
and HSTS when the site is served over HTTPS (ATSUME_SECURE_COOKIES=1).

The policy allows no inline script or style and nothing from other origins. Who may show a
page in a frame (``frame-ancestors``) depends on the view:

- public form pages marked :func:`embeddable`: the origins in ATSUME_FRAME_ANCESTORS
  (space-separated, e.g. ``https://www.city.example.jp``), none by default;
- pages marked :func:`framed_by_own_pages` (the designer's previews): this site only;
- every other page (staff pages): nobody.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask, current_app, g, request

#: the policy's fixed part; frame-ancestors is added per view
POLICY = (
    ("default-src", "'self'"),
    ("script-src", "'self'"),
    ("style-src", "'self'"),
    ("img-src", "'self'"),
    ("font-src", "'self'"),
    ("connect-src", "'self'"),
    ("frame-src", "'self'"),
    ("object-src", "'none'"),
    ("base-uri", "'none'"),
    ("form-action", "'self'"),
)
#: a year; browsers then use HTTPS only for this host
HSTS = "max-age=31536000"
#: full address to this site's pages (CSRF checks on HTTPS need it), only the origin elsewhere
REFERRER_POLICY = "same-origin"
_POLICY_TEXT = "; ".join(f"{name} {value}" for name, value in POLICY)

_ORIGIN = re.compile(r"https?://(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:\d{1,5})?")

EMBEDDERS = "embedders"
OWN_PAGES = "self"


def embeddable(view: Callable) -> Callable:
    """Let the sites in ATSUME_FRAME_ANCESTORS show this view in a frame."""
    view.frame_ancestors = EMBEDDERS
    return view


def framed_by_own_pages(view: Callable) -> Callable:
    """Let this site's own pages (and only they) show this view in a frame."""
    view.frame_ancestors = OWN_PAGES
    return view


def embedding_origins(setting: str) -> tuple[str, ...]:
    """The origins of ATSUME_FRAME_ANCESTORS; ValueError names one that is not an origin."""
    origins = tuple(setting.split())
    bad = not_origins(origins)
    if bad:
        raise ValueError(
            f"ATSUME_FRAME_ANCESTORS: {bad[0]!r} is not an origin such as "
            "https://www.city.example.jp"
        )
    return origins


def not_origins(texts) -> list[str]:
    """Those of *texts* that are not a site's origin (scheme, host and optional port)."""
    return [text for text in texts if not _ORIGIN.fullmatch(text)]


def allow_embedding_by(origins) -> None:
    """Let *origins* too show this response in a frame (a form's own embedding sites)."""
    g.atsume_embedders = tuple(origins or ())


def _frame_ancestors() -> str:
    view = current_app.view_functions.get(request.endpoint or "")
    wanted = getattr(view, "frame_ancestors", None)
    if wanted == OWN_PAGES:
        return "'self'"
    if wanted == EMBEDDERS:
        origins = dict.fromkeys(
            (*current_app.extensions["atsume_frame_ancestors"], *g.get("atsume_embedders", ()))
        )
        return " ".join(origins) or "'none'"
    return "'none'"


def _add_headers(response):
    ancestors = _frame_ancestors()
    headers = response.headers
    headers.setdefault("Content-Security-Policy", f"{_POLICY_TEXT}; frame-ancestors {ancestors}")
    if ancestors in ("'none'", "'self'"):  # for browsers without frame-ancestors
        headers.setdefault("X-Frame-Options", "DENY" if ancestors == "'none'" else "SAMEORIGIN")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", REFERRER_POLICY)
    if current_app.config["SESSION_COOKIE_SECURE"]:
        headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def register(app: Flask) -> None:
    """Send the security headers on every response of *app* (checks the setting first)."""
    app.extensions["atsume_frame_ancestors"] = embedding_origins(
        app.config["ATSUME_FRAME_ANCESTORS"]
    )
    app.after_request(_add_headers)
