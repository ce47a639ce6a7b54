"""Accounts: idle timeout of log-in sessions, locking after failed log-ins, the TOTP
second factor and its recovery codes.

Revision ID: 0008_accounts
Revises: 0007_audit_log
"""
import sqlalchemy as sa
from alembic import op

revision = "0008_accounts"
down_revision = "0007_audit_log"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("login_session") as batch:
        # sessions open at upgrade time count as seen when they began
        batch.add_column(sa.Column("last_seen_at", sa.DateTime(), nullable=True))
    op.execute("UPDATE login_session SET last_seen_at = created_at")
    with op.batch_alter_table("login_session") as batch:
        batch.alter_column("last_seen_at", existing_type=sa.DateTime(), nullable=False)

    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("totp_secret", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("totp_last_step", sa.BigInteger(), nullable=True))

    op.create_table(
        "login_throttle",
        sa.Column("name_hash", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("first_failure_at", sa.DateTime(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("name_hash", name=op.f("pk_login_throttle")),
    )
    op.create_index(
        op.f("ix_login_throttle_first_failure_at"), "login_throttle", ["first_failure_at"], unique=False
    )
    op.create_table(
        "recovery_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_recovery_code_user_id_user_account"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_code")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_recovery_code_code_hash")),
    )
    op.create_index(op.f("ix_recovery_code_user_id"), "recovery_code", ["user_id"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_recovery_code_user_id"), table_name="recovery_code")
    op.drop_table("recovery_code")
    op.drop_index(op.f("ix_login_throttle_first_failure_at"), table_name="login_throttle")
    op.drop_table("login_throttle")
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("totp_last_step")
        batch.drop_column("totp_secret")
    with op.batch_alter_table("login_session") as batch:
        batch.drop_column("last_seen_at")
