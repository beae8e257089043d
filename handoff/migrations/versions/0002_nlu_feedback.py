"""nlu feedback: counts per week and topic of messages not understood (no text)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 01:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'nlu_feedback',
        sa.Column('week', sa.String(length=8), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('topic', sa.String(length=64), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('week', 'kind', 'topic'),
    )


def downgrade() -> None:
    op.drop_table('nlu_feedback')
