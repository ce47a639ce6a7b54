"""Reading and writing one form's records.

Values are passed in and out keyed by *column name* (``f_<key>``), because a field whose
type changed has an old (retired) and a new column under the same key.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Form
from app.models.types import utcnow
from app.records import paging
from app.records import tables as record_tables
from app.records.paging import SortKey
from app.records.receipts import receipt_number
from app.records.tables import MULTI, RecordTables
from app.transactions import in_write_transaction, write_transaction
from builder.system_names import FIELD_COLUMN_PREFIX

SYSTEM_SORTS = ("id", "receipt_no", "created_at", "updated_at", "status")


@dataclass
class Record:
    id: int
    receipt_no: str
    status: str
    created_at: dt.datetime
    updated_at: dt.datetime
    form_version: int
    values: dict = field(default_factory=dict)
    #: the staff member who sent it (None: a citizen, or an anonymous staff answer)
    created_by: int | None = None
    updated_by: int | None = None
    #: the staff member in charge
    assignee_id: int | None = None
    #: how it came in (app.records.tables.SOURCES)
    source: str = record_tables.WEB
    #: when it was moved to the trash (None: not in the trash)
    deleted_at: dt.datetime | None = None


@dataclass
class Page:
    total: int
    records: list[Record]


class MultiColumn:
    """Filter helper for a multiple-choice field stored in the value table."""

    def __init__(self, tables: RecordTables, column: str):
        self.tables, self.column = tables, column

    def has(self, value: str):
        # IN (not EXISTS): the (field, value, record_id) index answers the subquery alone.
        return self.has_any([value])

    def has_any(self, chosen: list[str]):
        """Records with at least one of *chosen*."""
        values = self.tables.values
        wanted = values.c.value == chosen[0] if len(chosen) == 1 else values.c.value.in_(chosen)
        return self.tables.records.c.id.in_(
            sa.select(values.c.record_id).where(values.c.field == self.column, wanted)
        )

    def has_all(self, chosen: list[str]):
        """Records with every one of *chosen*."""
        return sa.and_(*(self.has_any([value]) for value in dict.fromkeys(chosen)))

    def none(self):
        """Records with nothing chosen."""
        values = self.tables.values
        return self.tables.records.c.id.not_in(
            sa.select(values.c.record_id).where(values.c.field == self.column)
        )


_TABLES_CACHE_SIZE = 256
_tables: dict[tuple, RecordTables] = {}


def sortable(entries: list[dict]) -> list[dict]:
    """The catalogue entries a list can be sorted by (one value per record)."""
    return [e for e in entries if e["kind"] != MULTI]


def tables_for(form: Form) -> RecordTables:
    """The form's Table objects; the same objects for the same catalogue, so that
    conditions built from them (filters) and the queries that use them agree."""
    catalogue = form.storage or []
    key = (form.id, tuple((e["column"], e["kind"]) for e in catalogue))
    tables = _tables.get(key)
    if tables is None:
        if len(_tables) >= _TABLES_CACHE_SIZE:
            _tables.pop(next(iter(_tables)))
        tables = _tables[key] = record_tables.build(form.id, catalogue)
    return RecordTables(tables.records, tables.values, catalogue)


def filter_target(tables: RecordTables, entry: dict):
    """What a field type's ``filter_clause`` receives for this column."""
    if entry["kind"] == MULTI:
        return MultiColumn(tables, entry["column"])
    return tables.records.c[entry["column"]]


def insert(
    form: Form,
    version_number: int,
    values: dict,
    *,
    token: str | None = None,
    user_id: int | None = None,
    receipt_format: str | None = None,
    timezone: str = "Asia/Tokyo",
    source: str = record_tables.WEB,
    after_add: Sequence[Callable[[Record], Record | None]] = (),
) -> tuple[Record, bool]:
    """Store one record; return it and whether it is new.

    A repeated *token* (double click, re-sent POST) returns the first record instead: the
    token's unique index refuses the second insert, before any *after_add* step runs.
    Each of *after_add* runs inside the insert's transaction with the new record (taking
    seats, queueing mail); it may return a changed record, and an exception it raises
    rolls the insert back.
    """
    if token and in_write_transaction():
        # joining the caller's transaction, which a refused insert would abort
        existing = find_by_token(form, token)
        if existing is not None:
            return existing, False
    try:
        return _insert(
            form,
            version_number,
            values,
            token=token,
            user_id=user_id,
            receipt_format=receipt_format,
            timezone=timezone,
            source=source,
            after_add=after_add,
        )
    except IntegrityError:
        db.session.rollback()
        existing = find_by_token(form, token) if token else None
        if existing is None:
            raise
        return existing, False


