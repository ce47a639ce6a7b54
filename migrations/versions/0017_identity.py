"""The office's identity on public pages, department contacts, and embedding origins.

Revision ID: 0017_identity
Revises: 0010_record_history
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0017_identity"
down_revision = "0010_record_history"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade():
    op.create_table(
        "site_setting",
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("value", _JSON, nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_site_setting")),
    )
    with op.batch_alter_table("department") as batch:
        batch.add_column(sa.Column("contact_phone", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("contact_email", sa.String(length=254), nullable=True))
        batch.add_column(sa.Column("contact_hours", sa.String(length=200), nullable=True))
    with op.batch_alter_table("form") as batch:
        batch.add_column(sa.Column("embed_origins", _JSON, nullable=True))


def downgrade():
    with op.batch_alter_table("form") as batch:
        batch.drop_column("embed_origins")
    with op.batch_alter_table("department") as batch:
        batch.drop_column("contact_hours")
        batch.drop_column("contact_email")
        batch.drop_column("contact_phone")
    op.drop_table("site_setting")
