"""Follow-up from anywhere and two-way messages: the case's follow-up code (its keyed hash, the
wrong tries in a row, a lock), and the direction of a message (the person now answers) with
when an adviser read the person's message

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 11:40:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cases') as batch:
        batch.add_column(sa.Column('access_hash', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('access_failures', sa.Integer(), nullable=False, server_default='0'))
        batch.add_column(sa.Column('access_locked_until', sa.DateTime(), nullable=True))
    with op.batch_alter_table('person_messages') as batch:
        batch.add_column(sa.Column('direction', sa.String(length=4), nullable=False, server_default='out'))
        batch.add_column(sa.Column('read_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('person_messages') as batch:
        batch.drop_column('read_at')
        batch.drop_column('direction')
    with op.batch_alter_table('cases') as batch:
        batch.drop_column('access_locked_until')
        batch.drop_column('access_failures')
        batch.drop_column('access_hash')
