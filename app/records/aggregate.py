"""Aggregates over a form's filtered records, computed by the database.

Every aggregate starts from the same query a list would run — the record table, the trash
left out, the user's filters applied — wrapped as a subquery (as Datasette's facets do),
and groups it with SQL ``GROUP BY``: no record is loaded into Python. How a field groups
(a choice by its stored value, a date by fiscal year …) is asked of its field type. A
multiple-choice field is joined through the form's value table, so that each chosen
option counts, and a record with none falls in the empty (未回答) group.

Only ``RecordAccess`` calls these functions, after checking the fields are visible.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from app.extensions import db
from app.records import store
from app.records.tables import MULTI, RecordTables
from builder.fields.base import FieldType
from builder.fields.date import DAY, date_group, local_date

#: the system column a cross-tab may group by (the day a record was received)
RECEIVED_AT = "created_at"
COUNT, SUM, AVG, MIN, MAX = "count", "sum", "avg", "min", "max"
MEASURES = (COUNT, SUM, AVG, MIN, MAX)
#: the most groups one aggregate may return (a cross-tab larger than this is unreadable)
MAX_GROUPS = 10_000
#: a median is found from the counts of each distinct value when there are at most this many
MEDIAN_DISTINCT = 10_000


class TooManyGroups(Exception):
    """The grouping makes more than MAX_GROUPS groups."""


@dataclass(frozen=True)
class Dimension:
    """One grouping of a cross-tab: a field (or the receipt time) and how it groups."""

    #: how the request names it ("ward", "visit:fy", "created_at:month")
    name: str
    #: the record-table column, or None for the receipt time
    column: str | None
    kind: str
    field_type: FieldType
    grouping: str

    @property
    def multi(self) -> bool:
        return self.kind == MULTI


@dataclass(frozen=True)
class Measure:
    """What each cell holds: the number of records, or an aggregate of a number field."""

    function: str = COUNT
    column: str | None = None
    field_type: FieldType | None = None


@dataclass
class Partial:
    """What one group holds; groups merge into totals without asking the database again."""

    count: int = 0
    total: Decimal | float | int | None = None
    low: Decimal | float | int | None = None
    high: Decimal | float | int | None = None

    def merge(self, other: Partial) -> Partial:
        def pick(a, b, choose):
            return b if a is None else a if b is None else choose(a, b)

        return Partial(
            self.count + other.count,
            pick(self.total, other.total, lambda a, b: a + b),
            pick(self.low, other.low, min),
            pick(self.high, other.high, max),
        )

    def value(self, function: str):
        """The cell's number for *function* (None where nothing was measured)."""
        if function == COUNT:
            return self.count
        if function == AVG:
            return None if not self.count or self.total is None else number(self.total) / self.count
        return number({SUM: self.total, MIN: self.low, MAX: self.high}[function])


def number(value):
    """A database number as a JSON number: an int when whole, else a float."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def live_conditions(tables: RecordTables) -> list:
    """The trash condition, when the trash holds anything. An empty trash (one look-up in
    the deleted_at index) needs no condition, and the aggregates can then read a field's
    index alone instead of visiting every row."""
    records = tables.records
    trashed = db.session.execute(
        sa.select(records.c.id).where(records.c.deleted_at.is_not(None)).limit(1)
    ).first()
    return [store.live(tables)] if trashed else []


def _field_test(values, column: str):
    """``field = column``, for finding a record's options by the (record_id, field) index.

    On SQLite the field is written as an expression, which keeps the planner off the
    (field, value) index (with it, SQLite scans every option of the field for each
    record). PostgreSQL plans the plain test well, and has no statistics for the
    expression."""
    if _dialect() == "sqlite":
        return sa.func.coalesce(values.c.field, "") == column
    return values.c.field == column


def _base(tables: RecordTables, conditions: list, columns: set[str]):
    """The filtered records (the trash left out), with the columns an aggregate reads."""
    records = tables.records
    return (
        sa.select(*(records.c[name] for name in sorted(columns)))
        .where(*live_conditions(tables), *conditions)
        .subquery("base")
    )


def option_counts(
    tables: RecordTables, conditions: list, column: str
) -> tuple[dict[str, int], int]:
    """Each option of a multiple-choice column counted over the filtered records, read
    from the value table's (field, value) index; and how many records chose any."""
    values = tables.values
    where = [values.c.field == column]
    restrictions = [*live_conditions(tables), *conditions]
    if restrictions:
        base = _base(tables, conditions, {"id"})
        where.append(values.c.record_id.in_(sa.select(base.c.id)))
    counts = dict(
        db.session.execute(
            sa.select(values.c.value, sa.func.count()).where(*where).group_by(values.c.value)
        ).all()
    )
    # the records with any option: read in record order from the (record_id, field) index
    # (the field written as an expression keeps SQLite on that index), no sort needed
    by_record = [_field_test(values, column), *where[1:]]
    chosen = sa.select(values.c.record_id).where(*by_record).distinct().subquery("chosen")
    answered = db.session.scalar(sa.select(sa.func.count()).select_from(chosen))
    return counts, answered


