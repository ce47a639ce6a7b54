"""Event registration settings of a definition: capacity, waiting list, one application
per value, and the applicant's private cancel-or-change link.

In a definition's ``settings``::

    "capacity": {"limit": 100 | null, "count_field": "participants" | null, "waitlist": false},
    "one_per": "<field key>" | null,
    "show_remaining": false,          # 「残り3席」 next to limited choices and on the form
    "cancel_link": false,             # the applicant gets a private link to cancel or change
    "cancel_until": "2026-06-30T17:00" | null,   # Japan time; the link stops working then
    "changeable_fields": ["<field key>", ...],  # answers the link may change

and a choice may carry its own seats: ``{"value": "am", "label": "午前の部", "capacity": 20}``.
"""

from __future__ import annotations

import datetime as dt

from marshmallow import RAISE, Schema, ValidationError, fields

from builder.fields.base import Between
from builder.i18n import N_, Msg

#: the local date-time format of ``cancel_until``
LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


def parse_local(text: str) -> dt.datetime:
    """A ``cancel_until`` value as a naive local date-time (ValueError if malformed)."""
    return dt.datetime.strptime(text, LOCAL_FORMAT)


def _valid_local(text: str) -> None:
    try:
        parse_local(text)
    except (TypeError, ValueError):
        raise ValidationError(N_("Enter a date and time like 2026-06-30T17:00.")) from None


class CapacitySchema(Schema):
    class Meta:
        unknown = RAISE

    #: the whole form's seats; None: only the choices with a capacity are limited
    limit = fields.Integer(
        allow_none=True, load_default=None, strict=True, validate=Between(min=1, max=1_000_000)
    )
    #: a number field whose answer is the seats one application takes (default 1)
    count_field = fields.String(allow_none=True, load_default=None)
    #: when full, accept applications on a waiting list instead of refusing them
    waitlist = fields.Boolean(load_default=False)


class EventSettingsMixin(Schema):
    """The event settings, mixed into the form settings schema."""

    capacity = fields.Nested(CapacitySchema, allow_none=True)
    one_per = fields.String(allow_none=True)
    show_remaining = fields.Boolean()
    cancel_link = fields.Boolean()
    cancel_until = fields.String(allow_none=True, validate=_valid_local)
    changeable_fields = fields.List(fields.String(), validate=lambda v: len(v) <= 300)


def check(settings: dict, field_types: dict) -> dict:
    """Problems of the event settings against the form's fields, shaped like the settings.

    *field_types* maps each field key to ``(field type class, spec)``.
    """
    problems: dict = {}
    capacity = settings.get("capacity") or {}
    count_field = capacity.get("count_field")
    if count_field:
        found = field_types.get(count_field)
        if found is None or not found[0].counts_seats(found[1]):
            problems["capacity"] = {
                "count_field": [
                    Msg(
                        "“%(key)s” is not a whole-number item of this form: the number of "
                        "people must be counted by a number item without decimals.",
                        key=count_field,
                    )
                ]
            }
    one_per = settings.get("one_per")
    if one_per:
        found = field_types.get(one_per)
        if found is None or not found[0].identifies_applicant:
            problems["one_per"] = [
                Msg(
                    "“%(key)s” is not an item of this form that can tell applicants apart "
                    "(a text, e-mail, phone, number or date item).",
                    key=one_per,
                )
            ]
    changeable = settings.get("changeable_fields") or []
    unknown = [key for key in changeable if key not in field_types]
    if unknown:
        problems["changeable_fields"] = [
            Msg("There is no item “%(key)s” in this form.", key=unknown[0])
        ]
    elif one_per and one_per in changeable:
        problems["changeable_fields"] = [
            N_("The item that allows one application per value cannot be changed afterwards.")
        ]
    return problems
