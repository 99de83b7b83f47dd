"""How long the reports figure "share of calls whose distress fell" takes over many calls.

Builds a fresh database (Alembic), inserts --calls finalised calls over 90 days with 2-6 distress marks
each (set-based inserts), then times distress_fell_share over the last 30 days, all lines and one line.

    python bench/distress_share.py                         # SQLite in a temporary file, 100,000 calls
    python bench/distress_share.py --calls 20000 --database postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from alembic import command
from sqlalchemy import insert, text
from sqlmodel import Session

from hotline.accounts.models import User
from hotline.calls.models import Call
from hotline.database import alembic_config, make_engine
from hotline.screening.models import DistressMark
from hotline.screening.service import distress_fell_share


def load(session: Session, calls: int, now: datetime) -> None:
    rng = random.Random(11)
    user = User(username="bench", display_name="bench", password_hash="x")
    session.add(user)
    session.commit()
    batch = 5000
    for first in range(0, calls, batch):
        rows = []
        for _i in range(min(batch, calls - first)):
            started = now - timedelta(minutes=rng.randrange(90 * 24 * 60))
            rows.append({"counsellor_id": user.id, "status": "finalised", "line": rng.choice(["12356", "night"]),
                         "started_at": started, "ended_at": started + timedelta(minutes=30), "updated_at": started,
                         "concerns": [], "interventions": [], "answers": {}, "notes": "", "evidence": [],
                         "summary": "", "engine_level": "none"})
        ids = session.execute(insert(Call).returning(Call.id, Call.started_at), rows).all()
        marks = []
        for call_id, started in ids:
            level = rng.randrange(3, 11)
            for minute in range(rng.randrange(2, 7)):
                marks.append({"call_id": call_id, "level": level, "by_id": user.id,
                              "at": started + timedelta(minutes=minute * 5)})
                level = max(0, min(10, level + rng.choice((-2, -1, -1, 0, 1))))
        session.execute(insert(DistressMark), marks)
        session.commit()


def timed(runs: int, fn) -> tuple[float, float, object]:
    times, result = [], None
    for _ in range(runs):
        began = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times), max(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--database", help="a database URL to empty and use; default a temporary SQLite file")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        engine = make_engine(url)
        if url.startswith("postgresql"):
            with engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        command.upgrade(alembic_config(url), "head")
        now = datetime.now(UTC)
        with Session(engine) as session:
            began = time.perf_counter()
            load(session, args.calls, now)
            print(f"loaded {args.calls:,} calls with distress marks in {time.perf_counter() - began:.1f} s")
            start = now - timedelta(days=30)
            for name, fn in (("all lines", lambda: distress_fell_share(session, start, now)),
                             ("one line", lambda: distress_fell_share(session, start, now, line="12356"))):
                p50, worst, (total, fell) = timed(args.runs, fn)
                print(f"last 30 days, {name}: {total:,} calls with marks, {fell:,} fell "
                      f"({fell / max(total, 1):.0%}); p50 {p50:.0f} ms, max {worst:.0f} ms")
        engine.dispose()


if __name__ == "__main__":
    main()
