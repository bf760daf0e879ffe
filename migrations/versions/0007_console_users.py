"""Console users (hashed passwords, roles, lockout) and their signed-in sessions.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 19:32:54
"""

from alembic import op
import sqlalchemy as sa
import debt.clock


revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "console_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("login", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=120), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=12), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", debt.clock.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", debt.clock.UTCDateTime(timezone=True), nullable=True),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", debt.clock.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("console_user", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_console_user_login"), ["login"], unique=True)

    op.create_table(
        "console_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", debt.clock.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", debt.clock.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", debt.clock.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["console_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("console_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_console_session_token_hash"), ["token_hash"], unique=True)
        batch_op.create_index(batch_op.f("ix_console_session_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("console_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_console_session_user_id"))
        batch_op.drop_index(batch_op.f("ix_console_session_token_hash"))

    op.drop_table("console_session")
    with op.batch_alter_table("console_user", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_console_user_login"))

    op.drop_table("console_user")
