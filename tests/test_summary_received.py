"""The summary's answers per day or month, and its number figures, checked against plain
Python counts: over the whole form, with filters, with records in the trash, across a
time-zone change and over a span long enough to be shown per month."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from zoneinfo import ZoneInfo

import pytest

from app.records import aggregate, trash
from app.records.access import RecordAccess
from tests.analysis_data import generate, make_survey, store_rows

MAX_DAYS = 400


def _survey(make_form, received: list[dt.datetime]):
    form = make_survey(make_form)
    rows = generate(len(received), seed=5)
    for row, moment in zip(rows, received, strict=True):
        row["received"] = moment
    store_rows(form, rows)
    return form, rows


def _days(rows, zone: str) -> Counter:
    return Counter(r["received"].astimezone(ZoneInfo(zone)).date().isoformat() for r in rows)


def _every_day(first: str, last: str) -> list[str]:
    day, days = dt.date.fromisoformat(first), []
    while day <= dt.date.fromisoformat(last):
        days.append(day.isoformat())
        day += dt.timedelta(days=1)
    return days


def _all_records(access):
    """A filter every record passes: the series is then grouped record by record."""
    return [access.tables.records.c.id > 0]


def _utc(*parts) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=dt.UTC)


@pytest.mark.parametrize("zone", ["Asia/Tokyo", "Asia/Kolkata"])
def test_days_of_the_whole_form_match_counter(app, make_form, staff, zone):
    # around Japan's and India's midnights (15:00 and 18:30 UTC)
    received = [
        _utc(2026, 3, 31, 14, 59, 59),
        _utc(2026, 3, 31, 15, 0, 0),
        _utc(2026, 3, 31, 18, 29, 59),
        _utc(2026, 3, 31, 18, 30, 0),
        _utc(2026, 4, 3, 23, 0, 0),
        _utc(2026, 4, 3, 23, 0, 0),
    ]
    form, rows = _survey(make_form, received)
    access = RecordAccess(staff, form)
    period, series = access.received_per_period([], zone, MAX_DAYS)
    days = _days(rows, zone)
    assert period == "day"
    assert [key for key, _n in series] == _every_day(min(days), max(days))
    assert {key: n for key, n in series if n} == dict(days)
    if zone == "Asia/Tokyo":  # whole hours: grouping record by record gives the same
        assert access.received_per_period(_all_records(access), zone, MAX_DAYS) == (
            period,
            series,
        )


def test_records_in_the_trash_are_not_counted(app, make_form, staff):
    received = [_utc(2026, 4, 1, 3, 0), _utc(2026, 4, 2, 3, 0), _utc(2026, 4, 2, 4, 0)]
    form, rows = _survey(make_form, received)
    access = RecordAccess(staff, form)
    trash.move_to_trash(form, [rows[1]["id"]], staff)
    period, series = access.received_per_period([], "Asia/Tokyo", MAX_DAYS)
    assert (period, series) == ("day", [("2026-04-01", 1), ("2026-04-02", 1)])
    hours = access.number_summary([], _column(form, "hours"))
    kept = [r["hours"] for r in (rows[0], rows[2]) if r["hours"] is not None]
    assert hours.count == len(kept)


def test_filters_choose_the_records_counted(app, make_form, staff):
    received = [_utc(2026, 4, 1, 3, 0) + dt.timedelta(days=i) for i in range(12)]
    form, rows = _survey(make_form, received)
    access = RecordAccess(staff, form)
    chosen = [r for r in rows if r["dept"] == "soumu"]
    dept = access.tables.records.c[_column(form, "dept")]
    _period, series = access.received_per_period([dept == "soumu"], "Asia/Tokyo", MAX_DAYS)
    assert {key: n for key, n in series if n} == dict(_days(chosen, "Asia/Tokyo"))


def test_a_change_of_offset_within_the_span(app, make_form, staff):
    # New York moves its clocks on 8 March 2026 (UTC-5 to UTC-4)
    received = [
        _utc(2026, 3, 8, 4, 59),
        _utc(2026, 3, 8, 5, 0),
        _utc(2026, 3, 9, 3, 59),
        _utc(2026, 3, 9, 4, 0),
    ]
    form, rows = _survey(make_form, received)
    access = RecordAccess(staff, form)
    period, series = access.received_per_period([], "America/New_York", MAX_DAYS)
    days = _days(rows, "America/New_York")
    assert period == "day"
    assert dict(series) == {day: days.get(day, 0) for day in _every_day(min(days), max(days))}


def test_a_long_span_is_counted_per_month(app, make_form, staff):
    received = [
        _utc(2024, 3, 31, 14, 59),  # 2024-03-31 in Japan
        _utc(2024, 3, 31, 15, 0),  # 2024-04-01
        _utc(2024, 12, 31, 16, 0),  # 2025-01-01
        _utc(2025, 6, 30, 15, 30),  # 2025-07-01
    ]
    form, rows = _survey(make_form, received)
    access = RecordAccess(staff, form)
    expected = Counter(day[:7] for day in _days(rows, "Asia/Tokyo").elements())
    for conditions in ([], _all_records(access)):
        period, series = access.received_per_period(conditions, "Asia/Tokyo", MAX_DAYS)
        # months without records are left out
        assert (period, series) == ("month", sorted(expected.items()))


def _column(form, key):
    return next(e["column"] for e in form.storage if e["key"] == key)


@pytest.mark.parametrize("distinct", [10_000, 1])
def test_number_figures_from_counts_or_from_the_database(
    app, make_form, staff, monkeypatch, distinct
):
    monkeypatch.setattr(aggregate, "MEDIAN_DISTINCT", distinct)
    received = [_utc(2026, 4, 1, 3, 0)] * 30
    form, rows = _survey(make_form, received)
    access = RecordAccess(staff, form)
    for key in ("hours", "score"):
        values = [r[key] for r in rows if r[key] is not None]
        figures = access.number_summary([], _column(form, key))
        assert (figures.count, figures.low, figures.high) == (len(values), min(values), max(values))
        assert figures.total == sum(values)
        assert figures.median == statistics.median(values)
        assert figures.mean == pytest.approx(statistics.fmean(values))
    empty = access.number_summary([access.tables.records.c.id < 0], _column(form, "hours"))
    assert (empty.count, empty.low, empty.high, empty.median, empty.total) == (0,) + (None,) * 4
