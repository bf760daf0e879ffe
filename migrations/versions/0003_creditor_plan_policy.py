"""A creditor's plan policy: the smallest instalment and the longest plan the assistant may agree.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 11:38:58.935547
"""

import sqlalchemy as sa
from alembic import op

import debt.money

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("creditor", schema=None) as batch_op:
        batch_op.add_column(sa.Column("min_instalment", debt.money.MoneyType(), nullable=True))
        batch_op.add_column(sa.Column("max_months", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("creditor", schema=None) as batch_op:
        batch_op.drop_column("max_months")
        batch_op.drop_column("min_instalment")
