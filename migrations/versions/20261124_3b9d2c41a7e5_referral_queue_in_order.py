"""referrals: a partial index holding the open referrals in queue order (most urgent, then oldest)

Revision ID: 3b9d2c41a7e5
Revises: 67498b480c13
Create Date: 2026-11-24 00:05:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '3b9d2c41a7e5'
down_revision: str | None = '67498b480c13'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out as the queue's query writes them (hotline.referrals.models), frozen here as migrations are.
RANK = ("(CASE level WHEN 'imminent' THEN 0 WHEN 'high' THEN 1 WHEN 'moderate' THEN 2 WHEN 'low' THEN 3 "
        "WHEN 'none' THEN 4 ELSE 5 END)")
OPEN = "status IN ('new', 'acknowledged', 'in_progress', 'referred', 'resolved')"


def upgrade() -> None:
    op.create_index('ix_referrals_queue', 'referrals', [sa.text(RANK), 'opened_at'], unique=False,
                    postgresql_where=sa.text(OPEN), sqlite_where=sa.text(OPEN))


def downgrade() -> None:
    op.drop_index('ix_referrals_queue', table_name='referrals')
