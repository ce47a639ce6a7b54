"""Failed log-ins per user name, for locking an account after repeated failures."""

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class LoginThrottle(db.Model):
    """One row per user name that failed recently, whether or not such a user exists, so
    that locking tells nobody which names are accounts."""

    __tablename__ = "login_throttle"

    #: SHA-256 of the user name as typed (a password typed into the wrong box is not kept)
    name_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    #: the first failure of the current count; failures older than the window start anew
    first_failure_at: Mapped[dt.datetime] = mapped_column(index=True)
    locked_until: Mapped[dt.datetime | None]