def received_per_day(tables: RecordTables, conditions: list, timezone: str) -> dict[str, int]:
    """How many of the filtered records were received on each local day ("YYYY-MM-DD").

    SQLite counts per UTC hour, a prefix of the stored text read from the created_at
    index, and the hours are moved to the zone's days here (exact for zones whose offset is
    a whole number of hours, as Japan's). PostgreSQL converts each time itself.
    """
    base = _base(tables, conditions, {RECEIVED_AT})
    received = base.c[RECEIVED_AT]
    if _dialect() != "sqlite":
        day = date_group(local_date(received, "postgresql", timezone), DAY, "postgresql")
        return dict(db.session.execute(sa.select(day, sa.func.count()).group_by(day)).all())
    hour = sa.func.substr(received, 1, 13)
    zone = ZoneInfo(timezone)
    counts: dict[str, int] = {}
    for text, number in db.session.execute(sa.select(hour, sa.func.count()).group_by(hour)):
        utc = dt.datetime.strptime(text, "%Y-%m-%d %H").replace(tzinfo=dt.UTC)
        key = utc.astimezone(zone).date().isoformat()
        counts[key] = counts.get(key, 0) + number
    return counts


def grouped(
    tables: RecordTables,
    conditions: list,
    dimensions: list[Dimension],
    measure: Measure,
    timezone: str,
) -> dict[tuple, Partial]:
    """Group the filtered records by *dimensions*: key tuple -> Partial.

    Keys are what the API answers (choice values, fiscal years as integers, None for
    empty). Raises TooManyGroups past MAX_GROUPS groups.
    """
    dialect = _dialect()
    columns = {"id"} | {d.column or RECEIVED_AT for d in dimensions if not d.multi}
    if measure.column:
        columns.add(measure.column)
    base = _base(tables, conditions, columns)
    source = base
    keys = []
    for position, dimension in enumerate(dimensions):
        if dimension.multi:
            chosen = tables.values.alias(f"chosen_{position}")
            # each record's options, looked up by (record_id, field)
            source = source.outerjoin(
                chosen,
                sa.and_(chosen.c.record_id == base.c.id, _field_test(chosen, dimension.column)),
            )
            column = chosen.c.value
        elif dimension.column is None:
            column = local_date(base.c[RECEIVED_AT], dialect, timezone)
        else:
            column = base.c[dimension.column]
        expression = dimension.field_type.group_expression(column, dimension.grouping, dialect)
        if dialect == "sqlite" and len(columns) > 2 and not dimension.multi:
            # Reading several columns, one pass over the table is fastest; a bare column
            # would lead SQLite to walk its index and fetch every row out of order.
            expression = sa.func.coalesce(expression, sa.null())
        keys.append(expression.label(f"k{position}"))
    if measure.function == COUNT:
        aggregates = [sa.func.count()]
    else:
        measured = base.c[measure.column]
        aggregates = [
            sa.func.count(measured),
            sa.func.sum(measured),
            sa.func.min(measured),
            sa.func.max(measured),
        ]
    query = sa.select(*keys, *aggregates).select_from(source)
    if keys:
        query = query.group_by(*keys).limit(MAX_GROUPS + 1)
    rows = db.session.execute(query).all()
    if len(rows) > MAX_GROUPS:
        raise TooManyGroups()
    result: dict[tuple, Partial] = {}
    width = len(dimensions)
    for row in rows:
        key = tuple(
            None if value is None else d.field_type.group_key(value, d.grouping)
            for d, value in zip(dimensions, row[:width], strict=True)
        )
        partial = Partial(*row[width:])
        result[key] = result[key].merge(partial) if key in result else partial
    return result


