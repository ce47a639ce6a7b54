"""Input normalisation for what Japanese users type (full-width digits, letters, dashes)."""

import re
import unicodedata

import jaconv

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


# Full-width Latin letters and digits (Ａ, ａ, ０) and their half-width forms.
_WIDE_ALPHANUMERICS = str.maketrans(
    {chr(wide): chr(wide - 0xFEE0) for wide in [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B),
                                                   *range(0xFF41, 0xFF5B)]}
)
_DASH_BETWEEN_DIGITS = re.compile(r"(?<=\d)[‐‑‒–—―−ー－﹣](?=\d)")
_POSTAL = re.compile(r"\A(\d{3})-?(\d{4})\Z")


def _wide_katakana(value: str) -> str:
    # half-width katakana (ｱｲｳ, with its separate dakuten) to full-width; nothing else
    return jaconv.h2z(value, kana=True, ascii=False, digit=False)


def single_line_text(value):
    """Normalise one line of text as typed in Japan (names, addresses, free answers).

    Full-width Latin letters and digits become half-width (竹山町７－２ → 竹山町7-2), a dash
    between two digits becomes a hyphen-minus, half-width katakana becomes full-width; kanji,
    kana, spaces and punctuation are kept as typed.
    """
    if not isinstance(value, str):
        return value
    value = strip_text(value).translate(_WIDE_ALPHANUMERICS)
    return _DASH_BETWEEN_DIGITS.sub("-", _wide_katakana(value))


def long_text(value):
    """Normalise free text of several lines: trimmed, half-width katakana made full-width;
    digits and punctuation are kept as the person wrote them."""
    if not isinstance(value, str):
        return value
    return _wide_katakana(strip_text(value))


def postal_code(value):
    """A Japanese postal code as 123-4567, from １２３４５６７, 123ー4567, 〒123-4567 …;
    text that is not seven digits is returned normalised but unchanged otherwise."""
    if not isinstance(value, str):
        return value
    text = numeric_text(value).lstrip("〒").strip()
    match = _POSTAL.match(text)
    return f"{match.group(1)}-{match.group(2)}" if match else text
