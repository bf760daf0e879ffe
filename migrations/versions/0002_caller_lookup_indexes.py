"""Index birth date and postcode: an unknown caller is looked up by them (debt.verification).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 10:02:49.970334
"""

from alembic import op


revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('contact_point', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_point_postcode'), ['postcode'], unique=False)

    with op.batch_alter_table('debtor', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_debtor_birth_date'), ['birth_date'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('debtor', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_debtor_birth_date'))

    with op.batch_alter_table('contact_point', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_point_postcode'))

