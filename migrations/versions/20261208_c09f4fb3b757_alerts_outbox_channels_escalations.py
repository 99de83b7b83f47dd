"""alerts that find a supervisor: channels, line policies, escalations and the outbox

Channel settings (webhook URLs, signing secrets, an SMTP login) are sealed text, written by the app. A
timeline entry may now have no actor: the console itself noting an alert it sent.

Revision ID: c09f4fb3b757
Revises: 7c1d0e5a9b42
Create Date: 2026-12-08 09:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hotline.database

revision: str = 'c09f4fb3b757'
down_revision: str | None = '7c1d0e5a9b42'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('alert_channels',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('line_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('settings', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', hotline.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['line_id'], ['roster_lines.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('alert_channels', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_channels_line_id'), ['line_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_alert_channels_user_id'), ['user_id'], unique=False)

    op.create_table('alert_line_policies',
    sa.Column('line_id', sa.Integer(), nullable=False),
    sa.Column('imminent_minutes', sa.Integer(), nullable=False),
    sa.Column('high_minutes', sa.Integer(), nullable=False),
    sa.Column('fallback_ids', sa.JSON(), nullable=False),
    sa.Column('coordinator_ids', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['line_id'], ['roster_lines.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('line_id')
    )
    op.create_table('alert_deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=True),
    sa.Column('step', sa.Integer(), nullable=False),
    sa.Column('channel_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', hotline.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('locked_until', hotline.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=300), nullable=True),
    sa.Column('created_at', hotline.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', hotline.database.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['channel_id'], ['alert_channels.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['referral_id'], ['referrals.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    with op.batch_alter_table('alert_deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_alert_deliveries_channel', ['channel_id', 'created_at'], unique=False)
        batch_op.create_index('ix_alert_deliveries_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_alert_deliveries_referral_id'), ['referral_id'], unique=False)

    op.create_table('alert_escalations',
    sa.Column('referral_id', sa.Integer(), nullable=False),
    sa.Column('line_id', sa.Integer(), nullable=True),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('step', sa.Integer(), nullable=False),
    sa.Column('next_at', hotline.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('alerted_ids', sa.JSON(), nullable=False),
    sa.Column('done_at', hotline.database.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['line_id'], ['roster_lines.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['referral_id'], ['referrals.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('referral_id')
    )
    with op.batch_alter_table('alert_escalations', schema=None) as batch_op:
        batch_op.create_index('ix_alert_escalations_due', ['done_at', 'next_at'], unique=False)

    with op.batch_alter_table('referral_events', schema=None) as batch_op:
        batch_op.alter_column('actor_id',
               existing_type=sa.INTEGER(),
               nullable=True)



def downgrade() -> None:
    with op.batch_alter_table('referral_events', schema=None) as batch_op:
        batch_op.alter_column('actor_id',
               existing_type=sa.INTEGER(),
               nullable=False)

    with op.batch_alter_table('alert_escalations', schema=None) as batch_op:
        batch_op.drop_index('ix_alert_escalations_due')

    op.drop_table('alert_escalations')
    with op.batch_alter_table('alert_deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_deliveries_referral_id'))
        batch_op.drop_index('ix_alert_deliveries_due')
        batch_op.drop_index('ix_alert_deliveries_channel')

    op.drop_table('alert_deliveries')
    op.drop_table('alert_line_policies')
    with op.batch_alter_table('alert_channels', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_channels_user_id'))
        batch_op.drop_index(batch_op.f('ix_alert_channels_line_id'))

    op.drop_table('alert_channels')
