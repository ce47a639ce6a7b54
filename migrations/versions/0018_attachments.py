"""File attachments: metadata of uploaded files (the content lives in the upload store).

Revision ID: 0018_attachments
Revises: 0016_outbox
"""
import sqlalchemy as sa
from alembic import op

revision = "0018_attachments"
down_revision = "0016_outbox"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "attachment",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("form_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.BigInteger(), nullable=True),
        sa.Column("field_key", sa.String(length=40), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["form_id"], ["form.id"], name=op.f("fk_attachment_form_id_form"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachment")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_attachment_storage_key")),
    )
    op.create_index("ix_attachment_form_record", "attachment", ["form_id", "record_id"], unique=False)
    op.create_index("ix_attachment_unattached", "attachment", ["record_id", "created_at"], unique=False)


def downgrade():
    op.drop_index("ix_attachment_unattached", table_name="attachment")
    op.drop_index("ix_attachment_form_record", table_name="attachment")
    op.drop_table("attachment")
