"""rule sets: uploaded candidates, publication history

Revision ID: e9b609a764d3
Revises: 34b6aa0011ae
Create Date: 2026-11-23 08:50:04.073117
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import hotline.database


revision: str = 'e9b609a764d3'
down_revision: str | None = '34b6aa0011ae'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('rule_sets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', hotline.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('published_at', hotline.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
    sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('rule_sets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rule_sets_published_at'), ['published_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_rule_sets_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_rule_sets_version'), ['version'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('rule_sets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rule_sets_version'))
        batch_op.drop_index(batch_op.f('ix_rule_sets_status'))
        batch_op.drop_index(batch_op.f('ix_rule_sets_published_at'))

    op.drop_table('rule_sets')
