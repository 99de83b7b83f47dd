"""screenings and distress marks on calls

Revision ID: ea8fd3d3f424
Revises: be9a1b056d86
Create Date: 2026-11-23 11:27:36.433201
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import hotline.database


revision: str = 'ea8fd3d3f424'
down_revision: str | None = 'be9a1b056d86'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('call_distress_marks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('at', hotline.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('level >= 0 AND level <= 10', name='ck_call_distress_marks_level'),
    sa.ForeignKeyConstraint(['by_id'], ['users.id'], name='fk_call_distress_marks_by_id_users'),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name='fk_call_distress_marks_call_id_calls', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('call_distress_marks', schema=None) as batch_op:
        batch_op.create_index('ix_call_distress_marks_call_at', ['call_id', 'at'], unique=False)

    op.create_table('call_screenings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('instrument', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('band', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('at', hotline.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['by_id'], ['users.id'], name='fk_call_screenings_by_id_users'),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name='fk_call_screenings_call_id_calls', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('call_screenings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_call_screenings_call_id'), ['call_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('call_screenings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_call_screenings_call_id'))

    op.drop_table('call_screenings')
    with op.batch_alter_table('call_distress_marks', schema=None) as batch_op:
        batch_op.drop_index('ix_call_distress_marks_call_at')

    op.drop_table('call_distress_marks')
