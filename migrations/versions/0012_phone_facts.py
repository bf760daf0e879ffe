"""A phone contact point keeps what its number tells, worked out when the row is written: its time
zone and whether it is a mobile.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-23 01:00:00
"""

import sqlalchemy as sa
from alembic import op

from debt.phones import phone_facts

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_BATCH = 10_000
_points = sa.table(
    "contact_point",
    sa.column("id", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("value", sa.String),
    sa.column("time_zone", sa.String),
    sa.column("mobile", sa.Boolean),
)


def upgrade() -> None:
    with op.batch_alter_table("contact_point", schema=None) as batch_op:
        batch_op.add_column(sa.Column("time_zone", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("mobile", sa.Boolean(), nullable=True))
    _fill_phone_facts(op.get_bind())


def _fill_phone_facts(conn: sa.Connection) -> None:
    """The facts of every phone already on file, a batch at a time (ids in order: memory stays flat)."""
    after = 0
    update = (
        sa.update(_points)
        .where(_points.c.id == sa.bindparam("point_id"))
        .values(time_zone=sa.bindparam("zone"), mobile=sa.bindparam("is_mobile"))
    )
    while True:
        batch = conn.execute(
            sa.select(_points.c.id, _points.c.value)
            .where(_points.c.kind == "phone", _points.c.id > after)
            .order_by(_points.c.id)
            .limit(_BATCH)
        ).all()
        if not batch:
            return
        facts = [(point_id, *phone_facts(value)) for point_id, value in batch]
        conn.execute(update, [{"point_id": i, "zone": zone, "is_mobile": mobile} for i, zone, mobile in facts])
        after = batch[-1][0]


def downgrade() -> None:
    with op.batch_alter_table("contact_point", schema=None) as batch_op:
        batch_op.drop_column("mobile")
        batch_op.drop_column("time_zone")
