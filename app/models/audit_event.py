"""The audit log: one row per thing a person did, kept unchanged.

Rows refer to users and forms by plain ids (no foreign keys): deleting a form or a user
must neither cascade into the log nor rewrite it, and an insert must never wait on a lock
held on those rows. The user name is copied, so an entry still names its author after
the account is renamed or removed.
"""

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import JSONDocument, utcnow

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class AuditEvent(db.Model):
    __tablename__ = "audit_event"
    __table_args__ = (
        sa.Index("ix_audit_event_at", "at"),
        sa.Index("ix_audit_event_username_at", "username", "at"),
        sa.Index("ix_audit_event_user_id_at", "user_id", "at"),
        sa.Index("ix_audit_event_form_id_at", "form_id", "at"),
        sa.Index("ix_audit_event_action_at", "action", "at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column()
    #: the author's user name when it happened (for a failed log-in: the name typed)
    username: Mapped[str | None] = mapped_column(sa.String(80))
    action: Mapped[str] = mapped_column(sa.String(40))
    form_id: Mapped[int | None] = mapped_column()
    record_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    #: a summary of what changed or was read (filters, row counts, old and new values)
    detail: Mapped[dict] = mapped_column(JSONDocument, default=dict)
    ip: Mapped[str | None] = mapped_column(sa.String(45))
    user_agent: Mapped[str | None] = mapped_column(sa.String(300))
    #: "web", "api" or "cli"
    via: Mapped[str] = mapped_column(sa.String(8), default="web")


#: PostgreSQL refuses to change or remove entries, except the deletions of the retention
#: job, which announces itself with ``SET LOCAL atsume.audit_prune = 'on'``.
POSTGRESQL_GUARD = (
    """
    CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' AND current_setting('atsume.audit_prune', true) = 'on' THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION 'the audit log is append-only';
    END $$
    """,
    "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
    "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()",
)
#: SQLite has no session settings to tell the retention job apart, so it refuses updates only.
SQLITE_GUARD = (
    "CREATE TRIGGER audit_event_append_only BEFORE UPDATE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
)

for _statement in POSTGRESQL_GUARD:
    sa.event.listen(
        AuditEvent.__table__, "after_create", sa.DDL(_statement).execute_if(dialect="postgresql")
    )
for _statement in SQLITE_GUARD:
    sa.event.listen(
        AuditEvent.__table__, "after_create", sa.DDL(_statement).execute_if(dialect="sqlite")
    )
