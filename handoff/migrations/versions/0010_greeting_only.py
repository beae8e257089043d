"""conversations that hold nothing but a greeting, marked so the purge removes them after a day
(a page loaded and left, a crawler) instead of thirty

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 15:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Rows already there count as conversations (kept the longer period): nothing is lost early.
    with op.batch_alter_table('conversations') as batch:
        batch.add_column(sa.Column('greeting_only', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('conversations') as batch:
        batch.drop_column('greeting_only')
