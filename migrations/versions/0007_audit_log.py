"""The audit log, append-only.

Revision ID: 0007_audit_log
Revises: 0006_grants
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0007_audit_log"
down_revision = "0006_grants"
branch_labels = None
depends_on = None

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
SQLITE_GUARD = (
    "CREATE TRIGGER audit_event_append_only BEFORE UPDATE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
)


def upgrade():
    op.create_table(
        "audit_event",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(length=80), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("form_id", sa.Integer(), nullable=True),
        sa.Column("record_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "detail",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("ip", sa.String(length=45), nullable=True),
        sa.Column("user_agent", sa.String(length=300), nullable=True),
        sa.Column("via", sa.String(length=8), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    op.create_index("ix_audit_event_at", "audit_event", ["at"], unique=False)
    op.create_index("ix_audit_event_username_at", "audit_event", ["username", "at"], unique=False)
    op.create_index("ix_audit_event_user_id_at", "audit_event", ["user_id", "at"], unique=False)
    op.create_index("ix_audit_event_form_id_at", "audit_event", ["form_id", "at"], unique=False)
    op.create_index("ix_audit_event_action_at", "audit_event", ["action", "at"], unique=False)
    dialect = op.get_bind().dialect.name
    guard = {"postgresql": POSTGRESQL_GUARD, "sqlite": SQLITE_GUARD}.get(dialect, ())
    for statement in guard:
        op.execute(statement)


def downgrade():
    op.drop_table("audit_event")  # its indexes and triggers go with it
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION audit_event_append_only()")
