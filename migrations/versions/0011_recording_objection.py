"""A caller's objection to the call being recorded: when it was heard.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-22 23:00:00
"""

import sqlalchemy as sa
from alembic import op

import debt.clock

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("call", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("recording_objected_at", debt.clock.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("call", schema=None) as batch_op:
        batch_op.drop_column("recording_objected_at")
