"""Comments on records, and the colleagues they mention.

Revision ID: 0012_comments
Revises: 0011_workflow
"""
import sqlalchemy as sa
from alembic import op

revision = "0012_comments"
down_revision = "0011_workflow"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_JSON = sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql")


def upgrade():
    op.create_table(
        "record_comment",
        sa.Column("id", _ID, nullable=False),
        sa.Column("form_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("mentions", _JSON, nullable=False),
        sa.ForeignKeyConstraint(["form_id"], ["form.id"], name=op.f("fk_record_comment_form_id_form"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_record_comment_user_id_user_account"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_comment")),
    )
    op.create_index("ix_record_comment_form_record", "record_comment", ["form_id", "record_id", "id"], unique=False)
    op.create_table(
        "record_mention",
        sa.Column("comment_id", _ID, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["comment_id"], ["record_comment.id"], name=op.f("fk_record_mention_comment_id_record_comment"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_record_mention_user_id_user_account"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("comment_id", "user_id", name=op.f("pk_record_mention")),
    )
    op.create_index(op.f("ix_record_mention_user_id"), "record_mention", ["user_id"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_record_mention_user_id"), table_name="record_mention")
    op.drop_table("record_mention")
    op.drop_index("ix_record_comment_form_record", table_name="record_comment")
    op.drop_table("record_comment")
