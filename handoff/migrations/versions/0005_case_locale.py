"""cases.locale: the person's language, for what is sent to them (an adviser's message pushed on
Telegram); the cases made before it were all made in French or English, and are read as French

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 06:05:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cases') as batch:
        batch.add_column(sa.Column('locale', sa.String(length=8), nullable=False, server_default='fr'))


def downgrade() -> None:
    with op.batch_alter_table('cases') as batch:
        batch.drop_column('locale')
