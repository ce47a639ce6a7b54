"""Form templates, and an optional acceptance period per form.

Revision ID: 0002_templates_and_schedule
Revises: f211a6fe1f85
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002_templates_and_schedule"
down_revision = "f211a6fe1f85"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "form_template",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("document", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"], name=op.f("fk_form_template_created_by_id_user_account")),
        sa.ForeignKeyConstraint(["department_id"], ["department.id"], name=op.f("fk_form_template_department_id_department")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_form_template")),
    )
    with op.batch_alter_table("form") as batch:
        batch.add_column(sa.Column("opens_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("closes_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("form") as batch:
        batch.drop_column("closes_at")
        batch.drop_column("opens_at")
    op.drop_table("form_template")
