"""Phone calls (status, answering-machine result, stage in our flow, the attempt behind an outbound
call) and their recordings.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 16:01:55
"""

import sqlalchemy as sa
from alembic import op

import debt.clock


revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "call",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_sid", sa.String(length=64), nullable=True),
        sa.Column("conversation_id", sa.Integer(), nullable=True),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("attempt_id", sa.Integer(), nullable=True),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("from_number", sa.String(length=32), nullable=False),
        sa.Column("to_number", sa.String(length=32), nullable=False),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("answered_by", sa.String(length=24), nullable=True),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("end_reason", sa.Text(), nullable=True),
        sa.Column("created_at", debt.clock.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answered_at", debt.clock.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_at", debt.clock.UTCDateTime(timezone=True), nullable=True),
        sa.Column("duration_seconds", sa.Integer(), nullable=True),
        sa.Column("recording_requested", sa.Boolean(), nullable=False),
        sa.Column("updated_at", debt.clock.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["contact_attempt.id"],
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversation.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("attempt_id"),
        sa.UniqueConstraint("call_sid"),
    )
    with op.batch_alter_table("call", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_call_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_call_conversation_id"), ["conversation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_call_status"), ["status"], unique=False)

    op.create_table(
        "call_recording",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recording_sid", sa.String(length=64), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=True),
        sa.Column("call_sid", sa.String(length=64), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("duration_seconds", sa.Integer(), nullable=True),
        sa.Column("channels", sa.Integer(), nullable=True),
        sa.Column("updated_at", debt.clock.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"],
            ["call.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("recording_sid"),
    )
    with op.batch_alter_table("call_recording", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_call_recording_call_id"), ["call_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_call_recording_call_sid"), ["call_sid"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("call_recording", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_call_recording_call_sid"))
        batch_op.drop_index(batch_op.f("ix_call_recording_call_id"))

    op.drop_table("call_recording")
    with op.batch_alter_table("call", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_call_status"))
        batch_op.drop_index(batch_op.f("ix_call_conversation_id"))
        batch_op.drop_index(batch_op.f("ix_call_account_id"))

    op.drop_table("call")
