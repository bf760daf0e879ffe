"""A turn's progress (received, answered, queued for retry; late replies' delivery), the turn a bot
reply answers, and at most one open conversation per party and channel.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 13:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("turn", schema=None) as batch_op:
        batch_op.add_column(sa.Column("state", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("reply_to", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_turn_state"), ["state"], unique=False)
    # Turns stored before this revision were answered in their own time.
    op.execute("UPDATE turn SET state = 'answered' WHERE role = 'debtor'")
    # Older duplicates of an open conversation are closed: the newest stays open.
    op.execute(
        "UPDATE conversation SET status = 'closed' WHERE status = 'open' AND id NOT IN "
        "(SELECT max(id) FROM conversation WHERE status = 'open' GROUP BY channel, party)"
    )
    op.create_index(
        "uq_conversation_open_party",
        "conversation",
        ["channel", "party"],
        unique=True,
        sqlite_where=sa.text("status = 'open'"),
        postgresql_where=sa.text("status = 'open'"),
    )


def downgrade() -> None:
    op.drop_index("uq_conversation_open_party", table_name="conversation")
    with op.batch_alter_table("turn", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_turn_state"))
        batch_op.drop_column("reply_to")
        batch_op.drop_column("state")
