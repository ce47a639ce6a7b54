"""Inserting many rows at once, fast on both engines."""

from __future__ import annotations

import sqlalchemy as sa


def insert_rows(connection: sa.Connection, table: sa.Table, rows: list[dict]) -> None:
    """INSERT *rows* (dicts with the same keys) in the caller's transaction.

    SQLite takes them with one ``executemany``. With psycopg an ``executemany`` sends one
    statement per row; asking for the primary keys back makes SQLAlchemy send multi-row
    INSERTs of a thousand rows instead, several times faster.
    """
    if not rows:
        return
    if connection.dialect.name == "postgresql":
        keys = list(table.primary_key.columns)
        connection.execute(table.insert().returning(*keys), rows).all()
    else:
        connection.execute(table.insert(), rows)