@write_transaction(keep_loaded=True)
def _insert(
    form: Form, version_number: int, values: dict, *, after_add, **options
) -> tuple[Record, bool]:
    record = add(form, version_number, values, **options)
    for step in after_add:
        record = step(record) or record
    return record, True


def add(
    form: Form,
    version_number: int,
    values: dict,
    *,
    token: str | None = None,
    user_id: int | None = None,
    receipt_format: str | None = None,
    timezone: str = "Asia/Tokyo",
    source: str = record_tables.WEB,
) -> Record:
    """Insert one record in the caller's write transaction and return it (as reading it
    back would give it)."""
    tables = tables_for(form)
    multi = _multi_columns(tables)
    now = utcnow()
    row = {k: v for k, v in values.items() if k not in multi}
    connection = db.session.connection()
    # the id first, so that the receipt number made from it goes in with the record
    record_id = _reserve_ids(connection, tables.records, 1)[0]
    number = receipt_number(receipt_format, form.id, record_id, now, timezone)
    # parameters apart from the statement: the statement is then the same for every
    # record of the form, and compiled once (cache)
    connection.execute(
        tables.records.insert(),
        row
        | {
            "id": record_id,
            "receipt_no": number,
            "created_at": now,
            "updated_at": now,
            "created_by": user_id,
            "updated_by": user_id,
            "form_version": version_number,
            "idempotency_token": token,
            "source": source,
        },
    )
    _store_choices(tables, record_id, values, multi)
    # what reading the record back would give, without reading it
    return Record(
        id=record_id,
        receipt_no=number,
        status=tables.records.c.status.server_default.arg,
        created_at=now,
        updated_at=now,
        form_version=version_number,
        values=_as_read(tables, values, connection.dialect),
        created_by=user_id,
        updated_by=user_id,
        source=source,
    )


def _as_read(tables: RecordTables, values: dict, dialect) -> dict:
    """The values of a record just inserted as reading it back gives them: every column
    of the catalogue, each through its column type (normalised decimals, file summaries),
    multiple choices as lists in the order given."""
    out = {}
    for column, multi, kind in _read_back_plan(tables):
        value = values.get(column)
        if multi:
            out[column] = [str(v) for v in value or []]
        elif kind is None or value is None:
            out[column] = value
        else:
            out[column] = _read_back(kind, value, dialect)
    return out


_plans: dict[sa.Table, tuple] = {}


def _read_back_plan(tables: RecordTables) -> tuple:
    """(column, multiple choice?, type whose conversions a value goes through or None)
    per catalogue entry, worked out once per record table."""
    plan = _plans.get(tables.records)
    if plan is None:
        plan = tuple(
            (entry["column"], True, None)
            if entry["kind"] == MULTI  # its choices are rows of the values table
            else (entry["column"], False, _converting(tables.column(entry).type))
            for entry in tables.catalogue
        )
        if len(_plans) >= _TABLES_CACHE_SIZE:
            _plans.clear()
        _plans[tables.records] = plan
    return plan


def _converting(kind: sa.types.TypeEngine) -> sa.types.TypeDecorator | None:
    """*kind* if values read back through it change (our own column types), else None."""
    return kind if isinstance(kind, sa.types.TypeDecorator) else None


def _read_back(kind: sa.types.TypeDecorator, value, dialect):
    """*value* as a column of type *kind* reads it back (the type's own conversions)."""
    if type(kind).process_bind_param is not sa.types.TypeDecorator.process_bind_param:
        value = kind.process_bind_param(value, dialect)
    return kind.process_result_value(value, dialect)


