"""roster swap requests and console notifications

Revision ID: d1db2400e323
Revises: ea8fd3d3f424
Create Date: 2026-11-23 11:23:15.507077
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import hotline.database


revision: str = 'd1db2400e323'
down_revision: str | None = 'ea8fd3d3f424'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('link', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('created_at', hotline.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('read_at', hotline.database.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_user_read', ['user_id', 'read_at'], unique=False)

    op.create_table('roster_swaps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=True),
    sa.Column('shift_id', sa.Integer(), nullable=True),
    sa.Column('shift_starts_at', hotline.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('shift_ends_at', hotline.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('shift_label', sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
    sa.Column('requester_id', sa.Integer(), nullable=False),
    sa.Column('colleague_id', sa.Integer(), nullable=True),
    sa.Column('their_assignment_id', sa.Integer(), nullable=True),
    sa.Column('their_shift_id', sa.Integer(), nullable=True),
    sa.Column('their_shift_label', sqlmodel.sql.sqltypes.AutoString(length=160), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('created_at', hotline.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('answered_at', hotline.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', hotline.database.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['assignment_id'], ['roster_assignments.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['colleague_id'], ['users.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['requester_id'], ['users.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['shift_id'], ['roster_shifts.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['their_assignment_id'], ['roster_assignments.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['their_shift_id'], ['roster_shifts.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('roster_swaps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_roster_swaps_colleague_id'), ['colleague_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_roster_swaps_requester_id'), ['requester_id'], unique=False)
        batch_op.create_index('ix_roster_swaps_status', ['status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('roster_swaps', schema=None) as batch_op:
        batch_op.drop_index('ix_roster_swaps_status')
        batch_op.drop_index(batch_op.f('ix_roster_swaps_requester_id'))
        batch_op.drop_index(batch_op.f('ix_roster_swaps_colleague_id'))

    op.drop_table('roster_swaps')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_user_read')

    op.drop_table('notifications')
