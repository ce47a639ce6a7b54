"""Staff accounts: checking credentials, log-in sessions kept on the server (with an idle
and an absolute timeout), and the changes that end them (log-out, password change or
reset, deactivation)."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import joinedload

from app import lockout
from app.extensions import SQLITE_BEGIN_IMMEDIATE, db
from app.models import LoginSession, User
from app.models.types import utcnow
from app.passwords import (
    check_no_password,
    check_password,
    generate_password,
    hash_password,
    needs_rehash,
)
from app.transactions import write_transaction


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


#: ``last_seen_at`` is written at most this often per session: reads should not all write
LAST_SEEN_PRECISION = dt.timedelta(minutes=1)

#: why a log-in session ended by itself
IDLE = "idle"
TOO_OLD = "too_old"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoginAttempt:
    """The answer to a user name and password: the user, or the minutes it is locked for."""

    user: User | None = None
    locked_minutes: int = 0


def authenticate(username: str, password: str) -> LoginAttempt:
    """Check a user name and password; a failure counts towards locking the name.

    Unknown, inactive and locked users cost the same time as a wrong password, and an
    unknown name is locked like an account, so neither the timing nor the answer tells
    which user names exist. Failures are forgotten when a log-in completes
    (:func:`start_session`), not here: a second factor may still be to come.
    """
    name = username.strip()
    locked = lockout.minutes_locked(name)
    user = db.session.scalar(sa.select(User).where(User.username == name))
    if locked or user is None:
        check_no_password(password)
        return LoginAttempt(locked_minutes=locked or lockout.note_failure(name))
    if not check_password(user.password_hash, password) or not user.active:
        return LoginAttempt(locked_minutes=lockout.note_failure(name))
    if needs_rehash(user.password_hash):
        _rehash(user, password)
    return LoginAttempt(user=user)


@write_transaction
def _rehash(user: User, password: str) -> None:
    user.password_hash = hash_password(password)


@write_transaction
def start_session(user: User, replaces: str | None = None) -> str:
    """Record a new log-in of *user*; return the key the browser keeps for it. The browser's
    earlier log-in session (key *replaces*), if any, ends."""
    end_session(replaces)
    lockout.clear(user.username)
    key = secrets.token_urlsafe(32)
    db.session.add(LoginSession(user_id=user.id, key_hash=_digest(key)))
    return key


@dataclass(frozen=True)
class SessionCheck:
    """The user of a log-in session, or why it ran out (:data:`IDLE`, :data:`TOO_OLD`)."""

    user: User | None = None
    ended: str | None = None


def resume_session(user_id: str, key: str | None) -> SessionCheck:
    """The active user of a log-in session that still exists and has not run out.

    A session runs out ATSUME_SESSION_IDLE_MINUTES after its last request, and
    ATSUME_SESSION_MAX_HOURS after the log-in, whatever its use; it is then deleted.
    """
    if not key or not user_id.isdigit():
        return SessionCheck()
    login = db.session.scalar(
        sa.select(LoginSession)
        .where(LoginSession.key_hash == _digest(key), LoginSession.user_id == int(user_id))
        .options(joinedload(LoginSession.user))
    )
    if login is None or not login.user.active:
        return SessionCheck()
    now, config = utcnow(), current_app.config
    ended = None
    if now - login.created_at > dt.timedelta(hours=config["ATSUME_SESSION_MAX_HOURS"]):
        ended = TOO_OLD
    elif now - login.last_seen_at > dt.timedelta(minutes=config["ATSUME_SESSION_IDLE_MINUTES"]):
        ended = IDLE
    user, login_id, last_seen_at = login.user, login.id, login.last_seen_at
    if ended or now - last_seen_at > LAST_SEEN_PRECISION:
        db.session.commit()  # end this read: what the request reads next includes the change
        _note_session(login_id, now, ended=bool(ended))
    return SessionCheck(ended=ended) if ended else SessionCheck(user=user)


def _note_session(login_id: int, now: dt.datetime, ended: bool) -> None:
    """Record that a session was seen (or delete it, if it ran out), in a transaction of
    its own on its own connection: the request neither waits on it for long nor fails
    because of it."""
    table = LoginSession.__table__
    try:
        with db.engine.connect().execution_options(**{SQLITE_BEGIN_IMMEDIATE: True}) as conn:
            with conn.begin():
                if ended:
                    conn.execute(table.delete().where(table.c.id == login_id))
                else:
                    stale = table.c.last_seen_at < now - LAST_SEEN_PRECISION
                    conn.execute(
                        table.update()
                        .where(table.c.id == login_id, stale)
                        .values(last_seen_at=now)
                    )
    except SQLAlchemyError:
        log.warning("could not record the use of log-in session %s", login_id, exc_info=True)


@write_transaction
def end_session(key: str | None) -> None:
    """End one log-in session (log-out)."""
    if key:
        db.session.execute(sa.delete(LoginSession).where(LoginSession.key_hash == _digest(key)))


@write_transaction
def end_sessions(user: User, keep: str | None = None) -> int:
    """End every log-in session of *user*, except the one whose key is *keep*; return
    how many were ended."""
    query = sa.delete(LoginSession).where(LoginSession.user_id == user.id)
    if keep:
        query = query.where(LoginSession.key_hash != _digest(keep))
    return db.session.execute(query).rowcount


def other_sessions(user: User, key: str | None) -> int:
    """How many log-in sessions *user* has besides the one whose key is *key*."""
    query = sa.select(sa.func.count()).where(LoginSession.user_id == user.id)
    if key:
        query = query.where(LoginSession.key_hash != _digest(key))
    return db.session.scalar(query)


@write_transaction
def change_password(user: User, password: str, keep: str | None = None) -> int:
    """Set the password *user* chose; every other session of *user* ends (return how many)."""
    user.password_hash = hash_password(password)
    user.must_change_password = False
    return end_sessions(user, keep)


@write_transaction
def reset_password(user: User) -> str:
    """Give *user* a new one-time password (to change at the next log-in); every session
    of *user* ends. Return the password."""
    password = generate_password()
    user.password_hash = hash_password(password)
    user.must_change_password = True
    end_sessions(user)
    lockout.clear(user.username)
    return password


@write_transaction
def deactivate(user: User) -> None:
    """Stop *user* from logging in: their sessions end and their API tokens stop working."""
    user.active = False
    end_sessions(user)

