"""Receipt numbers (受付番号) shown to applicants after they submit."""

import datetime as dt
from zoneinfo import ZoneInfo

from builder.definition import DEFAULT_RECEIPT_FORMAT


def receipt_number(fmt: str | None, form_id: int, seq: int, now_utc: dt.datetime, tz: str) -> str:
    """Format a receipt number; *seq* is the record id, unique within the form."""
    local = now_utc.replace(tzinfo=dt.UTC).astimezone(ZoneInfo(tz))
    return (fmt or DEFAULT_RECEIPT_FORMAT).format(
        yyyy=f"{local.year:04d}",
        mm=f"{local.month:02d}",
        dd=f"{local.day:02d}",
        seq=seq,
        form=form_id,
    )
