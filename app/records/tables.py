"""SQLAlchemy Core tables for one form, built from its column catalogue.

Each published form has ``rec_<form id>`` (system columns + one column per field) and
``rec_<form id>_values`` (one row per chosen value of multiple-choice fields, so that
filtering and counting by choice use an index).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations

from builder.fields.base import STORAGE_TYPES

MULTI = "multi"

#: record sources: the public form, the API, staff entering a paper or phone application,
#: an import
WEB, API, STAFF, IMPORT = "web", "api", "staff", "import"
SOURCES = (WEB, API, STAFF, IMPORT)
_LATER_SYSTEM_COLUMNS = ("assignee_id", "source", "deleted_at", "deleted_by")
# SQLite only auto-increments an INTEGER PRIMARY KEY.
RecordId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


@dataclass
class RecordTables:
    records: sa.Table
    values: sa.Table
    catalogue: list[dict]

    def column(self, entry: dict):
        return self.records.c[entry["column"]]


def system_tables_only(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic filter: migrations manage system tables, never the per-form record tables."""
    table = (
        obj.table.name
        if type_ in ("column", "index", "unique_constraint", "foreign_key_constraint")
        else name
    )
    return not (table or "").startswith("rec_")


def record_table_name(form_id: int) -> str:
    return f"rec_{form_id}"


def _system_columns() -> list[sa.Column]:
    return [
        sa.Column("id", RecordId, primary_key=True, autoincrement=True),
        sa.Column("receipt_no", sa.String(60), unique=True),
        sa.Column("status", sa.String(40), nullable=False, server_default="new", index=True),
        sa.Column("created_at", sa.DateTime, nullable=False, index=True),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("created_by", sa.Integer),
        sa.Column("updated_by", sa.Integer),
        sa.Column("form_version", sa.Integer, nullable=False),
        sa.Column("idempotency_token", sa.String(64), unique=True),
        # the staff member in charge (担当者)
        sa.Column("assignee_id", sa.Integer, index=True),
        # how the record came in: one of SOURCES
        sa.Column("source", sa.String(20), nullable=False, server_default=WEB),
        # set when the record is moved to the trash; trashed records are in no list
        sa.Column("deleted_at", sa.DateTime, index=True),
        sa.Column("deleted_by", sa.Integer),
    ]


def added_system_columns() -> list[sa.Column]:
    """System columns that tables made before them lack; added on upgrade and publish."""
    return [c for c in _system_columns() if c.name in _LATER_SYSTEM_COLUMNS]


def add_missing_system_columns(connection: sa.Connection, table_name: str) -> None:
    """Give an existing record table the system columns it was made without."""
    present = {c["name"] for c in sa.inspect(connection).get_columns(table_name)}
    operations = Operations(MigrationContext.configure(connection))
    for column in added_system_columns():
        if column.name not in present:
            # Alembic creates the index of an ``index=True`` column itself (with its own
            # name on some versions), so the column is added plain and indexed here, once.
            plain = sa.Column(
                column.name, column.type, nullable=column.nullable,
                server_default=column.server_default,
            )
            operations.add_column(table_name, plain)
    indexes = {i["name"] for i in sa.inspect(connection).get_indexes(table_name)}
    for column in added_system_columns():
        name = f"ix_{table_name}_{column.name}"
        if column.index and name not in indexes:
            operations.create_index(name, table_name, [column.name])


def field_column(entry: dict) -> sa.Column:
    return sa.Column(entry["column"], STORAGE_TYPES[entry["kind"]](), nullable=True)


def build(form_id: int, catalogue: list[dict]) -> RecordTables:
    """Table objects for a form with the given column catalogue (nothing is executed)."""
    metadata = sa.MetaData()
    name = record_table_name(form_id)
    columns = _system_columns() + [field_column(e) for e in catalogue if e["kind"] != MULTI]
    records = sa.Table(name, metadata, *columns)
    values = sa.Table(
        f"{name}_values",
        metadata,
        sa.Column("id", RecordId, primary_key=True, autoincrement=True),
        sa.Column(
            "record_id", RecordId, sa.ForeignKey(f"{name}.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("field", sa.String(70), nullable=False),
        sa.Column("value", sa.String(200), nullable=False),
        sa.Index(f"ix_{name}_values_field_value", "field", "value", "record_id"),
        sa.Index(f"ix_{name}_values_record", "record_id", "field"),
    )
    return RecordTables(records=records, values=values, catalogue=catalogue)


def index_name(form_id: int, column: str) -> str:
    return f"ix_{record_table_name(form_id)}_{column}"


def apply(
    connection: sa.Connection,
    form_id: int,
    catalogue: list[dict],
    new: list[dict],
    indexed: dict[str, bool],
) -> RecordTables:
    """Create the form's tables, or add *new* columns and their indexes, on *connection*.

    Runs inside the caller's transaction, so a failure leaves no half-done table.
    """
    tables = build(form_id, catalogue)
    inspector = sa.inspect(connection)
    if not inspector.has_table(tables.records.name):
        tables.records.create(connection)
        tables.values.create(connection)
        to_index = [e for e in catalogue if e["kind"] != MULTI]
    else:
        add_missing_system_columns(connection, tables.records.name)
        operations = Operations(MigrationContext.configure(connection))
        for entry in new:
            if entry["kind"] != MULTI:
                operations.add_column(tables.records.name, field_column(entry))
        to_index = [e for e in new if e["kind"] != MULTI]
    for entry in to_index:
        if indexed.get(entry["key"]):
            field_index(tables, form_id, entry["column"]).create(connection)
    return tables


def field_index(tables: RecordTables, form_id: int, column: str) -> sa.Index:
    """The index of a field's column: the column, then the record id, so that a list sorted
    by the column (ties broken by id) and its keyset pages are read from the index in
    order, on PostgreSQL as on SQLite (where every index ends with the row id anyway)."""
    records = tables.records
    return sa.Index(index_name(form_id, column), records.c[column], records.c.id)