@write_transaction
def update(
    form: Form, record_id: int, version_number: int, values: dict, *, user_id: int | None
) -> Record | None:
    """Replace the given values of one record (multiple choices included); None if the
    record does not exist."""
    tables = tables_for(form)
    multi = _multi_columns(tables)
    row = {k: v for k, v in values.items() if k not in multi}
    connection = db.session.connection()
    result = connection.execute(
        tables.records.update()
        .where(tables.records.c.id == record_id)
        .values(**row, updated_at=utcnow(), updated_by=user_id, form_version=version_number)
    )
    if result.rowcount == 0:
        return None
    changed = [column for column in multi if column in values]
    if changed:
        connection.execute(
            tables.values.delete().where(
                tables.values.c.record_id == record_id, tables.values.c.field.in_(changed)
            )
        )
        _store_choices(tables, record_id, values, changed)
    return get(form, record_id)


def lock(form: Form, record_id: int) -> bool:
    """Hold one record's row until the caller's write transaction ends (a row lock on
    PostgreSQL; SQLite's write transaction holds the file); False if there is none."""
    records = tables_for(form).records
    found = db.session.execute(
        sa.select(records.c.id).where(records.c.id == record_id).with_for_update()
    ).scalar()
    return found is not None


def _multi_columns(tables: RecordTables) -> set[str]:
    return {e["column"] for e in tables.catalogue if e["kind"] == MULTI}


def _store_choices(tables: RecordTables, record_id: int, values: dict, columns) -> None:
    chosen = [
        {"record_id": record_id, "field": column, "value": value}
        for column in columns
        for value in values.get(column) or []
    ]
    if not chosen:
        return
    connection = db.session.connection()
    if len(chosen) > _ONE_STATEMENT_CHOICES:
        connection.execute(tables.values.insert(), chosen)
        return
    # one statement with a row per choice: one round trip, where a batch of statements
    # costs a pipeline on PostgreSQL
    connection.execute(
        _choices_insert(tables.values, len(chosen)),
        {f"{name}_{i}": value for i, row in enumerate(chosen) for name, value in row.items()},
    )


#: up to this many chosen options of one record go in with one multi-row INSERT
_ONE_STATEMENT_CHOICES = 50


@functools.lru_cache(maxsize=_TABLES_CACHE_SIZE)
def _choices_insert(values: sa.Table, count: int) -> sa.TextClause:
    """An INSERT of *count* rows into a values table, made once. Written out as text: an
    INSERT with several VALUES rows built from the table is compiled again on each use."""
    rows = ", ".join(f"(:record_id_{i}, :field_{i}, :value_{i})" for i in range(count))
    return sa.text(f'INSERT INTO "{values.name}" (record_id, field, value) VALUES {rows}')


def find_by_token(form: Form, token: str) -> Record | None:
    tables = tables_for(form)
    record_id = db.session.execute(
        sa.select(tables.records.c.id).where(tables.records.c.idempotency_token == token)
    ).scalar()
    return get(form, record_id) if record_id is not None else None


def get(form: Form, record_id: int) -> Record | None:
    tables = tables_for(form)
    row = (
        db.session.execute(sa.select(tables.records).where(tables.records.c.id == record_id))
        .mappings()
        .first()
    )
    if row is None:
        return None
    return _with_multi(tables, [_record(tables, row)])[0]


