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

from app.extensions import SQLITE_BEGIN_IMMEDIATE, db

P = ParamSpec("P")
R = TypeVar("R")


def in_write_transaction() -> bool:
    """Whether the session is inside a write transaction already."""
    session = db.session()
    if not session.in_transaction():
        return False
    return bool(session.connection().get_execution_options().get(SQLITE_BEGIN_IMMEDIATE))


def begin_write() -> None:
    """Start a write transaction now (unless one is running).

    A read transaction in progress is ended first (committed, so that nothing pending is
    lost); objects loaded in it are reloaded when next used, so the writer decides on what
    is current.
    """
    if in_write_transaction():
        return
    session = db.session()
    if session.in_transaction():
        session.commit()
    session.connection(execution_options={SQLITE_BEGIN_IMMEDIATE: True})


def write_transaction(function: Callable[P, R]) -> Callable[P, R]:
    """Run *function* in a write transaction: committed when it returns, rolled back if
    it raises. Called inside another write transaction, it joins that one.
    """

    @functools.wraps(function)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        outermost = not in_write_transaction()
        begin_write()
        try:
            result = function(*args, **kwargs)
        except BaseException:
            if outermost:
                db.session.rollback()
            raise
        if outermost:
            db.session.commit()
        return result

    return run
