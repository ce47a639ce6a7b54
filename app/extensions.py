"""Extension objects, created unbound and set up by ``create_app``."""

import sqlite3
import time

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

from app import limiter_storage  # noqa: F401  (registers the atsume-memory:// store)

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
babel = Babel()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


@event.listens_for(Engine, "connect")
def _sqlite_connect(dbapi_connection, connection_record):
    """Make SQLite transactional for DDL too, and wait rather than fail on a busy file."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    dbapi_connection.isolation_level = None  # we issue BEGIN ourselves (see below)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


#: execution option: begin this SQLite transaction with the write lock (BEGIN IMMEDIATE);
#: set by app.transactions for every write transaction
SQLITE_BEGIN_IMMEDIATE = "atsume_sqlite_begin_immediate"


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection):
    if connection.dialect.name == "sqlite":
        if connection.get_execution_options().get(SQLITE_BEGIN_IMMEDIATE):
            _begin_immediate(connection)
        else:
            connection.exec_driver_sql("BEGIN")


#: a SQLite connection's busy timeout, as read once (in its pool record's ``info``)
_BUSY_TIMEOUT = "atsume_busy_timeout_ms"
#: the longest pause between two tries for SQLite's write lock (seconds)
_LONGEST_PAUSE = 0.001


def restart_as_writer(connection) -> None:
    """End *connection*'s SQLite read transaction and begin a write transaction on the
    same connection (``BEGIN IMMEDIATE``), without handing the connection back: what the
    writer reads next is what is committed by then."""
    driver = connection.connection.driver_connection
    if driver.in_transaction:
        driver.execute("COMMIT")
    _begin_immediate(connection)


def _begin_immediate(connection) -> None:
    """BEGIN IMMEDIATE, trying again in short steps while another connection writes.

    SQLite's own busy handler sleeps 1, 2, 5, 10, 15 … ms between tries, so a writer that
    arrives while another holds the lock for a few milliseconds waits far longer than
    that; tries at most a millisecond apart take the lock soon after it is free. The wait
    is bounded by the connection's busy timeout, as SQLite's own would be, and then the
    error is SQLite's own ("database is locked").
    """
    driver = connection.connection.driver_connection
    known = connection.connection.info  # lives as long as the database connection
    wait_ms = known.get(_BUSY_TIMEOUT)
    if wait_ms is None:
        wait_ms = known[_BUSY_TIMEOUT] = driver.execute("PRAGMA busy_timeout").fetchone()[0]
    driver.execute("PRAGMA busy_timeout=0")
    try:
        deadline = time.monotonic() + wait_ms / 1000
        pause = 0.0001
        while time.monotonic() < deadline:
            try:
                driver.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if exc.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY:
                    break
            time.sleep(pause)
            pause = min(pause * 2, _LONGEST_PAUSE)
        # the last try, through SQLAlchemy: a failure raises as any statement's would
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    finally:
        driver.execute(f"PRAGMA busy_timeout={wait_ms}")
