"""two-step login secrets sealed: users' TOTP secrets are encrypted at rest like notes

Secrets already there are sealed here with the configured key (HOTLINE_ENCRYPTION_KEYS or its key file);
the migration stops, changing nothing, if some user has one and no key is set. Downgrading opens them
again.

Revision ID: 6304e7f336f3
Revises: fe52b52dd085
Create Date: 2026-11-24 02:42:19.645295
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '6304e7f336f3'
down_revision: str | None = 'fe52b52dd085'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The purpose bound to each value is "table.column", as in the model.
SEALED = ['totp_secret', 'totp_pending_secret']


def _convert(*, seal: bool) -> None:
    from hotline.encryption import keys

    bind = op.get_bind()
    raw = sa.table('users', sa.column('id'), *[sa.column(name) for name in SEALED])
    for name in SEALED:
        value = raw.c[name]
        wanted = sa.not_(value.like(keys.PREFIX + '%')) if seal else value.like(keys.PREFIX + '%')
        rows = bind.execute(sa.select(raw.c.id, value).where(value.is_not(None), wanted)).all()
        if not rows:
            continue  # a handful of supervisors and admins: one batch
        try:
            ring = keys.current()
        except keys.EncryptionKeysMissing as error:
            raise RuntimeError(f'two-step login secrets must be encrypted or decrypted and no key is set: '
                               f'{error.message}') from None
        purpose = f'users.{name}'
        bind.execute(raw.update().where(raw.c.id == sa.bindparam('row_id')).values({name: sa.bindparam('new')}),
                     [{'row_id': row_id, 'new': ring.seal(stored, purpose) if seal else ring.open(stored, purpose)}
                      for row_id, stored in rows])


def upgrade() -> None:
    # A sealed secret is longer than the 64 characters the column held.
    with op.batch_alter_table('users', schema=None) as batch_op:
        for name in SEALED:
            batch_op.alter_column(name, existing_type=sa.VARCHAR(length=64), type_=sa.Text(), existing_nullable=True)
    _convert(seal=True)


def downgrade() -> None:
    _convert(seal=False)
    with op.batch_alter_table('users', schema=None) as batch_op:
        for name in reversed(SEALED):
            batch_op.alter_column(name, existing_type=sa.Text(), type_=sa.VARCHAR(length=64), existing_nullable=True)
