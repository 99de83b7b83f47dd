"""referral queue: workflow, timeline, destinations, follow-ups, reviews, debriefs, caller alerts

Revision ID: 89e3fce3571a
Revises: f12b27f08e64
Create Date: 2026-11-23 08:25:08.648213
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import hotline.database


revision: str = '89e3fce3571a'
down_revision: str | None = 'f12b27f08e64'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('referral_destinations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True),
    sa.Column('hours', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('coverage', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('caller_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('caller_id', sa.Integer(), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', hotline.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['caller_id'], ['callers.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('caller_alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_caller_alerts_caller_id'), ['caller_id'], unique=False)

    op.create_table('call_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=False),
    sa.Column('at', hotline.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('marks_reviewed', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('call_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_call_reviews_call_id'), ['call_id'], unique=False)

    op.create_table('debriefs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('counsellor_id', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('supervisor_id', sa.Integer(), nullable=True),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('at', hotline.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['counsellor_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['supervisor_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('call_id')
    )
    op.create_table('follow_ups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=True),
    sa.Column('done_at', hotline.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cancelled_reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['by_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], ),
    sa.ForeignKeyConstraint(['referral_id'], ['referrals.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_follow_ups_referral_id'), ['referral_id'], unique=False)
        batch_op.create_index('ix_follow_ups_status_due', ['status', 'due_on'], unique=False)

    op.create_table('referral_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=False),
    sa.Column('at', hotline.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('detail', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['referral_id'], ['referrals.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('referral_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_events_referral_id'), ['referral_id'], unique=False)

    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deadline_at', hotline.database.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('acknowledged_at', hotline.database.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('destination_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reference_number', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True))
        batch_op.add_column(sa.Column('resolution', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True))
        batch_op.add_column(sa.Column('closed_at', hotline.database.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))
        batch_op.create_index(batch_op.f('ix_referrals_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index('ix_referrals_status_level_opened', ['status', 'level', 'opened_at'], unique=False)
        batch_op.create_foreign_key('fk_referrals_destination_id', 'referral_destinations', ['destination_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        # WARNING: constraint name is None; this directive will fail as
        # rendered.  Add a name, or use a naming convention; see
        # https://alembic.sqlalchemy.org/en/latest/naming.html
        batch_op.drop_constraint('fk_referrals_destination_id', type_='foreignkey')
        batch_op.drop_index('ix_referrals_status_level_opened')
        batch_op.drop_index(batch_op.f('ix_referrals_owner_id'))
        batch_op.drop_column('version')
        batch_op.drop_column('closed_at')
        batch_op.drop_column('resolution')
        batch_op.drop_column('reference_number')
        batch_op.drop_column('destination_id')
        batch_op.drop_column('acknowledged_at')
        batch_op.drop_column('deadline_at')

    with op.batch_alter_table('referral_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referral_events_referral_id'))

    op.drop_table('referral_events')
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.drop_index('ix_follow_ups_status_due')
        batch_op.drop_index(batch_op.f('ix_follow_ups_referral_id'))

    op.drop_table('follow_ups')
    op.drop_table('debriefs')
    with op.batch_alter_table('call_reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_call_reviews_call_id'))

    op.drop_table('call_reviews')
    with op.batch_alter_table('caller_alerts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_caller_alerts_caller_id'))

    op.drop_table('caller_alerts')
    op.drop_table('referral_destinations')
