"""Safe parsers for values taken from a query string.

Every query-string value that becomes a number or a date goes through these, so that a value
out of what the database or ``datetime`` can hold is refused with a message instead of
overflowing further down.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest

from builder.fields.date import parse_date

#: the days a date filter may name; beyond them datetime arithmetic and time zones overflow
FIRST_DAY = dt.date(1900, 1, 1)
LAST_DAY = dt.date(2999, 12, 31)
#: the largest page or offset number accepted (far beyond any real list)
MAX_POSITION = 10**9


class BadQueryArgument(BadRequest):
    """A query-string value that cannot be used; answered with 400 and *description*."""

    def __init__(self, name: str, message: str):
        super().__init__(description=f"{name}: {message}")
        self.argument, self.message = name, message


def whole_number(raw: str | None, minimum: int, maximum: int) -> int | None:
    """*raw* as an int within [minimum, maximum], or None (empty, not a number, out of range)."""
    text = (raw or "").strip()
    if not text or len(text) > len(str(maximum)) + 1:
        return None
    try:
        number = int(text)
    except ValueError:
        return None
    return number if minimum <= number <= maximum else None


def number_arg(args, name: str, default: int, minimum: int, maximum: int) -> int:
    """The whole number in ``args[name]`` (or *default* when absent); else BadQueryArgument."""
    if not (args.get(name) or "").strip():
        return default
    number = whole_number(args.get(name), minimum, maximum)
    if number is None:
        raise BadQueryArgument(
            name, _("Use a whole number from %(min)d to %(max)d.", min=minimum, max=maximum)
        )
    return number


def day(raw: str) -> dt.date:
    """A date typed as 2026-04-01 (or 2026/4/1, 2026年4月1日) within FIRST_DAY..LAST_DAY.

    Raises ValueError with a translated message naming what is accepted.
    """
    try:
        value = parse_date(raw)
    except ValueError:
        raise ValueError(_("Enter a date such as 2026-04-01.")) from None
    if not FIRST_DAY <= value <= LAST_DAY:
        raise ValueError(
            _(
                "Enter a date from %(first)s to %(last)s.",
                first=FIRST_DAY.isoformat(),
                last=LAST_DAY.isoformat(),
            )
        )
    return value
