"""Search in the transcripts: a GIN index on the words of the turns (PostgreSQL only; SQLite searches
with LIKE).

The expression must stay the one of console/conversation_search.py, or PostgreSQL does not use the index;
the model (Turn.__table_args__) declares it too, so that `alembic check` compares it.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22 19:50:00
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    if _postgresql():
        # 'simple': lowercase, every word kept, no stemming; one index for French, German and English.
        op.execute("CREATE INDEX ix_turn_text_search ON turn USING gin (to_tsvector('simple', text))")


def downgrade() -> None:
    if _postgresql():
        op.execute("DROP INDEX IF EXISTS ix_turn_text_search")
