"""reports: a covering index for the dashboard's passes over calls, follow-ups by due day

Revision ID: f6f58ef90c31
Revises: 0ca02b52a614
Create Date: 2026-11-23 11:47:19.128174
"""
from collections.abc import Sequence

from alembic import op

revision: str = 'f6f58ef90c31'
down_revision: str | None = '0ca02b52a614'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain CREATE INDEX: no table rebuild, even on SQLite.
    op.create_index('ix_calls_reports', 'calls', ['status', 'started_at', 'line', 'caller_group', 'engine_level',
                                                  'override_level', 'ended_at', 'caller_id'], unique=False)
    op.create_index('ix_follow_ups_due_on', 'follow_ups', ['due_on'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_follow_ups_due_on', table_name='follow_ups')
    op.drop_index('ix_calls_reports', table_name='calls')
