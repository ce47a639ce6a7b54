"""Column types shared by the system tables."""

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

JSONDocument = sa.JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> dt.datetime:
    """Naive UTC now: every timestamp is stored in UTC and shown in the office's zone."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)
