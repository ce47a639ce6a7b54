"""Receipt number formats (受付番号): a small template language written by staff.

A format is literal text with these placeholders, and nothing else::

    {yyyy} {yy} {mm} {dd}   the day the record was received (local time), zero-padded
    {seq}                   the record's number in its form (required)
    {seq:0Nd}               the same, zero-padded to N digits (N from 1 to 10)
    {form}                  the form's number

Every placeholder but ``{seq}`` has a fixed width for one form, so two records never get
the same receipt number. ``{``, ``}`` and control characters are not literal text.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from builder.i18n import N_, Msg

#: the longest receipt number the record tables hold
MAX_LENGTH = 60
#: digits of the largest record number and form number (64-bit signed integers)
MAX_NUMBER_DIGITS = 19
MAX_PADDING = 10

_DATE_PARTS = {"yyyy": 4, "yy": 2, "mm": 2, "dd": 2}
_PADDED_SEQ = re.compile(r"seq:0([1-9]|10)d")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


class ReceiptFormatError(ValueError):
    """A format that is not in the template language; the message names the bad part."""


@dataclass(frozen=True)
class _Part:
    kind: str  # text | date | seq | form
    text: str = ""  # literal text, or the date part's name
    width: int = 0  # zero-padding of {seq:0Nd}

    def render(self, seq: int, form_id: int, day: dt.date) -> str:
        if self.kind == "text":
            return self.text
        if self.kind == "seq":
            return f"{seq:0{self.width}d}" if self.width else str(seq)
        if self.kind == "form":
            return str(form_id)
        if self.text == "yyyy":
            return f"{day.year:04d}"
        value = {"yy": day.year % 100, "mm": day.month, "dd": day.day}[self.text]
        return f"{value:02d}"

    @property
    def longest(self) -> int:
        if self.kind == "text":
            return len(self.text)
        if self.kind == "date":
            return _DATE_PARTS[self.text]
        return max(self.width, MAX_NUMBER_DIGITS)


@dataclass(frozen=True)
class ReceiptFormat:
    """A parsed receipt number format."""

    parts: tuple[_Part, ...]

    def render(self, seq: int, form_id: int, day: dt.date) -> str:
        """The receipt number of record *seq* of form *form_id*, received on *day*."""
        return "".join(part.render(seq, form_id, day) for part in self.parts)

    @property
    def longest(self) -> int:
        """The length of the longest receipt number this format can make."""
        return sum(part.longest for part in self.parts)


def _literal(text: str) -> _Part:
    for character in text:
        if character in "{}":
            raise ReceiptFormatError(
                Msg(
                    "“%(part)s” has no matching brace. Use only the placeholders listed.",
                    part=character,
                )
            )
        if unicodedata.category(character).startswith("C"):
            raise ReceiptFormatError(
                Msg(
                    "The format contains an invisible control character (%(code)s).",
                    code=f"U+{ord(character):04X}",
                )
            )
    return _Part("text", text)


def _placeholder(name: str) -> _Part:
    if name in _DATE_PARTS:
        return _Part("date", name)
    if name == "seq":
        return _Part("seq")
    if name == "form":
        return _Part("form")
    padded = _PADDED_SEQ.fullmatch(name)
    if padded:
        return _Part("seq", width=int(padded.group(1)))
    raise ReceiptFormatError(
        Msg(
            "“{%(part)s}” is not a placeholder. Use {yyyy}, {yy}, {mm}, {dd}, {seq}, "
            "{seq:05d} (up to 10 digits) and {form}.",
            part=name,
        )
    )


@lru_cache(maxsize=512)
def parse(text: str) -> ReceiptFormat:
    """Parse and check a format; raise ReceiptFormatError naming the bad part."""
    parts: list[_Part] = []
    position = 0
    for match in _PLACEHOLDER.finditer(text):
        if match.start() > position:
            parts.append(_literal(text[position : match.start()]))
        parts.append(_placeholder(match.group(1)))
        position = match.end()
    if position < len(text):
        parts.append(_literal(text[position:]))
    if not any(part.kind == "seq" for part in parts):
        raise ReceiptFormatError(N_("The receipt number must contain {seq}."))
    result = ReceiptFormat(tuple(parts))
    if result.longest > MAX_LENGTH:
        raise ReceiptFormatError(
            Msg(
                "Receipt numbers of this format can be %(length)d characters long; "
                "at most %(max)d fit. Shorten the text around the placeholders.",
                length=result.longest,
                max=MAX_LENGTH,
            )
        )
    return result
