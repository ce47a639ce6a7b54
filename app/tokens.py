"""API tokens: created for a user, checked by hash."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import sqlalchemy as sa

from app.extensions import db
from app.models import ApiToken, User
from app.models.types import utcnow

PREFIX = "atm_"
LAST_USED_PRECISION = dt.timedelta(minutes=5)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user: User, name: str = "") -> str:
    """Store a new token for *user*; return the token text (never stored)."""
    token = PREFIX + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user_id=user.id, token_hash=_digest(token), name=name))
    db.session.commit()
    return token


def user_for_token(token: str) -> User | None:
    """The active user a token belongs to, or None."""
    row = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if row is None or not row.user.active:
        return None
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_PRECISION:
        row.last_used_at = now  # not on every request: reads should not all write
        db.session.commit()
    return row.user
