"""indexes for the lists the console shows

Revision ID: 67498b480c13
Revises: d1db2400e323
Create Date: 2026-11-23 11:31:12.308538
"""
from collections.abc import Sequence

from alembic import op

revision: str = '67498b480c13'
down_revision: str | None = 'd1db2400e323'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.create_index('ix_calls_started', ['started_at'], unique=False)
        batch_op.create_index('ix_calls_status_ended', ['status', 'ended_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_index('ix_calls_status_ended')
        batch_op.drop_index('ix_calls_started')
