"""API tokens: created for a user, checked by hash."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import SQLITE_BEGIN_IMMEDIATE, db
from app.models import ApiToken, User
from app.models.types import utcnow
from app.transactions import write_transaction

PREFIX = "atm_"
#: ``last_used_at`` is written at most this often per token: reads should not all write
LAST_USED_PRECISION = dt.timedelta(minutes=1)

log = logging.getLogger(__name__)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@write_transaction
def create_token(user: User, name: str = "") -> str:
    """Store a new token for *user*; return the token text (never stored)."""
    token = PREFIX + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user_id=user.id, token_hash=_digest(token), name=name))
    return token


#: a token's id, when it was last used and its user, in one query
_BY_DIGEST = (
    sa.select(ApiToken.id, ApiToken.last_used_at, User)
    .join(User, User.id == ApiToken.user_id)
    .where(ApiToken.token_hash == sa.bindparam("digest"))
)


def user_for_token(token: str) -> User | None:
    """The active user a token belongs to, or None."""
    row = db.session.execute(_BY_DIGEST, {"digest": _digest(token)}).first()
    if row is None or not row.User.active:
        return None
    token_id, last_used_at, user = row
    now = utcnow()
    if last_used_at is None or now - last_used_at > LAST_USED_PRECISION:
        db.session.commit()  # end this read: what the request reads next includes the note
        _note_use(token_id, now)
    return user


def _note_use(token_id: int, now: dt.datetime) -> None:
    """Record when a token was last used, in a transaction of its own on its own
    connection: the request neither waits on it for long nor fails because of it."""
    table = ApiToken.__table__
    stale = sa.or_(table.c.last_used_at.is_(None), table.c.last_used_at < now - LAST_USED_PRECISION)
    try:
        with db.engine.connect().execution_options(**{SQLITE_BEGIN_IMMEDIATE: True}) as conn:
            with conn.begin():
                conn.execute(
                    table.update().where(table.c.id == token_id, stale).values(last_used_at=now)
                )
    except SQLAlchemyError:
        log.warning("could not record the use of API token %s", token_id, exc_info=True)
