"""Second factor for the console: an adviser's TOTP secret (encrypted; enrolled once confirmed by
a first code) and their recovery codes (keyed hashes, each used once)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 12:40:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('advisers') as batch:
        batch.add_column(sa.Column('totp_secret_enc', sa.Text(), nullable=True))
        batch.add_column(sa.Column('totp_enrolled_at', sa.DateTime(), nullable=True))
    op.create_table(
        'recovery_codes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('adviser_id', sa.Integer(), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('used_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['adviser_id'], ['advisers.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_recovery_codes_adviser_id', 'recovery_codes', ['adviser_id'])


def downgrade() -> None:
    op.drop_index('ix_recovery_codes_adviser_id', table_name='recovery_codes')
    op.drop_table('recovery_codes')
    with op.batch_alter_table('advisers') as batch:
        batch.drop_column('totp_enrolled_at')
        batch.drop_column('totp_secret_enc')
