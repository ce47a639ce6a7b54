"""Per-form grants; every existing form's department keeps what it could do.

Revision ID: 0006_grants
Revises: 0005_organisation
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006_grants"
down_revision = "0005_organisation"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
#: what a form's own department could do before grants existed
DEPARTMENT_RIGHTS = [
    "view_records", "add_records", "edit_records", "delete_records", "export", "import", "manage",
]


def upgrade():
    grant = op.create_table(
        "form_grant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("form_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("everyone", sa.Boolean(), nullable=False),
        sa.Column("include_children", sa.Boolean(), nullable=False),
        sa.Column("rights", JSON, nullable=False),
        sa.Column("fields", JSON, nullable=False),
        sa.CheckConstraint(
            "(CASE WHEN department_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN user_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN everyone THEN 1 ELSE 0 END) = 1",
            name=op.f("ck_form_grant_one_grantee"),
        ),
        sa.ForeignKeyConstraint(["department_id"], ["department.id"], name=op.f("fk_form_grant_department_id_department"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["form_id"], ["form.id"], name=op.f("fk_form_grant_form_id_form"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_form_grant_user_id_user_account"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_form_grant")),
    )
    op.create_index(op.f("ix_form_grant_form_id"), "form_grant", ["form_id"], unique=False)
    # Before grants, a form's department could do everything with it: keep that explicit.
    connection = op.get_bind()
    form = sa.table("form", sa.column("id"), sa.column("department_id"))
    rows = connection.execute(
        sa.select(form.c.id, form.c.department_id).where(form.c.department_id.is_not(None))
    ).all()
    if rows:
        op.bulk_insert(
            grant,
            [
                {
                    "form_id": form_id,
                    "department_id": department_id,
                    "user_id": None,
                    "everyone": False,
                    "include_children": False,
                    "rights": DEPARTMENT_RIGHTS,
                    "fields": {},
                }
                for form_id, department_id in rows
            ],
        )


def downgrade():
    op.drop_index(op.f("ix_form_grant_form_id"), table_name="form_grant")
    op.drop_table("form_grant")
