"""Telegram buttons whose payload exceeds Telegram's 64 bytes carry a short token instead
(content-addressed: one row per distinct payload, not per message), and one-time links that move
a conversation between the web and Telegram

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 11:40:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'button_tokens',
        sa.Column('token', sa.String(length=32), nullable=False),
        sa.Column('payload', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('token'),
    )
    op.create_table(
        'handovers',
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('address_enc', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('used_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('token_hash'),
    )


def downgrade() -> None:
    op.drop_table('handovers')
    op.drop_table('button_tokens')
