"""The applicant's private link to view, change or cancel an application.

The link carries the record id and the record's random secret (``registration``),
signed with the app's secret key for this form only: it cannot be guessed or forged, a
form's link does not open another form's record, and it stops working at the form's
``cancel_until`` (Japan time, the office's time zone).
"""

from __future__ import annotations

import hmac

import sqlalchemy as sa
from flask import current_app, has_request_context, url_for
from itsdangerous import BadSignature, URLSafeSerializer

from app import signing
from app.events.rules import Rules
from app.extensions import db
from app.forms.published import published_definition
from app.models import Form, Registration
from app.models.types import utcnow
from app.records.store import Record


def _serializer(form: Form) -> URLSafeSerializer:
    return signing.serializer(f"atsume-entry:form-{form.id}")


def _secret(form: Form, record_id: int) -> str | None:
    return db.session.scalar(
        sa.select(Registration.secret).where(
            Registration.form_id == form.id, Registration.record_id == record_id
        )
    )


def entry_token(form: Form, record_id: int) -> str | None:
    """The token in the private link of *record_id*, or None if it has no link."""
    secret = _secret(form, record_id)
    return None if secret is None else _serializer(form).dumps([record_id, secret])


def cancel_url(form: Form, record: Record) -> str | None:
    """The full address of the applicant's link to view, change or cancel *record*, or
    None when the form offers no such link.

    In a request, the address is the request's; elsewhere (a mail worker) it starts with
    ``ATSUME_PUBLIC_URL`` (e.g. ``https://forms.city.example.jp``).
    """
    if not Rules.of(published_definition(form)).cancel_link:
        return None
    token = entry_token(form, record.id)
    if token is None:
        return None
    if has_request_context() or current_app.config.get("SERVER_NAME"):
        return url_for("events.entry", slug=form.slug, token=token, _external=True)
    with current_app.test_request_context(base_url=current_app.config["ATSUME_PUBLIC_URL"]):
        return url_for("events.entry", slug=form.slug, token=token, _external=True)


def record_id_of(form: Form, token: str) -> int | None:
    """The record a link of *form* names, or None if forged, altered or another form's."""
    try:
        payload = _serializer(form).loads(token)
    except BadSignature:
        return None
    if not (isinstance(payload, list) and len(payload) == 2):
        return None
    record_id, secret = payload
    if not isinstance(record_id, int) or not isinstance(secret, str):
        return None
    stored = _secret(form, record_id)
    if stored is None or not hmac.compare_digest(stored, secret):
        return None
    return record_id


def expired(form: Form) -> bool:
    """Whether the form's links have stopped working (its ``cancel_until`` has passed)."""
    rules = Rules.of(published_definition(form))
    ends = rules.link_expires(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return ends is not None and utcnow() >= ends
