"""Per-form record workflow: statuses, transitions and who may make them.

Revision ID: 0011_workflow
Revises: 0010_record_history
"""
import sqlalchemy as sa
from alembic import op

revision = "0011_workflow"
down_revision = "0010_record_history"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("form") as batch:
        batch.add_column(
            sa.Column(
                "workflow",
                sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql"),
                nullable=True,
            )
        )


def downgrade():
    with op.batch_alter_table("form") as batch:
        batch.drop_column("workflow")
