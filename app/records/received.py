"""How many of a form's records were received in each local day (or month, over a long
span): the series of the summary dashboard.

Over the whole form (no filters, an empty trash) each period is a range of the
``created_at`` index between two local midnights in UTC, and all the ranges are counted
in one statement: the database walks the index once, with no per-row time-zone
arithmetic and no grouping. The bounds are exact when the zone keeps one UTC offset over
the records' span (Japan always does); otherwise, and with filters, the records are
grouped one by one (``aggregate.received_per_day``).

Only ``RecordAccess`` calls these functions.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from app.extensions import db
from app.records import aggregate
from app.records.tables import RecordTables
from builder.fields.date import DAY, MONTH

#: ranges counted by one statement (each is a scalar subquery of the select list)
RANGES_PER_STATEMENT = 100


def per_period(
    tables: RecordTables, conditions: list, timezone: str, max_days: int
) -> tuple[str, list[tuple[str, int]]]:
    """(DAY, [("YYYY-MM-DD", count), ...]) for every day from the first record's to the
    last one's, days without records included, when they span fewer than *max_days*
    days; else (MONTH, [("YYYY-MM", count), ...]) for the months with records."""
    if not conditions and not aggregate.live_conditions(tables):
        found = _by_ranges(tables, ZoneInfo(timezone), max_days)
        if found is not None:
            return found
    return _by_rows(tables, conditions, timezone, max_days)


def _by_rows(tables, conditions, timezone, max_days):
    found = sorted(aggregate.received_per_day(tables, conditions, timezone).items())
    if not found:
        return DAY, []
    first, last = dt.date.fromisoformat(found[0][0]), dt.date.fromisoformat(found[-1][0])
    if (last - first).days < max_days:
        counts = dict(found)
        days = [day.isoformat() for day in _days(first, last)]
        return DAY, [(day, counts.get(day, 0)) for day in days]
    months: dict[str, int] = {}
    for key, number in found:
        months[key[:7]] = months.get(key[:7], 0) + number
    return MONTH, sorted(months.items())


def _by_ranges(tables, zone: ZoneInfo, max_days):
    """The series counted as ranges of the created_at index; None when the zone's offset
    changes within the records' span (local midnights are then not one offset apart)."""
    created = tables.records.c.created_at
    first, last = db.session.execute(
        sa.select(
            sa.select(sa.func.min(created)).scalar_subquery(),
            sa.select(sa.func.max(created)).scalar_subquery(),
        )
    ).one()
    if first is None:
        return DAY, []
    first_day, last_day = _local_day(first, zone), _local_day(last, zone)
    offsets = {_midnight_offset(day, zone) for day in _days(first_day, last_day)}
    offsets |= {_utc_offset(first, zone), _utc_offset(last, zone)}
    if len(offsets) != 1:
        return None
    offset = offsets.pop()
    if (last_day - first_day).days < max_days:
        period, starts = DAY, list(_days(first_day, last_day + dt.timedelta(days=1)))
        keys = [day.isoformat() for day in starts[:-1]]
    else:
        period, starts = MONTH, _months(first_day, last_day)
        keys = [day.isoformat()[:7] for day in starts[:-1]]
    bounds = [dt.datetime.combine(day, dt.time()) - offset for day in starts]
    counts = _range_counts(created, bounds)
    series = list(zip(keys, counts, strict=True))
    if period == MONTH:  # like the grouped series: only the months with records
        series = [(key, number) for key, number in series if number]
    return period, series


def _range_counts(created, bounds: list[dt.datetime]) -> list[int]:
    """How many rows have *created* in each [bounds[i], bounds[i + 1])."""
    pairs = list(zip(bounds, bounds[1:], strict=False))
    counts: list[int] = []
    for start in range(0, len(pairs), RANGES_PER_STATEMENT):
        chunk = pairs[start : start + RANGES_PER_STATEMENT]
        counts += db.session.execute(
            sa.select(
                *(
                    sa.select(sa.func.count())
                    .where(created >= low, created < high)
                    .scalar_subquery()
                    for low, high in chunk
                )
            )
        ).one()
    return counts


def _days(first: dt.date, last: dt.date):
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)


def _months(first: dt.date, last: dt.date) -> list[dt.date]:
    """The first day of each month from *first*'s to *last*'s, and of the month after."""
    months = [first.replace(day=1)]
    while months[-1] <= last:
        year, month = divmod(months[-1].year * 12 + months[-1].month, 12)
        months.append(dt.date(year, month + 1, 1))
    return months


def _local_day(moment: dt.datetime, zone: ZoneInfo) -> dt.date:
    return moment.replace(tzinfo=dt.UTC).astimezone(zone).date()


def _utc_offset(moment: dt.datetime, zone: ZoneInfo) -> dt.timedelta:
    return moment.replace(tzinfo=dt.UTC).astimezone(zone).utcoffset()


def _midnight_offset(day: dt.date, zone: ZoneInfo) -> dt.timedelta:
    return dt.datetime.combine(day, dt.time(), tzinfo=zone).utcoffset()
