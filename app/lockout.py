"""Locking an account for a while after repeated failed log-ins.

Failures are counted in the database (so every app server sees them) per user name as
typed, whether or not such a user exists: an unknown name is locked exactly like an
account, so locking tells nobody which names are accounts. This comes on top of the
per-address rate limit of the log-in page.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db
from app.models import LoginThrottle
from app.models.types import utcnow
from app.transactions import write_transaction


def _digest(username: str) -> str:
    return hashlib.sha256(username.strip().encode()).hexdigest()


def _minutes_until(moment: dt.datetime | None, now: dt.datetime) -> int:
    if moment is None or moment <= now:
        return 0
    return max(1, math.ceil((moment - now).total_seconds() / 60))


def minutes_locked(username: str) -> int:
    """For how many more minutes log-ins as *username* are refused (0: not locked)."""
    row = db.session.get(LoginThrottle, _digest(username))
    return _minutes_until(row.locked_until if row else None, utcnow())


def _insert_new(name_hash: str, now: dt.datetime) -> None:
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    db.session.execute(
        dialect.insert(LoginThrottle)
        .values(name_hash=name_hash, failures=0, first_failure_at=now)
        .on_conflict_do_nothing()
    )


@write_transaction
def note_failure(username: str) -> int:
    """Count a failed log-in as *username*; return for how many minutes it is now locked
    (0: not locked)."""
    config = current_app.config
    now = utcnow()
    window = dt.timedelta(minutes=config["ATSUME_LOCKOUT_WINDOW_MINUTES"])
    name_hash = _digest(username)
    _insert_new(name_hash, now)
    row = db.session.scalar(
        sa.select(LoginThrottle)
        .where(LoginThrottle.name_hash == name_hash)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    lock_over = row.locked_until is not None and row.locked_until <= now
    if lock_over or row.first_failure_at < now - window:
        row.failures, row.first_failure_at, row.locked_until = 0, now, None
    row.failures += 1
    if row.failures >= config["ATSUME_LOCKOUT_FAILURES"]:
        row.locked_until = now + dt.timedelta(minutes=config["ATSUME_LOCKOUT_MINUTES"])
    _forget_old(now - window, now, keep=name_hash)
    return _minutes_until(row.locked_until, now)


def _forget_old(before: dt.datetime, now: dt.datetime, keep: str) -> None:
    """Delete counts whose window and lock are over (the table stays small)."""
    table = LoginThrottle.__table__
    db.session.execute(
        table.delete().where(
            table.c.first_failure_at < before,
            sa.or_(table.c.locked_until.is_(None), table.c.locked_until < now),
            table.c.name_hash != keep,
        )
    )


@write_transaction
def clear(username: str) -> bool:
    """Forget the failures of *username* and unlock it; return whether it was locked."""
    row = db.session.get(LoginThrottle, _digest(username))
    if row is None:
        return False
    locked = _minutes_until(row.locked_until, utcnow()) > 0
    db.session.delete(row)
    return locked
