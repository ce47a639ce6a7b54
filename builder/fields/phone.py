"""Phone numbers, read and written with libphonenumber (the ``phonenumbers`` package).

Japanese numbers are stored in their national form with the area code hyphenated as
the numbering plan says (0191-21-2111, 090-1234-5678, 03-1234-5678); numbers given with
another country code keep their international form (+44 20 7946 0958).
"""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType, ValidationResult
from wtforms import TelField
from wtforms import validators as v

from builder.fields.base import FieldType
from builder.fields.text import EmailSettings
from builder.i18n import N_
from builder.normalise import phone_text

HOME_REGION = "JP"
#: what a phone number may be written with once normalised: digits, +, hyphens, brackets
_WRITTEN = re.compile(r"\+?[0-9()\-]{1,40}")

FORMAT_EXAMPLE = N_("Enter a phone number such as 03-1234-5678.")
TOO_SHORT = N_("This phone number has too few digits.")
TOO_LONG = N_("This phone number has too many digits.")
NOT_IN_USE = N_("No phone number is written like this. Check the area code and the digits.")


class PhoneError(ValueError):
    """A phone number that cannot be used; ``message`` says why (untranslated)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def parse_phone(text: str) -> phonenumbers.PhoneNumber:
    """Read a normalised phone number (Japanese unless it starts with +); raise PhoneError."""
    if not _WRITTEN.fullmatch(text):
        raise PhoneError(FORMAT_EXAMPLE)
    try:
        number = phonenumbers.parse(text, HOME_REGION)
    except phonenumbers.NumberParseException:
        raise PhoneError(FORMAT_EXAMPLE) from None
    if phonenumbers.is_valid_number(number):
        return number
    # say what is wrong: the length for any number, else the length for a line or a mobile
    reason = phonenumbers.is_possible_number_with_reason(number)
    if reason == ValidationResult.IS_POSSIBLE:
        reason = phonenumbers.is_possible_number_for_type_with_reason(
            number, PhoneNumberType.FIXED_LINE_OR_MOBILE
        )
    if reason in (ValidationResult.TOO_SHORT, ValidationResult.INVALID_LENGTH):
        raise PhoneError(TOO_SHORT)
    if reason == ValidationResult.TOO_LONG:
        raise PhoneError(TOO_LONG)
    raise PhoneError(NOT_IN_USE)


def format_phone(number: phonenumbers.PhoneNumber) -> str:
    """0191-21-2111 for a Japanese number, +44 20 7946 0958 for another country's."""
    if phonenumbers.region_code_for_number(number) == HOME_REGION:
        return phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)


class PhoneType(FieldType):
    """A phone number, written as people write it: （０１９１）２１－２１１１, +81 90 …"""

    default_width = "medium"
    name = "tel"
    label = N_("Phone number")
    icon = "tel"
    settings_schema = EmailSettings
    storage_kind = "text"
    filter_ops = ("contains", "eq")
    searchable = True
    template_macro = "input"

    def validators(self):
        def usable(form, field):
            if not field.data:
                return
            try:
                parse_phone(field.data)
            except PhoneError as exc:
                raise v.ValidationError(self._(exc.message)) from None

        return super().validators() + [usable]

    def render_kw(self):
        return super().render_kw() | {"autocomplete": "tel", "inputmode": "tel"}

    def form_field(self):
        return self.input_field(TelField, filters=[phone_text])

    def value_from_form(self, data):
        if not data:
            return None
        return format_phone(parse_phone(data))

    def filter_clause(self, column, op, raw):
        if op == "eq":  # 0191212111 finds 0191-21-2111 as stored
            try:
                raw = format_phone(parse_phone(phone_text(raw)))
            except PhoneError:
                pass
        return super().filter_clause(column, op, raw)
