"""Sorted pages of a record table that stay fast at a million rows.

- A sort on a column that may be NULL runs as two *segments*: the rows with a value,
  in the column's order, then the rows without one. Each segment is a plain range of the
  column's index on SQLite and PostgreSQL alike, where ``ORDER BY col IS NULL, col`` (or
  ``NULLS LAST`` against the index's own NULL placement) makes the database sort the table.
- A page after (or before) a known row is found from that row's key (*keyset paging*):
  a deep page costs what the first does, where ``OFFSET`` walks every row it skips.
- A count can stop at a cap (``more than N``); the unfiltered count is the table's row count
  minus the trash, never a scan with a condition that matches every row.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.visitors import InternalTraversal

from app.extensions import db
from app.records.tables import RecordTables


class NotInTrash(sa.sql.expression.ColumnElement):
    """``deleted_at IS NULL`` that no index answers: every row matches, so on SQLite the
    trash column's index would only hide the sort column's index from the planner
    (``+col`` keeps SQLite off an index; PostgreSQL's planner decides well alone)."""

    inherit_cache = True
    type = sa.Boolean()
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement)]

    def __init__(self, column):
        self.column = column


@compiles(NotInTrash)
def _not_in_trash(element, compiler, **kw):
    return f"{compiler.process(element.column, **kw)} IS NULL"


@compiles(NotInTrash, "sqlite")
def _not_in_trash_sqlite(element, compiler, **kw):
    return f"+{compiler.process(element.column, **kw)} IS NULL"


class Likely(sa.sql.expression.ColumnElement):
    """A condition most rows meet. SQLite's planner then reads the sort column's index in
    order and stops at the page's end, instead of sorting every matching row; other
    databases plan for the LIMIT themselves."""

    inherit_cache = True
    type = sa.Boolean()
    _traverse_internals = [("condition", InternalTraversal.dp_clauseelement)]

    def __init__(self, condition):
        self.condition = condition


@compiles(Likely)
def _likely(element, compiler, **kw):
    return compiler.process(element.condition, **kw)


@compiles(Likely, "sqlite")
def _likely_sqlite(element, compiler, **kw):
    return f"likelihood({compiler.process(element.condition, **kw)}, 0.9)"


#: from this many matches on, a filtered list reads the sort column's index in order
DENSE_AT = 10_000
#: from this offset on, a page is found by ids first (the sort index alone), rows after
DEFERRED_AT = 1_000


def live(tables: RecordTables) -> list:
    """The condition that leaves out the trash, or none when the trash is empty (then
    every index that answers a page answers it alone)."""
    records = tables.records
    trashed = db.session.execute(
        sa.select(records.c.id).where(records.c.deleted_at.is_not(None)).limit(1)
    ).first()
    return [NotInTrash(records.c.deleted_at)] if trashed else []


class BadPosition(ValueError):
    """A page position (``after``/``before``) that does not belong to this sort."""


@dataclass(frozen=True)
class SortKey:
    column: sa.Column
    descending: bool = False


@dataclass
class Segment:
    #: the rows of this segment
    condition: sa.ColumnElement | None
    #: the leading key compared for keyset positions (None: only the id)
    key: sa.Column | None
    order: list[SortKey]


@dataclass
class Window:
    """Rows of one page, and the positions before its first and after its last row."""

    rows: list
    #: whether rows follow the page (forward) / precede it (when read backwards)
    more: bool
    first: str | None
    last: str | None


def _clauses(order: list[SortKey], forward: bool = True) -> list:
    """ORDER BY clauses; read backwards, every direction flips and NULLs come first.

    The segment's first key needs no NULL placement: its segment has no NULLs in it.
    """
    clauses = []
    for key in order:
        descending = key.descending if forward else not key.descending
        clause = key.column.desc() if descending else key.column.asc()
        if key.column.nullable and key is not order[0]:
            clause = clause.nulls_last() if forward else clause.nulls_first()
        clauses.append(clause)
    return clauses


def plan(tables: RecordTables, keys: list[SortKey]) -> list[Segment]:
    """The segments a sort reads, in order; the record id breaks ties."""
    record_id = tables.records.c.id
    if not keys:
        keys = [SortKey(record_id, True)]
    if keys[0].column is record_id:
        return [Segment(None, None, [keys[0]])]
    keys = [k for k in keys if k.column is not record_id]
    first, rest = keys[0], keys[1:]
    tie = SortKey(record_id, first.descending)
    ordered = Segment(
        first.column.is_not(None) if first.column.nullable else None,
        first.column if not rest else None,
        [first, *rest, tie],
    )
    if not first.column.nullable:
        return [ordered]
    return [ordered, Segment(first.column.is_(None), None, [*rest, tie])]


def keyset_usable(keys: list[SortKey], tables: RecordTables) -> bool:
    """Whether pages of this sort can be found from a row's key (one key, and the id)."""
    return len([k for k in keys if k.column is not tables.records.c.id]) <= 1


