"""recovery codes hashed with Argon2id: a copy of the database no longer gives them away

Recovery codes were kept as plain SHA-256 of ten hex digits (40 bits), which a copy of the database gives
back in minutes. New codes carry 80 bits and are kept as Argon2id hashes of their SHA-256 (accounts/totp.py);
the SHA-256 hashes already here are hashed the same way, so the codes people wrote down keep working.
Downgrading cannot turn an Argon2id hash back into SHA-256: the codes are deleted, and their owners make new
ones by turning two-step login off and on.

Revision ID: 7c1d0e5a9b42
Revises: b32e55fe90b3
Create Date: 2026-12-07 12:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '7c1d0e5a9b42'
down_revision: str | None = 'b32e55fe90b3'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ARGON2 = '$argon2'


def upgrade() -> None:
    from argon2 import PasswordHasher

    # Fixed here rather than imported, so this migration does what it did whatever totp.py becomes; an
    # Argon2 hash carries its parameters, so the app checks it whatever parameters it uses itself.
    hasher = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)
    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:  # an Argon2 hash is ~100 characters
        batch_op.alter_column('code_hash', existing_type=sa.VARCHAR(length=64), type_=sa.String(length=255),
                              existing_nullable=False)
    bind = op.get_bind()
    codes = sa.table('recovery_codes', sa.column('id'), sa.column('code_hash'), sa.column('used_at'))
    # Spent codes are never checked again, so only the unused ones are hashed.
    rows = bind.execute(sa.select(codes.c.id, codes.c.code_hash).where(
        codes.c.used_at.is_(None), sa.not_(codes.c.code_hash.like(ARGON2 + '%')))).all()
    if rows:  # ten per supervisor or admin with two-step login: one batch
        bind.execute(codes.update().where(codes.c.id == sa.bindparam('row_id'))
                     .values(code_hash=sa.bindparam('new')),
                     [{'row_id': row_id, 'new': hasher.hash(stored)} for row_id, stored in rows])


def downgrade() -> None:
    codes = sa.table('recovery_codes', sa.column('code_hash'))
    op.get_bind().execute(codes.delete().where(codes.c.code_hash.like(ARGON2 + '%')))
    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.alter_column('code_hash', existing_type=sa.String(length=255), type_=sa.VARCHAR(length=64),
                              existing_nullable=False)
