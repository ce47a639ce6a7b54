"""Saved list views of a form's records.

Revision ID: 0013_saved_views
Revises: 0018_attachments
"""
import sqlalchemy as sa
from alembic import op

revision = "0013_saved_views"
down_revision = "0018_attachments"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "saved_view",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("form_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("spec", sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["form_id"], ["form.id"], name=op.f("fk_saved_view_form_id_form"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["owner_id"], ["user_account.id"], name=op.f("fk_saved_view_owner_id_user_account"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_view")),
    )
    op.create_index("ix_saved_view_form_owner", "saved_view", ["form_id", "owner_id"], unique=False)


def downgrade():
    op.drop_index("ix_saved_view_form_owner", table_name="saved_view")
    op.drop_table("saved_view")
