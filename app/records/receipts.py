"""Receipt numbers (受付番号) shown to applicants after they submit."""

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

from builder import receipt_format
from builder.definition import DEFAULT_RECEIPT_FORMAT


def receipt_number(fmt: str | None, form_id: int, seq: int, now_utc: dt.datetime, tz: str) -> str:
    """Format a receipt number; *seq* is the record id, unique within the form.

    A format that the template language refuses (kept in a version published before it
    was checked) gives receipt numbers in the default format.
    """
    return numberer(fmt, form_id, now_utc, tz)(seq)


def numberer(fmt: str | None, form_id: int, now_utc: dt.datetime, tz: str) -> Callable[[int], str]:
    """record id -> receipt number, for many records received at *now_utc* (the format is
    read once)."""
    local = now_utc.replace(tzinfo=dt.UTC).astimezone(ZoneInfo(tz))
    try:
        parsed = receipt_format.parse(fmt or DEFAULT_RECEIPT_FORMAT)
    except receipt_format.ReceiptFormatError:
        parsed = receipt_format.parse(DEFAULT_RECEIPT_FORMAT)
    day = local.date()
    return lambda seq: parsed.render(seq, form_id, day)
