"""conversations and processed Telegram updates under the migrations

Earlier versions created both tables with `create_all` when the server started: a database
they made already holds them, and this revision then only records that it is up to date.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 04:20:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if 'conversations' not in existing:
        op.create_table(
            'conversations',
            sa.Column('key', sa.String(length=200), nullable=False),
            sa.Column('state', sa.Text(), nullable=False),
            sa.Column('created_at', sa.DateTime(), nullable=False),
            sa.Column('updated_at', sa.DateTime(), nullable=False),
            sa.PrimaryKeyConstraint('key'),
        )
    if 'telegram_updates' not in existing:
        op.create_table(
            'telegram_updates',
            sa.Column('update_id', sa.Integer(), autoincrement=False, nullable=False),
            sa.Column('received_at', sa.DateTime(), nullable=False),
            sa.PrimaryKeyConstraint('update_id'),
        )


def downgrade() -> None:
    op.drop_table('telegram_updates')
    op.drop_table('conversations')
