"""Outbound campaigns, their plan (one target per account) and the do-not-contact list.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 18:43:11
"""

from alembic import op
import sqlalchemy as sa
import debt.clock


revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "campaign",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("filter", sa.Text(), nullable=False),
        sa.Column("channels", sa.String(length=40), nullable=False),
        sa.Column("template", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("window_start", debt.clock.UTCDateTime(timezone=True), nullable=False),
        sa.Column("window_end", debt.clock.UTCDateTime(timezone=True), nullable=False),
        sa.Column("max_concurrent_calls", sa.Integer(), nullable=False),
        sa.Column("calls_per_second", sa.Float(), nullable=False),
        sa.Column("sms_per_second", sa.Float(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("planned", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", debt.clock.UTCDateTime(timezone=True), nullable=False),
        sa.Column("planned_at", debt.clock.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", debt.clock.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", debt.clock.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_campaign_status"), ["status"], unique=False)

    op.create_table(
        "do_not_contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("value", sa.String(length=400), nullable=True),
        sa.Column("debtor_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("added_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", debt.clock.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["debtor_id"],
            ["debtor.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("do_not_contact", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_do_not_contact_debtor_id"), ["debtor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_do_not_contact_value"), ["value"], unique=True)

    op.create_table(
        "campaign_target",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("debtor_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("to", sa.String(length=100), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("due_at", debt.clock.UTCDateTime(timezone=True), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=True),
        sa.Column("last_reason", sa.String(length=200), nullable=True),
        sa.Column("updated_at", debt.clock.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("campaign_target", schema=None) as batch_op:
        batch_op.create_index("ix_campaign_target_account", ["campaign_id", "account_id"], unique=True)
        batch_op.create_index(batch_op.f("ix_campaign_target_account_id"), ["account_id"], unique=False)
        batch_op.create_index("ix_campaign_target_due", ["campaign_id", "state", "due_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("campaign_target", schema=None) as batch_op:
        batch_op.drop_index("ix_campaign_target_due")
        batch_op.drop_index(batch_op.f("ix_campaign_target_account_id"))
        batch_op.drop_index("ix_campaign_target_account")

    op.drop_table("campaign_target")
    with op.batch_alter_table("do_not_contact", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_do_not_contact_value"))
        batch_op.drop_index(batch_op.f("ix_do_not_contact_debtor_id"))

    op.drop_table("do_not_contact")
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaign_status"))

    op.drop_table("campaign")
