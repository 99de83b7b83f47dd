"""roster: shift ratings for the wellbeing view

Revision ID: a67188a7ca2a
Revises: e9b609a764d3
Create Date: 2026-11-23 09:37:39.756732
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import hotline.database


revision: str = 'a67188a7ca2a'
down_revision: str | None = 'e9b609a764d3'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('roster_shift_ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('shift_id', sa.Integer(), nullable=True),
    sa.Column('rating', sa.Integer(), nullable=False),
    sa.Column('at', hotline.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['shift_id'], ['roster_shifts.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('roster_shift_ratings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_roster_shift_ratings_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_roster_shift_ratings_user_id'), ['user_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('roster_shift_ratings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_roster_shift_ratings_user_id'))
        batch_op.drop_index(batch_op.f('ix_roster_shift_ratings_at'))

    op.drop_table('roster_shift_ratings')
