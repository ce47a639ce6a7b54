"""Staff-only forms: who has answered each one (one answer per person, anonymous mode).

Revision ID: 0009_staff_forms
Revises: 0008_accounts
"""
import sqlalchemy as sa
from alembic import op

revision = "0009_staff_forms"
down_revision = "0008_accounts"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "survey_respondent",
        sa.Column("form_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(["form_id"], ["form.id"], name=op.f("fk_survey_respondent_form_id_form"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_survey_respondent_user_id_user_account"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("form_id", "user_id", name=op.f("pk_survey_respondent")),
    )
    op.create_index(op.f("ix_survey_respondent_user_id"), "survey_respondent", ["user_id"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_survey_respondent_user_id"), table_name="survey_respondent")
    op.drop_table("survey_respondent")
