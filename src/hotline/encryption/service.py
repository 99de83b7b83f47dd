"""Re-sealing stored values under the newest key: `hotline keys rotate`, also for rows still in the clear."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine, MetaData, and_, bindparam, column, func, not_, select, table, update

from hotline.encryption.columns import SealedText
from hotline.encryption.keys import PREFIX, KeyRing, SealedFieldUnreadable


@dataclass(frozen=True)
class SealedColumn:
    table: str
    column: str
    purpose: str

    @property
    def name(self) -> str:
        return f"{self.table}.{self.column}"


def sealed_columns(metadata: MetaData) -> list[SealedColumn]:
    return [SealedColumn(t.name, c.name, c.type.purpose)
            for t in metadata.sorted_tables for c in t.columns if isinstance(c.type, SealedText)]


def _stale(target: SealedColumn, ring: KeyRing):
    # Untyped columns: values are read and written exactly as stored, without the column type opening them.
    raw = table(target.table, column("id"), column(target.column))
    value = raw.c[target.column]
    return raw, and_(value.is_not(None), not_(value.like(f"{PREFIX}{ring.newest_id}:%")))


def count_stale(*, engine: Engine, ring: KeyRing, columns: list[SealedColumn]) -> dict[str, int]:
    """Values per column not sealed with the newest key (older keys, or still in the clear)."""
    counts = {}
    with engine.connect() as connection:
        for target in columns:
            raw, stale = _stale(target, ring)
            counts[target.name] = connection.execute(select(func.count()).select_from(raw).where(stale)).scalar_one()
    return counts


class RotationStopped(Exception):
    """A value cannot be opened with any configured key; names the row so an operator can look."""


def reseal(*, engine: Engine, ring: KeyRing, columns: list[SealedColumn], batch_size: int = 500,
           progress: Callable[[int], None] = lambda done: None) -> int:
    """Re-seal every stale value under the newest key, one committed batch at a time.

    Idempotent and resumable: a value already under the newest key is never read, so an interrupted run
    just continues. Safe beside a running console: a row is only replaced if it still holds what was read,
    and a console that already has the new key writes new values under it anyway.
    """
    done = 0
    for target in columns:
        raw, stale = _stale(target, ring)
        value = raw.c[target.column]
        last_id = 0
        while True:
            with engine.begin() as connection:
                rows = connection.execute(select(raw.c.id, value).where(stale, raw.c.id > last_id)
                                          .order_by(raw.c.id).limit(batch_size)).all()
                if not rows:
                    break
                changes = []
                for row_id, stored in rows:
                    try:
                        plain = ring.open(stored, target.purpose)
                    except SealedFieldUnreadable as error:
                        raise RotationStopped(f"{target.name} row {row_id}: {error.message}") from None
                    changes.append({"row_id": row_id, "old": stored, "new": ring.seal(plain, target.purpose)})
                connection.execute(
                    update(raw).where(raw.c.id == bindparam("row_id"), value == bindparam("old"))
                    .values({target.column: bindparam("new")}),
                    changes,
                )
            last_id = rows[-1][0]
            done += len(rows)
            progress(len(rows))
    return done
