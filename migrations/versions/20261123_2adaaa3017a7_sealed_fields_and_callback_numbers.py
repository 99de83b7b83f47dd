"""sealed fields and callback numbers: free text about callers is encrypted at rest

Columns that held free text (notes, summaries, reasons, comments, triage evidence) become TEXT holding
sealed values, and rows already there are encrypted here with the configured key (HOTLINE_ENCRYPTION_KEYS
or its key file): the migration stops, changing nothing, if rows need it and no key is set. Downgrading
decrypts them again.

Revision ID: 2adaaa3017a7
Revises: a67188a7ca2a
Create Date: 2026-11-23 11:27:38.396221
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '2adaaa3017a7'
down_revision: str | None = 'a67188a7ca2a'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column, type before) for every column that now holds sealed values; the purpose bound to each
# value is "table.column", as in the models.
SEALED = [
    ('calls', 'notes', sa.Text()),
    ('calls', 'summary', sa.Text()),
    ('calls', 'override_reason', sa.VARCHAR(length=1000)),
    ('calls', 'evidence', sa.JSON()),
    ('call_assessments', 'reason', sa.VARCHAR(length=1000)),
    ('call_assessments', 'evidence', sa.JSON()),
    ('call_addenda', 'text', sa.Text()),
    ('call_reviews', 'comment', sa.Text()),
    ('caller_alerts', 'text', sa.VARCHAR(length=500)),
    ('referrals', 'resolution', sa.VARCHAR(length=1000)),
    ('referral_events', 'detail', sa.VARCHAR(length=1000)),
    ('follow_ups', 'cancelled_reason', sa.VARCHAR(length=500)),
    ('debriefs', 'reason', sa.VARCHAR(length=500)),
]
NULLABLE = {'override_reason', 'reason', 'resolution', 'detail', 'cancelled_reason'}
BATCH = 1000


def _convert(*, seal: bool) -> None:
    """Seal clear values (upgrade) or open sealed ones (downgrade), a batch of rows at a time."""
    from hotline.encryption import keys

    bind = op.get_bind()
    ring = None
    for table_name, column_name, _before in SEALED:
        raw = sa.table(table_name, sa.column('id'), sa.column(column_name))
        value = raw.c[column_name]
        wanted = sa.not_(value.like(keys.PREFIX + '%')) if seal else value.like(keys.PREFIX + '%')
        purpose = f'{table_name}.{column_name}'
        last_id = 0
        while rows := bind.execute(sa.select(raw.c.id, value).where(value.is_not(None), wanted, raw.c.id > last_id)
                                   .order_by(raw.c.id).limit(BATCH)).all():
            if ring is None:
                try:
                    ring = keys.current()
                except keys.EncryptionKeysMissing as error:
                    raise RuntimeError(f'rows in {table_name} must be encrypted or decrypted and no key is set: '
                                       f'{error.message}') from None
            changes = [{'row_id': row_id,
                        'new': ring.seal(stored, purpose) if seal else ring.open(stored, purpose)}
                       for row_id, stored in rows]
            bind.execute(raw.update().where(raw.c.id == sa.bindparam('row_id'))
                         .values({column_name: sa.bindparam('new')}), changes)
            last_id = rows[-1][0]


def upgrade() -> None:
    for table_name, column_name, before in SEALED:
        if isinstance(before, sa.Text):
            continue
        with op.batch_alter_table(table_name, schema=None) as batch_op:
            batch_op.alter_column(column_name, existing_type=before, type_=sa.Text(),
                                  existing_nullable=column_name in NULLABLE,
                                  postgresql_using=f'{column_name}::text')
    with op.batch_alter_table('callers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('callback_number', sa.Text(), nullable=True))
    _convert(seal=True)


def downgrade() -> None:
    _convert(seal=False)
    with op.batch_alter_table('callers', schema=None) as batch_op:
        batch_op.drop_column('callback_number')
    for table_name, column_name, before in reversed(SEALED):
        if isinstance(before, sa.Text):
            continue
        cast = 'json' if isinstance(before, sa.JSON) else f'varchar({before.length})'
        with op.batch_alter_table(table_name, schema=None) as batch_op:
            batch_op.alter_column(column_name, existing_type=sa.Text(), type_=before,
                                  existing_nullable=column_name in NULLABLE,
                                  postgresql_using=f'{column_name}::{cast}')
