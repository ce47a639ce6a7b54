"""What a short-text box asks for (name, furigana, postal code, address…).

The purpose tells browsers what to fill in (the HTML ``autocomplete`` token) and phones
which keyboard to show (``inputmode``).
"""

from __future__ import annotations

from dataclasses import dataclass

from builder.i18n import N_


@dataclass(frozen=True)
class Purpose:
    label: str
    autocomplete: str | None = None
    inputmode: str | None = None


PURPOSES: dict[str, Purpose] = {
    "": Purpose(N_("Other")),
    "name": Purpose(N_("Full name"), "name"),
    "family_name": Purpose(N_("Family name"), "family-name"),
    "given_name": Purpose(N_("Given name"), "given-name"),
    # HTML has no token for the reading of a name: browsers must not fill the kanji name here
    "furigana": Purpose(N_("Name in kana (furigana)"), "off"),
    "organization": Purpose(N_("Company or organisation"), "organization"),
    "postal_code": Purpose(N_("Postal code"), "postal-code", "numeric"),
    "address": Purpose(N_("Address (in one box)"), "street-address"),
    "address_level1": Purpose(N_("Prefecture"), "address-level1"),
    "address_level2": Purpose(N_("City, ward, town or village"), "address-level2"),
    "address_line1": Purpose(N_("Street and number"), "address-line1"),
    "address_line2": Purpose(N_("Building and room"), "address-line2"),
}

PURPOSE_OPTIONS = [(value, purpose.label) for value, purpose in PURPOSES.items()]


def purpose_attributes(purpose: str | None) -> dict[str, str]:
    """``autocomplete`` and ``inputmode`` attributes for a text box with this purpose."""
    found = PURPOSES.get(purpose or "", PURPOSES[""])
    attributes = {}
    if found.autocomplete:
        attributes["autocomplete"] = found.autocomplete
    if found.inputmode:
        attributes["inputmode"] = found.inputmode
    return attributes
