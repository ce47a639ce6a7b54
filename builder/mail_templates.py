"""The e-mail settings of a form and the ``{{placeholder}}`` templates they hold.

Stored in a definition's ``settings.mail``::

    {"auto_reply": {"enabled": true, "field": "email", "subject": ..., "body": ...},
     "staff_notice": {"enabled": true, "recipients": ["kikaku@city.example.jp"],
                      "subject": ..., "body": ...},
     "promotion": {"subject": ..., "body": ...},
     "reply_to": "kikaku@city.example.jp"}

A template names a field by its key (``{{name}}``) or one of the ``SYSTEM_PLACEHOLDERS``.
Pure Python: no Flask, no database.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Iterable, Mapping

from marshmallow import Schema, fields, validate

from builder.i18n import N_

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")

RECEIPT_NO = "receipt_no"
FORM_TITLE = "form_title"
ANSWERS = "answers"
CANCEL_URL = "cancel_url"
#: the application's status (受付, キャンセル待ち …)
STATUS = "status"
#: the staff notification only: the record's page for staff
RECORD_URL = "record_url"
SYSTEM_PLACEHOLDERS = (RECEIPT_NO, FORM_TITLE, STATUS, ANSWERS, CANCEL_URL)
STAFF_PLACEHOLDERS = (*SYSTEM_PLACEHOLDERS, RECORD_URL)

MAX_SUBJECT = 200
MAX_BODY = 10000
MAX_RECIPIENTS = 20

def _empty_or_address(value: str) -> None:
    if value:
        validate.Email(error=N_("Enter an e-mail address such as kikaku@city.example.jp."))(value)


_subject = fields.String(
    load_default="",
    validate=validate.Length(max=MAX_SUBJECT, error=N_("Use at most 200 characters.")),
)
_body = fields.String(
    load_default="",
    validate=validate.Length(max=MAX_BODY, error=N_("Use at most 10000 characters.")),
)


class AutoReplySchema(Schema):
    enabled = fields.Boolean(load_default=False)
    #: the key of the e-mail item whose address receives the reply
    field = fields.String(load_default=None, allow_none=True)
    subject = _subject
    body = _body


class StaffNoticeSchema(Schema):
    enabled = fields.Boolean(load_default=False)
    recipients = fields.List(
        fields.Email(
            error_messages={
                "invalid": N_("Enter e-mail addresses such as kikaku@city.example.jp.")
            }
        ),
        load_default=list,
        validate=validate.Length(max=MAX_RECIPIENTS, error=N_("Enter at most 20 addresses.")),
    )
    subject = _subject
    body = _body


class PromotionSchema(Schema):
    subject = _subject
    body = _body


class MailSettingsSchema(Schema):
    auto_reply = fields.Nested(AutoReplySchema, load_default=lambda: AutoReplySchema().load({}))
    staff_notice = fields.Nested(
        StaffNoticeSchema, load_default=lambda: StaffNoticeSchema().load({})
    )
    promotion = fields.Nested(PromotionSchema, load_default=lambda: PromotionSchema().load({}))
    #: where replies to the citizen's mail go (empty: nowhere but the sender address)
    reply_to = fields.String(load_default="", validate=_empty_or_address)


def mail_settings(settings: Mapping | None) -> dict:
    """The ``mail`` part of a definition's settings, with every default filled in."""
    stored = json.dumps((settings or {}).get("mail") or {}, sort_keys=True, ensure_ascii=False)
    return copy.deepcopy(_loaded(stored))


@functools.lru_cache(maxsize=256)
def _loaded(stored: str) -> dict:
    # loading through the schema is slow and every submission of a version asks the same
    return MailSettingsSchema().load(json.loads(stored))


def placeholders(text: str) -> list[str]:
    """The placeholder names in *text*, in order, without repeats."""
    return list(dict.fromkeys(PLACEHOLDER.findall(text or "")))


def unknown_placeholders(text: str, known: Iterable[str]) -> list[str]:
    """The placeholder names in *text* that are not in *known*."""
    allowed = set(known)
    return [name for name in placeholders(text) if name not in allowed]


def render(text: str, values: Mapping[str, str]) -> str:
    """*text* with each placeholder replaced by its value (unknown ones by nothing).

    A line holding ``{{cancel_url}}`` is left out when there is no cancel link, so the
    sentence that introduces the link goes with it.
    """
    lines = []
    for line in (text or "").splitlines():
        if not values.get(CANCEL_URL) and CANCEL_URL in placeholders(line):
            continue
        lines.append(PLACEHOLDER.sub(lambda m: str(values.get(m.group(1)) or ""), line))
    return "\n".join(lines)


def one_line(text: str) -> str:
    """*text* on one line (a subject header must not break)."""
    return " ".join(text.split())
