"""Removing audit entries older than the retention period: the log's only deletion."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app import audit
from app.extensions import db
from app.models import AuditEvent
from app.models.types import utcnow
from app.transactions import write_transaction


def prune(days: int) -> int:
    """Delete the entries older than *days* days (0: keep everything); return how many.

    The pruning itself is recorded in the log.
    """
    if days <= 0:
        return 0
    cutoff = utcnow() - dt.timedelta(days=days)
    deleted = _delete_before(cutoff)
    audit.record(
        audit.AUDIT_PRUNE,
        detail={"days": days, "before": cutoff.isoformat() + "Z", "deleted": deleted},
    )
    return deleted


@write_transaction
def _delete_before(cutoff: dt.datetime) -> int:
    if db.session.get_bind().dialect.name == "postgresql":
        # the database refuses deletions from the log unless this transaction says so
        db.session.execute(sa.text("SET LOCAL atsume.audit_prune = 'on'"))
    result = db.session.execute(
        sa.delete(AuditEvent)
        .where(AuditEvent.at < cutoff)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount
