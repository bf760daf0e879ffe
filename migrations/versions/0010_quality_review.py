"""Quality review in the console: reviewers' marks on conversations and turns, and each conversation's
review status.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-22 22:00:00
"""

import sqlalchemy as sa
from alembic import op

import debt.clock

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "review_mark",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("turn_id", sa.Integer(), nullable=True),
        sa.Column("verdict", sa.String(length=12), nullable=False),
        sa.Column("category", sa.String(length=24), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("at", debt.clock.UTCDateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", debt.clock.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversation.id"]),
        sa.ForeignKeyConstraint(["reviewer_id"], ["console_user.id"]),
        sa.ForeignKeyConstraint(["turn_id"], ["turn.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("review_mark", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_mark_category"), ["category"], unique=False)
        batch_op.create_index(batch_op.f("ix_review_mark_conversation_id"), ["conversation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_review_mark_reviewer_id"), ["reviewer_id"], unique=False)

    op.create_table(
        "conversation_review",
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", debt.clock.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversation.id"]),
        sa.ForeignKeyConstraint(["reviewer_id"], ["console_user.id"]),
        sa.PrimaryKeyConstraint("conversation_id"),
    )
    with op.batch_alter_table("conversation_review", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_conversation_review_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("conversation_review", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conversation_review_status"))
    op.drop_table("conversation_review")
    with op.batch_alter_table("review_mark", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_mark_reviewer_id"))
        batch_op.drop_index(batch_op.f("ix_review_mark_conversation_id"))
        batch_op.drop_index(batch_op.f("ix_review_mark_category"))
    op.drop_table("review_mark")
