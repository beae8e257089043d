"""an adviser's work on a case: contact attempts (called and reached, no answer, message left,
wrong number) with the next step, and the reason a case was closed; a keyed hash of the
postcode to find a case by it (the postcode itself stays encrypted)

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 16:20:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'contact_attempts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('adviser_id', sa.Integer(), nullable=False),
        sa.Column('outcome', sa.String(length=16), nullable=False),
        sa.Column('next_step_enc', sa.Text(), nullable=True),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['adviser_id'], ['advisers.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_contact_attempts_case_id', 'contact_attempts', ['case_id'])
    with op.batch_alter_table('cases') as batch:
        batch.add_column(sa.Column('closure_reason', sa.String(length=16), nullable=True))
        batch.add_column(sa.Column('postcode_hash', sa.String(length=64), nullable=True))
        batch.create_index('ix_cases_postcode_hash', ['postcode_hash'])


def downgrade() -> None:
    with op.batch_alter_table('cases') as batch:
        batch.drop_index('ix_cases_postcode_hash')
        batch.drop_column('postcode_hash')
        batch.drop_column('closure_reason')
    op.drop_index('ix_contact_attempts_case_id', table_name='contact_attempts')
    op.drop_table('contact_attempts')
