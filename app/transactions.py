"""Write transactions that wait for each other instead of failing.

SQLite lets one writer at a time into the file. A transaction that has read and then
wants to write, while another one wrote meanwhile, fails at once with "database is
locked": waiting cannot help it, because what it read is out of date. So every state
change runs in a write transaction begun before its first read: on SQLite it starts
with ``BEGIN IMMEDIATE`` and waits (busy timeout) for the current writer; on PostgreSQL
it is an ordinary transaction, and row locks do the waiting.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from sqlalchemy import event
from sqlalchemy.orm import Session

from app.extensions import SQLITE_BEGIN_IMMEDIATE, db, restart_as_writer

P = ParamSpec("P")
R = TypeVar("R")


#: set in ``Session.info`` while the session's transaction is a write transaction
_WRITING = "atsume_write_transaction"


def in_write_transaction() -> bool:
    """Whether the session is inside a write transaction already (asked without starting
    a database transaction)."""
    session = db.session()
    return session.in_transaction() and bool(session.info.get(_WRITING))


def begin_write(*, keep_loaded: bool = False) -> None:
    """Start a write transaction now (unless one is running).

    A read transaction in progress is ended first (committed, so that nothing pending is
    lost); objects loaded in it are reloaded when next used, so the writer decides on what
    is current. With *keep_loaded* they stay as loaded: for a writer whose decisions the
    database makes (unique keys, conditional updates), not the loaded objects. Such a
    writer keeps the read transaction's connection when nothing is pending: on
    PostgreSQL it goes on in the read transaction (each statement there reads what is
    committed when it runs, as in a new transaction); on SQLite the read ends and the
    write lock is taken on the same connection.
    """
    if in_write_transaction():
        return
    session = db.session()
    if session.in_transaction():
        if keep_loaded and not (session.new or session.dirty or session.deleted):
            connection = session.connection()
            if connection.dialect.name == "sqlite":
                restart_as_writer(connection)
            session.info[_WRITING] = True
            return
        commit(keep_loaded=keep_loaded)
    session.connection(execution_options={SQLITE_BEGIN_IMMEDIATE: True})
    session.info[_WRITING] = True


@event.listens_for(Session, "after_transaction_end")
def _write_ended(session: Session, transaction) -> None:
    if transaction.parent is None:  # the outermost transaction, not a savepoint
        session.info.pop(_WRITING, None)


def commit(*, keep_loaded: bool = False) -> None:
    """Commit the session's transaction; with *keep_loaded*, the objects loaded in it are
    not expired (not reloaded when next used)."""
    session = db.session()
    if not keep_loaded:
        session.commit()
        return
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire


def write_transaction(
    function: Callable[P, R] | None = None, *, keep_loaded: bool = False
) -> Callable[P, R]:
    """Run *function* in a write transaction: committed when it returns, rolled back if
    it raises. Called inside another write transaction, it joins that one.

    With *keep_loaded* (``@write_transaction(keep_loaded=True)``), the objects loaded
    before are neither expired when the transaction begins nor when it commits: for a
    writer that decides nothing on them and changes none of them.
    """
    if function is None:
        return functools.partial(write_transaction, keep_loaded=keep_loaded)

    @functools.wraps(function)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        outermost = not in_write_transaction()
        begin_write(keep_loaded=keep_loaded)
        try:
            result = function(*args, **kwargs)
        except BaseException:
            if outermost:
                db.session.rollback()
            raise
        if outermost:
            commit(keep_loaded=keep_loaded)
        return result

    return run
