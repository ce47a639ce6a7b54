"""Departments nest (parent); users belong to several departments (department_member).

Each user's department becomes their first membership; it stays their primary one.

Revision ID: 0005_organisation
Revises: 0004_form_address
"""
import sqlalchemy as sa
from alembic import op

revision = "0005_organisation"
down_revision = "0004_form_address"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("department") as batch:
        batch.add_column(sa.Column("parent_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_department_parent_id_department"), "department", ["parent_id"], ["id"]
        )
        batch.create_index(op.f("ix_department_parent_id"), ["parent_id"], unique=False)
    op.create_table(
        "department_member",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
            name=op.f("fk_department_member_department_id_department"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_department_member_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "department_id", name=op.f("pk_department_member")),
    )
    op.create_index(
        op.f("ix_department_member_department_id"),
        "department_member",
        ["department_id"],
        unique=False,
    )
    op.execute(
        "INSERT INTO department_member (user_id, department_id) "
        "SELECT id, department_id FROM user_account WHERE department_id IS NOT NULL"
    )


def downgrade():
    op.drop_index(op.f("ix_department_member_department_id"), table_name="department_member")
    op.drop_table("department_member")
    with op.batch_alter_table("department") as batch:
        batch.drop_index(op.f("ix_department_parent_id"))
        batch.drop_constraint(op.f("fk_department_parent_id_department"), type_="foreignkey")
        batch.drop_column("parent_id")
