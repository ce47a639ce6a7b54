"""Keeping robots out of public forms without a third-party CAPTCHA.

Two checks, neither of which a person notices:
- a honeypot: a box hidden from people (off screen, out of the tab order, hidden from
  screen readers) that robots filling every input fill in;
- a minimum fill time: the form page carries a signed time, and an answer sent sooner than
  ATSUME_MIN_FILL_SECONDS after it was opened is not taken.
When either trips, the form comes back with the answers kept and a request to send it again,
so a real person caught by mistake loses nothing (rate limits stay as the last line).
"""

from __future__ import annotations

import time

from flask import current_app, request
from itsdangerous import BadSignature, TimestampSigner
from markupsafe import Markup

from app import signing

HONEYPOT = "homepage"
STARTED = "started"
#: an opened page older than this counts as opened now (a new time is signed)
MAX_PAGE_AGE = 24 * 3600


#: what the signed time signs along with it
_SIGNED = "started"
#: accepted as signed along with a time: ours, and the signed JSON 1 ("MQ") of the pages
#: given out before the time became a plain timestamp signature
_SIGNED_VALUES = (_SIGNED.encode(), b"MQ")


def _signer() -> TimestampSigner:
    return signing.timestamp_signer("atsume-fill-started")


def started_token() -> str:
    """The signed time the page was opened: the one the person started with, if any (one
    per request: the page and a cached copy of it name the same)."""
    made = getattr(request, "atsume_started", None)
    if made is None:
        carried = request.form.get(STARTED, "") if request.method == "POST" else ""
        if carried and _opened_at(carried) is not None:
            made = carried
        else:
            made = _signer().sign(_SIGNED).decode("ascii")
        request.atsume_started = made
    return made


def _opened_at(token: str) -> float | None:
    """When the page carrying *token* was opened; None if forged or too old (checked once
    per request)."""
    checked = request.__dict__.setdefault("atsume_opened_at", {})
    if token not in checked:
        try:
            value, signed_at = _signer().unsign(token, max_age=MAX_PAGE_AGE, return_timestamp=True)
        except BadSignature:  # SignatureExpired is a BadSignature
            checked[token] = None
        else:
            checked[token] = signed_at.timestamp() if value in _SIGNED_VALUES else None
    return checked[token]


def suspicious() -> bool:
    """Whether the posted answer looks sent by a robot (honeypot filled, or too fast)."""
    if request.form.get(HONEYPOT, "").strip():
        return True
    least = current_app.config["ATSUME_MIN_FILL_SECONDS"]
    if least <= 0:
        return False
    opened = _opened_at(request.form.get(STARTED, ""))
    return opened is None or time.time() - opened < least


def guard_inputs(label: str) -> Markup:
    """The honeypot and the signed start time, for every public form page that posts."""
    return Markup(
        '<div class="honeypot" aria-hidden="true">'
        '<label for="{hp}">{label}</label>'
        '<input type="text" id="{hp}" name="{hp}" value="" tabindex="-1" autocomplete="off">'
        "</div>"
        '<input type="hidden" name="{started}" value="{token}">'
    ).format(hp=HONEYPOT, label=label, started=STARTED, token=started_token())