def _encode(segment: int, value, record_id: int) -> str:
    if isinstance(value, (dt.date, dt.datetime)):
        value = value.isoformat()
    elif isinstance(value, Decimal):
        value = str(value)
    raw = json.dumps([segment, value, record_id], ensure_ascii=False, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(token: str, column) -> tuple[int, object, int]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        segment, value, record_id = json.loads(raw)
        if not isinstance(segment, int) or not isinstance(record_id, int):
            raise ValueError
        if value is not None and column is not None:
            value = _typed(column, value)
    except (ValueError, TypeError, binascii.Error, InvalidOperation, UnicodeDecodeError):
        raise BadPosition(token) from None
    return segment, value, record_id


def _typed(column, value):
    try:
        python_type = column.type.python_type
    except NotImplementedError:
        return value
    if python_type is dt.datetime:
        return dt.datetime.fromisoformat(value)
    if python_type is dt.date:
        return dt.date.fromisoformat(value)
    if python_type is Decimal:
        return Decimal(str(value))
    if python_type is int:
        return int(value)
    if python_type is bool:
        return bool(value)
    return str(value)


def _beyond(segment: Segment, record_id_column, descending: bool, value, record_id, forward):
    """Rows of *segment* strictly after (forward) or before the row (value, record_id)."""
    later = forward != descending  # ascending forward, or descending backward
    if segment.key is None:
        return record_id_column > record_id if later else record_id_column < record_id
    # a row value comparison: one range of the (column, id) index on both databases
    here = sa.tuple_(segment.key, record_id_column)
    there = sa.tuple_(
        sa.literal(value, segment.key.type), sa.literal(record_id, record_id_column.type)
    )
    return here > there if later else here < there


def window(
    tables: RecordTables,
    where: list,
    keys: list[SortKey],
    limit: int,
    offset: int = 0,
    after: str | None = None,
    before: str | None = None,
    dense: bool = False,
) -> Window:
    """One page of live records matching *where*: *limit* rows at *offset*, or just after
    (or before) a position token of an earlier page. *dense*: the conditions keep many
    rows (at least DENSE_AT), so reading in the sort's order finds a page soonest."""
    segments = plan(tables, keys)
    records = tables.records
    descending = segments[0].order[-1].descending
    forward = before is None
    token = after if forward else before
    start, cutoff = 0, None
    if token is not None:
        if not keyset_usable(keys, tables):
            raise BadPosition(token)
        index, value, record_id = _decode(token, segments[0].key)
        if not 0 <= index < len(segments) or (
            index == 0 and segments[0].key is not None and value is None
        ):
            raise BadPosition(token)
        start = index
        cutoff = _beyond(segments[index], records.c.id, descending, value, record_id, forward)
        offset = 0
    order = range(start, len(segments)) if forward else range(start, -1, -1)
    not_trashed = live(tables)
    if dense and segments[0].key is not records.c.id:
        where = [Likely(condition) for condition in where]
    rows: list[tuple[int, object]] = []
    for position, index in enumerate(order):
        segment = segments[index]
        need = limit + 1 - len(rows)
        if need <= 0:
            break
        conditions = [*not_trashed, *where]
        if segment.condition is not None:
            conditions.append(segment.condition)
        if position == 0 and cutoff is not None:
            conditions.append(cutoff)
        ordering = _clauses(segment.order, forward)
        if offset >= DEFERRED_AT:
            # skip rows in the index alone, then read the page's rows by id
            ids = (
                _where(sa.select(records.c.id), conditions)
                .order_by(*ordering)
                .limit(need)
                .offset(offset)
            )
            query = sa.select(records).where(records.c.id.in_(ids)).order_by(*ordering)
        else:
            query = _where(sa.select(records), conditions).order_by(*ordering).limit(need)
            if offset:
                query = query.offset(offset)
        found = db.session.execute(query).mappings().all()
        if offset and not found:
            offset = max(offset - _count(records, conditions), 0)
        elif found:
            offset = 0
        rows += [(index, row) for row in found]
    more = len(rows) > limit
    rows = rows[:limit]
    if not forward:
        rows.reverse()
    key = segments[0].key

    def position(item) -> str:
        index, row = item
        value = row[key.name] if key is not None and index == 0 else None
        return _encode(index, value, row["id"])

    return Window(
        rows=[row for _index, row in rows],
        more=more,
        first=position(rows[0]) if rows else None,
        last=position(rows[-1]) if rows else None,
    )


def _where(query, conditions: list):
    """*query* with *conditions*; none at all leaves the statement without a WHERE (an
    empty ``where()`` also defeats SQLAlchemy's statement cache)."""
    return query.where(*conditions) if conditions else query


def _count(records, conditions) -> int:
    return db.session.execute(
        _where(sa.select(sa.func.count()).select_from(records), conditions)
    ).scalar()


def count(tables: RecordTables, where: list, cap: int | None = None) -> tuple[int, bool]:
    """How many live records match *where*: (number, exact). With *cap*, counting stops
    after cap rows and answers (cap, False) when there are more."""
    records = tables.records
    if not where and cap is None:
        # the row count (no condition: cheap for the database) minus the trash
        everything = _count(records, [])
        return everything - _count(records, [records.c.deleted_at.is_not(None)]), True
    if cap is None:
        return _count(records, [*live(tables), *where]), True
    limited = _where(sa.select(records.c.id), [*live(tables), *where])
    limited = limited.limit(cap + 1).subquery("matches")
    number = db.session.execute(sa.select(sa.func.count()).select_from(limited)).scalar()
    return (number, True) if number <= cap else (cap, False)
