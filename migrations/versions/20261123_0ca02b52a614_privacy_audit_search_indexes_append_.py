"""privacy: audit search indexes, append-only triggers, legal hold, de-identified calls

Revision ID: 0ca02b52a614
Revises: 2adaaa3017a7
Create Date: 2026-11-23 11:24:29.235720
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import hotline.database

# The same statements as hotline.audit.models, copied so this migration stays as it was applied.
PG_APPEND_ONLY = (
    """CREATE FUNCTION hotline_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'audit entries are append-only'; END $$""",
    """CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries
    FOR EACH ROW EXECUTE FUNCTION hotline_audit_append_only()""",
    """CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries
    FOR EACH STATEMENT EXECUTE FUNCTION hotline_audit_append_only()""",
)
PG_DROP = (
    "DROP TRIGGER IF EXISTS audit_entries_no_truncate ON audit_entries",
    "DROP TRIGGER IF EXISTS audit_entries_append_only ON audit_entries",
    "DROP FUNCTION IF EXISTS hotline_audit_append_only()",
)
SQLITE_APPEND_ONLY = (
    """CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
    BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END""",
    """CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
    BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END""",
)
SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS audit_entries_no_delete",
    "DROP TRIGGER IF EXISTS audit_entries_no_update",
)

revision: str = '0ca02b52a614'
down_revision: str | None = '2adaaa3017a7'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _triggers(postgresql, sqlite) -> None:
    dialect = op.get_bind().dialect.name
    for statement in {"postgresql": postgresql, "sqlite": sqlite}.get(dialect, ()):
        op.execute(statement)


def upgrade() -> None:
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.create_index('ix_audit_entries_action_at', ['action', 'at'], unique=False)
        batch_op.create_index('ix_audit_entries_target', ['target_type', 'target_id'], unique=False)
    # No UPDATE or DELETE reaches an audit entry, whoever sends it.
    _triggers(PG_APPEND_ONLY, SQLITE_APPEND_ONLY)

    with op.batch_alter_table('callers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('legal_hold', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('legal_hold_reason', sqlmodel.sql.sqltypes.AutoString(length=500),
                                      nullable=True))

    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('legal_hold', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('legal_hold_reason', sqlmodel.sql.sqltypes.AutoString(length=500),
                                      nullable=True))
        batch_op.add_column(sa.Column('deidentified_at', hotline.database.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_calls_deidentified_at'), ['deidentified_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calls_deidentified_at'))
        batch_op.drop_column('deidentified_at')
        batch_op.drop_column('legal_hold_reason')
        batch_op.drop_column('legal_hold')

    with op.batch_alter_table('callers', schema=None) as batch_op:
        batch_op.drop_column('legal_hold_reason')
        batch_op.drop_column('legal_hold')

    _triggers(PG_DROP, SQLITE_DROP)
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_entries_target')
        batch_op.drop_index('ix_audit_entries_action_at')
