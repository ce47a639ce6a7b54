"""Staff accounts: checking credentials, log-in sessions kept on the server, and the
changes that end them (log-out, password change or reset, deactivation)."""

from __future__ import annotations

import hashlib
import secrets

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import LoginSession, User
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


def authenticate(username: str, password: str) -> User | None:
    """The active user with these credentials, or None.

    Unknown and inactive users cost the same time as a wrong password, so the answer's
    timing does not tell which user names exist.
    """
    user = db.session.scalar(sa.select(User).where(User.username == username.strip()))
    if user is None:
        return check_no_password(password) or None
    if not check_password(user.password_hash, password) or not user.active:
        return None
    if needs_rehash(user.password_hash):
        _rehash(user, password)
    return user


@write_transaction
def _rehash(user: User, password: str) -> None:
    user.password_hash = hash_password(password)


@write_transaction
def start_session(user: User, replaces: str | None = None) -> str:
    """Record a new log-in of *user*; return the key the browser keeps for it. The browser's
    earlier log-in session (key *replaces*), if any, ends."""
    end_session(replaces)
    key = secrets.token_urlsafe(32)
    db.session.add(LoginSession(user_id=user.id, key_hash=_digest(key)))
    return key


def session_user(user_id: str, key: str | None) -> User | None:
    """The active user of a log-in session that still exists, or None."""
    if not key or not user_id.isdigit():
        return None
    login = db.session.scalar(
        sa.select(LoginSession)
        .where(LoginSession.key_hash == _digest(key), LoginSession.user_id == int(user_id))
        .options(joinedload(LoginSession.user))
    )
    if login is None or not login.user.active:
        return None
    return login.user


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
    return password


@write_transaction
def deactivate(user: User) -> None:
    """Stop *user* from logging in: their sessions end and their API tokens stop working."""
    user.active = False
    end_sessions(user)

