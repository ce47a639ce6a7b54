"""Logged-in browsers, kept on the server: deleting a row ends that session at once,
whatever copy of its cookie is still around."""

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import utcnow
from app.models.user import User


class LoginSession(db.Model):
    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    #: SHA-256 of the random key held in the session cookie (the key itself is not stored)
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: when the browser was last seen (written at most once a minute), for the idle timeout
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()
