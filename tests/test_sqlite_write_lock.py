"""On SQLite a write transaction waits for another connection's write lock, within the
connection's busy timeout, and gives up with SQLite's own error after it."""

from __future__ import annotations

import sqlite3
import threading

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.transactions import write_transaction
from tests.conftest import PG_URL

pytestmark = pytest.mark.skipif(bool(PG_URL), reason="SQLite's write lock")


@pytest.fixture
def other_writer(app):
    """A second connection to the same file that holds the write lock."""
    path = db.engine.url.database
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    connection.execute("BEGIN IMMEDIATE")
    yield connection
    if connection.in_transaction:
        connection.rollback()
    connection.close()


@write_transaction
def _note(text: str) -> None:
    db.session.execute(sa.text("CREATE TABLE IF NOT EXISTS note (text TEXT)"))
    db.session.execute(sa.text("INSERT INTO note VALUES (:text)"), {"text": text})


def _busy_timeout() -> int:
    driver = db.session.connection().connection.driver_connection
    return driver.execute("PRAGMA busy_timeout").fetchone()[0]


def test_a_writer_waits_for_the_other_writer_to_finish(app, other_writer):
    release = threading.Timer(0.2, other_writer.commit)
    release.start()
    try:
        _note("after the other")
    finally:
        release.join()
    assert db.session.execute(sa.text("SELECT text FROM note")).scalars().all() == [
        "after the other"
    ]


def test_a_writer_gives_up_after_the_busy_timeout_and_keeps_it(app, other_writer):
    usual = _busy_timeout()
    db.session.rollback()
    driver = db.session.connection().connection.driver_connection
    driver.execute("PRAGMA busy_timeout=100")
    db.session.rollback()
    with pytest.raises(sa.exc.OperationalError, match="database is locked"):
        _note("refused")
    db.session.rollback()
    assert _busy_timeout() == 100
    db.session.rollback()
    driver.execute(f"PRAGMA busy_timeout={usual}")


def test_a_writer_that_read_first_writes_on_what_is_committed_by_then(app):
    _note("first")
    assert db.session.execute(sa.text("SELECT count(*) FROM note")).scalar() == 1  # a read
    other = sqlite3.connect(db.engine.url.database, isolation_level=None)
    other.execute("INSERT INTO note VALUES ('from another connection')")
    other.close()

    @write_transaction(keep_loaded=True)
    def count_and_note() -> None:
        seen = db.session.execute(sa.text("SELECT count(*) FROM note")).scalar()
        db.session.execute(sa.text("INSERT INTO note VALUES (:text)"), {"text": f"saw {seen}"})

    count_and_note()
    assert db.session.execute(sa.text("SELECT text FROM note")).scalars().all() == [
        "first", "from another connection", "saw 2"
    ]