def _record(tables: RecordTables, row) -> Record:
    values = {e["column"]: row[e["column"]] for e in tables.catalogue if e["kind"] != MULTI}
    values.update({e["column"]: [] for e in tables.catalogue if e["kind"] == MULTI})
    return Record(
        id=row["id"],
        receipt_no=row["receipt_no"],
        status=row["status"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        form_version=row["form_version"],
        values=values,
        created_by=row["created_by"],
        updated_by=row["updated_by"],
        assignee_id=row["assignee_id"],
        source=row["source"],
        deleted_at=row["deleted_at"],
    )


def _with_multi(tables: RecordTables, records: list[Record]) -> list[Record]:
    if not records or not any(e["kind"] == MULTI for e in tables.catalogue):
        return records
    by_id = {r.id: r for r in records}
    values = tables.values
    rows = db.session.execute(
        sa.select(values.c.record_id, values.c.field, values.c.value)
        .where(values.c.record_id.in_(list(by_id)))
        .order_by(values.c.id)
    )
    for record_id, column, value in rows:
        by_id[record_id].values.setdefault(column, []).append(value)
    return records


def sort_keys(tables: RecordTables, sort: str | None, descending: bool) -> list[SortKey]:
    """The sort keys for a list sorted by one column (unknown names sort by id)."""
    records = tables.records
    if sort in SYSTEM_SORTS or (
        sort and sort in records.c and sort.startswith(FIELD_COLUMN_PREFIX)
    ):
        return [SortKey(records.c[sort], descending)]
    return [SortKey(records.c.id, descending)]


def to_records(tables: RecordTables, rows) -> list[Record]:
    """Record objects (multiple choices included) for rows of the record table."""
    return _with_multi(tables, [_record(tables, r) for r in rows])


def live(tables: RecordTables):
    """The condition every list, count and export starts from: not in the trash."""
    return tables.records.c.deleted_at.is_(None)


def query(
    form: Form,
    conditions: list,
    sort: str | None = None,
    descending: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> Page:
    """One page of records matching every condition (SQL clauses from field types), with
    the exact count. Rows without a value in the sorted column come last."""
    tables = tables_for(form)
    total, _exact = paging.count(tables, conditions)
    found = paging.window(tables, conditions, sort_keys(tables, sort, descending), limit, offset)
    return Page(total=total, records=to_records(tables, found.rows))


def iterate(form: Form, conditions: list, chunk: int = 1000) -> Iterator[Record]:
    """Every matching record in id order, fetched in chunks (memory stays flat)."""
    tables = tables_for(form)
    records = tables.records
    last = 0
    while True:
        rows = (
            db.session.execute(
                sa.select(records)
                .where(records.c.id > last, live(tables), *conditions)
                .order_by(records.c.id)
                .limit(chunk)
            )
            .mappings()
            .all()
        )
        if not rows:
            return
        batch = _with_multi(tables, [_record(tables, r) for r in rows])
        db.session.rollback()  # end the read transaction between chunks; release the snapshot
        yield from batch
        last = batch[-1].id


def count(form: Form, conditions: Sequence = ()) -> int:
    """How many records the form has (the trash not counted), or how many match every
    condition."""
    tables = tables_for(form)
    return db.session.execute(
        sa.select(sa.func.count()).select_from(tables.records).where(live(tables), *conditions)
    ).scalar()


def count_by_status(form: Form, conditions: list) -> dict[str, int]:
    """status -> how many live records matching every condition have it."""
    tables = tables_for(form)
    records = tables.records
    rows = db.session.execute(
        sa.select(records.c.status, sa.func.count())
        .where(live(tables), *conditions)
        .group_by(records.c.status)
    )
    return dict(rows.all())


def matching_ids(form: Form, conditions: list) -> list[int]:
    """The ids of the live records matching every condition, in id order."""
    tables = tables_for(form)
    records = tables.records
    return list(
        db.session.scalars(
            sa.select(records.c.id).where(live(tables), *conditions).order_by(records.c.id)
        )
    )
#: the system values at the head of every export row, in this order
EXPORT_SYSTEM_COLUMNS = ("id", "receipt_no", "status", "created_at", "created_by")


def export_rows(
    form: Form, conditions: list, columns: Sequence[str], chunk: int = 5000
) -> Iterator[Sequence]:
    """Every matching record in id order as a plain sequence: ``EXPORT_SYSTEM_COLUMNS``,
    then the value of each of *columns* (a list for a multiple-choice column).

    The lean path for exports: one streamed query for the records (Core rows, no Record
    objects) and one streamed query per multiple-choice field, merged in id order, both in
    one read transaction (a consistent snapshot; on SQLite in WAL mode writers go on).
    Where the driver reads from a server-side cursor, rows arrive *chunk* at a time, so
    memory stays flat; SQLite's driver reads each row from the database as it is asked
    for, and a buffer in between would only slow it down.
    """
    tables = tables_for(form)
    records, values = tables.records, tables.values
    multi = _multi_columns(tables)
    selected = [records.c[name] for name in EXPORT_SYSTEM_COLUMNS] + [
        sa.null() if column in multi else records.c[column] for column in columns
    ]
    server_side = db.session.get_bind().dialect.supports_server_side_cursors
    streaming = {"yield_per": chunk} if server_side else {}
    rows = db.session.execute(
        sa.select(*selected).where(live(tables), *conditions).order_by(records.c.id),
        execution_options=streaming,
    )
    for place, column in enumerate(columns, start=len(EXPORT_SYSTEM_COLUMNS)):
        if column not in multi:
            continue
        query = sa.select(values.c.record_id, values.c.value).where(values.c.field == column)
        if conditions:
            query = query.where(
                values.c.record_id.in_(sa.select(records.c.id).where(live(tables), *conditions))
            )
        order = query.order_by(values.c.record_id, values.c.id)
        chosen = db.session.execute(order, execution_options=streaming)
        if not server_side:
            # the driver's own rows (an integer and a text need no conversion): making a
            # Row of each of them costs more than the merge
            chosen = chosen.context.cursor
        rows = _with_chosen(rows, place, chosen)
    yield from rows


def _with_chosen(rows, place: int, chosen) -> Iterator[list]:
    """*rows* (in record id order) as lists, each with its record's chosen values at
    *place*, from *chosen* (record id, value) rows in record id order; values of records
    that are not among *rows* (in the trash, filtered out) are passed over."""
    chosen = iter(chosen)
    pending = next(chosen, None)
    for row in rows:
        row = list(row)
        record_id = row[0]
        found = []
        while pending is not None and pending[0] <= record_id:
            if pending[0] == record_id:
                found.append(pending[1])
            pending = next(chosen, None)
        row[place] = found
        yield row


def add_many(
    form: Form,
    version_number: int,
    rows: list[dict],
    *,
    user_id: int | None,
    source: str,
    receipt_of: Callable[[int], str],
) -> list[int]:
    """Insert many records (values keyed by column name, every row with the same keys) in
    the caller's write transaction, with bulk statements; return their ids in order.
    *receipt_of* makes each record's receipt number from its id."""
    if not rows:
        return []
    tables = tables_for(form)
    records = tables.records
    multi = _multi_columns(tables)
    now = utcnow()
    system = {
        "created_at": now,
        "updated_at": now,
        "created_by": user_id,
        "updated_by": user_id,
        "form_version": version_number,
        "source": source,
    }
    connection = db.session.connection()
    ids = _reserve_ids(connection, records, len(rows))
    connection.execute(
        records.insert(),
        [
            {k: v for k, v in row.items() if k not in multi}
            | system
            | {"id": record_id, "receipt_no": receipt_of(record_id)}
            for record_id, row in zip(ids, rows, strict=True)
        ],
    )
    chosen = [
        {"record_id": record_id, "field": column, "value": value}
        for record_id, row in zip(ids, rows, strict=True)
        for column in multi
        for value in row.get(column) or []
    ]
    if chosen:
        connection.execute(tables.values.insert(), chosen)
    return ids


def _reserve_ids(connection: sa.Connection, records: sa.Table, count: int) -> list[int]:
    """*count* new record ids, so that many records go in with one bulk statement (and
    their receipt numbers with them). PostgreSQL takes them from the table's sequence;
    SQLite continues after the largest id, under the write lock the transaction holds."""
    if connection.dialect.name == "postgresql":
        return list(
            connection.execute(_NEXT_IDS, {"table": records.name, "count": count}).scalars()
        )
    last = connection.execute(_largest_id(records)).scalar() or 0
    return list(range(last + 1, last + 1 + count))


_NEXT_IDS = sa.text(
    "SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :count)"
)


@functools.lru_cache(maxsize=_TABLES_CACHE_SIZE)
def _largest_id(records: sa.Table) -> sa.Select:
    """The query for the largest id in *records*, built once per table (building it costs
    more than running it)."""
    return sa.select(sa.func.max(records.c.id))


def by_receipts(form: Form, receipts: Sequence[str], chunk: int = 500) -> dict[str, Record]:
    """receipt number -> record, for the records (not in the trash) that have one of them."""
    tables = tables_for(form)
    records = tables.records
    found: dict[str, Record] = {}
    wanted = list(dict.fromkeys(receipts))
    for start in range(0, len(wanted), chunk):
        rows = (
            db.session.execute(
                sa.select(records).where(
                    records.c.receipt_no.in_(wanted[start : start + chunk]), live(tables)
                )
            )
            .mappings()
            .all()
        )
        for record in _with_multi(tables, [_record(tables, r) for r in rows]):
            found[record.receipt_no] = record
    return found
