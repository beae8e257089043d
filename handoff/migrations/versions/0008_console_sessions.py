"""Console sessions kept on the server: a session id (its SHA-256 only) per sign-in, with when it
began, was last used and was revoked (logout, password change, a supervisor)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 12:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'console_sessions',
        sa.Column('id_hash', sa.String(length=64), nullable=False),
        sa.Column('adviser_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(), nullable=False),
        sa.Column('revoked_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['adviser_id'], ['advisers.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id_hash'),
    )
    op.create_index('ix_console_sessions_adviser_id', 'console_sessions', ['adviser_id'])


def downgrade() -> None:
    op.drop_index('ix_console_sessions_adviser_id', table_name='console_sessions')
    op.drop_table('console_sessions')
