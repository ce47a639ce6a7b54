"""A time limit for an optional query (counts beside a list), so a slow one is skipped
rather than slowing the page: SQLite interrupts it through a progress handler, PostgreSQL
through ``statement_timeout`` inside a savepoint (the request's transaction survives)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from app.extensions import db

#: SQLite virtual-machine steps between two looks at the clock
_STEPS = 10_000


class TimeLimitExceeded(Exception):
    """The query took longer than its limit and was stopped."""


@contextlib.contextmanager
def limited(milliseconds: int) -> Iterator[None]:
    """Run the queries of the ``with`` block within *milliseconds* (0: no limit);
    TimeLimitExceeded when they take longer."""
    if milliseconds <= 0:
        yield
        return
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        with _sqlite(connection, milliseconds):
            yield
    elif connection.dialect.name == "postgresql":
        with _postgresql(milliseconds):
            yield
    else:  # pragma: no cover - the two supported databases are handled above
        yield


@contextlib.contextmanager
def _sqlite(connection: sa.Connection, milliseconds: int) -> Iterator[None]:
    raw = connection.connection.driver_connection
    deadline = time.monotonic() + milliseconds / 1000
    raw.set_progress_handler(lambda: int(time.monotonic() > deadline), _STEPS)
    try:
        yield
    except DBAPIError as exc:
        if "interrupted" in str(exc.orig):
            raise TimeLimitExceeded() from exc
        raise
    finally:
        raw.set_progress_handler(None, 0)


@contextlib.contextmanager
def _postgresql(milliseconds: int) -> Iterator[None]:
    savepoint = db.session.begin_nested()
    before = db.session.execute(sa.text("SELECT current_setting('statement_timeout')")).scalar()
    db.session.execute(
        sa.text("SELECT set_config('statement_timeout', :limit, true)"),
        {"limit": f"{int(milliseconds)}ms"},
    )
    try:
        yield
    except DBAPIError as exc:
        savepoint.rollback()  # also takes the timeout back
        if getattr(exc.orig, "sqlstate", None) == "57014":  # query_canceled
            raise TimeLimitExceeded() from exc
        raise
    else:
        db.session.execute(
            sa.text("SELECT set_config('statement_timeout', :before, true)"), {"before": before}
        )
        savepoint.commit()
