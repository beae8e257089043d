"""requests to an adviser per client and hour, counted in the database so that every worker
shares the bound (bot/bound.py): a keyed hash of the client and the time, kept an hour

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 15:40:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'case_requests',
        sa.Column('client', sa.String(length=80), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
    )
    op.create_index('ix_case_requests_client_at', 'case_requests', ['client', 'at'])


def downgrade() -> None:
    op.drop_index('ix_case_requests_client_at', table_name='case_requests')
    op.drop_table('case_requests')
