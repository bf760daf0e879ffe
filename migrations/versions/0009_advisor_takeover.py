"""An advisor's takeover of a conversation from the console's inbox: who holds it and since when.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22 20:00:00
"""

import sqlalchemy as sa
from alembic import op

import debt.clock

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

FK_NAME = "fk_conversation_held_by_user_id_console_user"


def upgrade() -> None:
    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("held_by_user_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("held_since", debt.clock.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_conversation_held_by_user_id"), ["held_by_user_id"], unique=False
        )
        batch_op.create_foreign_key(FK_NAME, "console_user", ["held_by_user_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.drop_constraint(FK_NAME, type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_conversation_held_by_user_id"))
        batch_op.drop_column("held_since")
        batch_op.drop_column("held_by_user_id")
