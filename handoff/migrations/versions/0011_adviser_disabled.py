"""an adviser account disabled (a departure): it no longer signs in, its sessions are ended, its
history (notes, audit) stays

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 15:20:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('advisers') as batch:
        batch.add_column(sa.Column('disabled_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('advisers') as batch:
        batch.drop_column('disabled_at')
