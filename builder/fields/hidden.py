"""A hidden item: set from the form's address, never shown to the citizen.

Used to know which poster, flyer or QR code brought an applicant: the address
``/f/kenshin?ref=poster-ekimae`` stores ``poster-ekimae`` in the item keyed ``ref``. The
value comes from the citizen's browser, so it is a hint for counting, never a proof: it is
cut to its maximum length and normalised like any short text.
"""

from __future__ import annotations

from marshmallow import Schema, fields
from wtforms import HiddenField

from builder.fields.base import Between, FieldType
from builder.i18n import N_
from builder.normalise import single_line_text


class HiddenSettings(Schema):
    default = fields.String(
        metadata={"label": N_("Value when the address does not set one")}
    )
    max_length = fields.Integer(
        load_default=100,
        validate=Between(min=1, max=200),
        metadata={"label": N_("Maximum length (longer values are cut)")},
    )


class HiddenType(FieldType):
    """A value taken from the address (``?<key>=…``), kept through the confirmation page."""

    name = "hidden"
    label = N_("Hidden (set from the address)")
    icon = "hidden"
    settings_schema = HiddenSettings
    storage_kind = "text"
    filter_ops = ("contains", "eq")
    template_macro = "hidden"
    citizen_sees = False

    def validators(self):
        return []  # a citizen cannot correct what they do not see

    def form_field(self):
        longest = self.spec.get("max_length", 100)

        def cut(value):
            return value[:longest] if isinstance(value, str) else value

        return HiddenField(
            self.title,
            filters=[single_line_text, cut],
            default=self.spec.get("default") or "",
        )
