"""Input normalisation for what Japanese users type (full-width digits, letters, dashes)."""

import unicodedata

# Characters that Japanese IMEs produce where a plain hyphen-minus is meant in numbers.
_DASHES = str.maketrans({c: "-" for c in "‐‑‒–—―−ー－﹣"})


def nfkc(value):
    """NFKC-normalise a string and strip surrounding white space; other values pass."""
    if isinstance(value, str):
        return unicodedata.normalize("NFKC", value).strip()
    return value


def numeric_text(value):
    """Normalise a number or phone number typed with full-width digits or long dashes."""
    if isinstance(value, str):
        value = nfkc(value).translate(_DASHES).replace(",", "").replace(" ", "")
    return value


def phone_text(value):
    """Normalise a phone number: half-width digits, brackets and hyphen-minus, no spaces."""
    if isinstance(value, str):
        value = nfkc(value).translate(_DASHES).replace(" ", "")
    return value


def strip_text(value):
    """Trim surrounding white space (including the ideographic space) from free text."""
    if isinstance(value, str):
        # NUL is never meant in text, and PostgreSQL cannot store it in a text column.
        return value.replace("\x00", "").strip().strip("\u3000").strip()
    return value