@dataclass
class NumberSummary:
    count: int
    low: int | float | None
    high: int | float | None
    mean: float | None
    median: int | float | None
    total: int | float | None


def number_summary(tables: RecordTables, conditions: list, column: str) -> NumberSummary:
    """Count, minimum, maximum, mean, median and sum of a number column over the filtered
    records.

    The count of each distinct value comes first (one GROUP BY read from the column's
    index). When there are at most MEDIAN_DISTINCT, the median is found in those counts,
    and for a whole-number column so are the count, minimum, maximum and sum (the same
    integers the database would add up). Otherwise the database aggregates the column and
    the median is read at the middle of the sorted values."""
    base = _base(tables, conditions, {"id", column})
    value = base.c[column]
    present = sa.select(value).where(value.is_not(None)).subquery("present")
    value = present.c[column]
    histogram = db.session.execute(
        sa.select(value, sa.func.count()).group_by(value).order_by(value).limit(MEDIAN_DISTINCT + 1)
    ).all()
    complete = len(histogram) <= MEDIAN_DISTINCT
    if complete and isinstance(tables.records.c[column].type, sa.Integer):
        count = sum(times for _value, times in histogram)
        low, high = (histogram[0][0], histogram[-1][0]) if histogram else (None, None)
        total = sum(found * times for found, times in histogram) if histogram else None
    else:
        count, low, high, total = db.session.execute(
            sa.select(
                sa.func.count(value), sa.func.min(value), sa.func.max(value), sa.func.sum(value)
            )
        ).one()
    if not count:
        median = None
    elif complete:
        median = _middle(_middle_values(histogram, count))
    else:
        median = _middle(
            db.session.scalars(
                sa.select(value).order_by(value).limit(2 - count % 2).offset((count - 1) // 2)
            ).all()
        )
    return NumberSummary(
        count=count,
        low=number(low),
        high=number(high),
        mean=number(total) / count if count else None,
        median=median,
        total=number(total),
    )


def _middle(values: list):
    """The median from the one or two middle values."""
    values = [number(v) for v in values]
    return values[0] if len(values) == 1 else (values[0] + values[1]) / 2


def _middle_values(histogram, count: int) -> list:
    """The one (odd count) or two (even count) middle values of a sorted histogram."""
    wanted = [(count - 1) // 2] if count % 2 else [count // 2 - 1, count // 2]
    found, seen = [], 0
    for value, times in histogram:
        while wanted and wanted[0] < seen + times:
            found.append(value)
            wanted.pop(0)
        seen += times
    return found


def latest(tables: RecordTables, conditions: list, column: str, limit: int) -> list:
    """The newest non-empty values of *column*: (id, receipt number, received at, value)."""
    base = _base(tables, conditions, {"id", "receipt_no", RECEIVED_AT, column})
    value = base.c[column]
    return db.session.execute(
        sa.select(base.c.id, base.c.receipt_no, base.c[RECEIVED_AT], value)
        .where(value.is_not(None), value != "")
        .order_by(base.c.id.desc())
        .limit(limit)
    ).all()


def count(tables: RecordTables, conditions: list) -> int:
    """How many records match the filters."""
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(tables.records)
        .where(*live_conditions(tables), *conditions)
    )
