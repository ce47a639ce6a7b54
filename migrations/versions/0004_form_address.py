"""Former public addresses of forms, kept as forwarding addresses.

Revision ID: 0004_form_address
Revises: 0003_session_generation
"""
import sqlalchemy as sa
from alembic import op

revision = "0004_form_address"
down_revision = "0003_session_generation"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "form_address",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=63), nullable=False),
        sa.Column("form_id", sa.Integer(), nullable=False),
        sa.Column("retired_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["form_id"], ["form.id"], name=op.f("fk_form_address_form_id_form"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_form_address")),
        sa.UniqueConstraint("slug", name=op.f("uq_form_address_slug")),
    )
    op.create_index(op.f("ix_form_address_form_id"), "form_address", ["form_id"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_form_address_form_id"), table_name="form_address")
    op.drop_table("form_address")
