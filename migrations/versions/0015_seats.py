"""Event registration: seat counters, applicants' private links, one application per value.

Revision ID: 0015_seats
Revises: 0010_record_history
"""
import sqlalchemy as sa
from alembic import op

revision = "0015_seats"
down_revision = "0010_record_history"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "seat_pool",
        sa.Column("form_id", sa.Integer(), nullable=False),
        sa.Column("pool", sa.String(length=250), nullable=False),
        sa.Column("seat_limit", sa.Integer(), nullable=True),
        sa.Column("taken", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["form_id"], ["form.id"], name=op.f("fk_seat_pool_form_id_form"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("form_id", "pool", name=op.f("pk_seat_pool")),
    )
    op.create_table(
        "registration",
        sa.Column("form_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.BigInteger(), nullable=False),
        sa.Column("secret", sa.String(length=43), nullable=False),
        sa.ForeignKeyConstraint(["form_id"], ["form.id"], name=op.f("fk_registration_form_id_form"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("form_id", "record_id", name=op.f("pk_registration")),
    )
    op.create_table(
        "one_per_value",
        sa.Column("form_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["form_id"], ["form.id"], name=op.f("fk_one_per_value_form_id_form"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("form_id", "digest", name=op.f("pk_one_per_value")),
    )


def downgrade():
    op.drop_table("one_per_value")
    op.drop_table("registration")
    op.drop_table("seat_pool")
