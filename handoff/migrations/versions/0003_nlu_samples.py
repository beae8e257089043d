"""nlu samples: messages not understood that the person agreed to share, encrypted

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 03:10:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'nlu_samples',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('week', sa.String(length=8), nullable=False),
        sa.Column('topic', sa.String(length=64), nullable=False),
        sa.Column('locale', sa.String(length=2), nullable=False),
        sa.Column('text_enc', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_nlu_samples_created_at', 'nlu_samples', ['created_at'])


def downgrade() -> None:
    op.drop_index('ix_nlu_samples_created_at', table_name='nlu_samples')
    op.drop_table('nlu_samples')
