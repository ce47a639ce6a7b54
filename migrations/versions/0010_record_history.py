"""Record history, and the system columns for assignees, sources and the trash.

The new system columns are added to every existing record table here, so that a form
published before this version works without being published again.

Revision ID: 0010_record_history
Revises: 0009_staff_forms
"""
import re

import sqlalchemy as sa
from alembic import op

from app.records.tables import add_missing_system_columns

revision = "0010_record_history"
down_revision = "0009_staff_forms"
branch_labels = None
depends_on = None

_RECORD_TABLE = re.compile(r"\Arec_\d+\Z")


def upgrade():
    op.create_table(
        "record_revision",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("form_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("changes", sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["form_id"], ["form.id"], name=op.f("fk_record_revision_form_id_form"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_record_revision_user_id_user_account"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_revision")),
    )
    op.create_index("ix_record_revision_form_record", "record_revision", ["form_id", "record_id", "id"], unique=False)
    connection = op.get_bind()
    for name in sa.inspect(connection).get_table_names():
        if _RECORD_TABLE.match(name):
            add_missing_system_columns(connection, name)


def downgrade():
    op.drop_index("ix_record_revision_form_record", table_name="record_revision")
    op.drop_table("record_revision")
