"""Searching encrypted notes: how long a supervisor waits for a word search over the bounded scan.

Fills a fresh database with N finished calls whose notes (about 600 characters each) are encrypted as the
console stores them, then times `search_calls` for a word that occurs in few calls (so the whole bound is
read) and for a word in every call (it stops at 200 matches). Prints p50/max over a few runs and the cost
of opening one note. Talks to no server; bounded in size.

    python bench/notes_search.py                            # SQLite in a temp dir, 20,000 calls
    python bench/notes_search.py --calls 50000 --database postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
import zoneinfo
from datetime import timedelta
from pathlib import Path

from sqlalchemy import create_engine, text

NOTE = ("来电者说最近总是失眠，担心隔离中的父母，白天上班也集中不了注意力。" * 18)[:600]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--scan-limit", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database", help="PostgreSQL URL; a throwaway schema is made in it (default: SQLite)")
    args = parser.parse_args()
    if not 100 <= args.calls <= 500_000 or not 1 <= args.runs <= 50:
        parser.error("calls 100..500000, runs 1..50")

    from hotline.encryption import keys

    os.environ.setdefault("HOTLINE_ENCRYPTION_KEYS", keys.new_key())
    os.environ.setdefault("HOTLINE_CALLER_HASH_KEY", keys.new_key())

    from sqlmodel import Session

    from hotline.accounts import service as accounts
    from hotline.accounts.models import User
    from hotline.calls import search
    from hotline.calls.models import Call
    from hotline.database import make_engine, utcnow
    from hotline.models import metadata

    with tempfile.TemporaryDirectory() as tmp:
        drop = None
        if args.database:
            schema = "bench_" + uuid.uuid4().hex[:10]
            admin = create_engine(args.database, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text(f'CREATE SCHEMA "{schema}"'))
            url = f"{args.database}{'&' if '?' in args.database else '?'}options=-csearch_path%3D{schema}"

            def drop():
                with admin.connect() as connection:
                    connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                admin.dispose()
        else:
            url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        engine = make_engine(url)
        try:
            metadata.create_all(engine)
            with Session(engine) as session:
                supervisor = accounts.create_user(session=session, username="sam", password="bench password 1",
                                                  roles=["supervisor"])
                now = utcnow()
                began = time.perf_counter()
                for start in range(0, args.calls, 2_000):
                    session.add_all(Call(counsellor_id=supervisor.id, status="finalised",
                                         started_at=now - timedelta(minutes=n), summary="bench",
                                         notes=NOTE + (" 烧炭" if n % 4_000 == 1 else f" {n}"))
                                    for n in range(start, min(start + 2_000, args.calls)))
                    session.commit()
                filled = time.perf_counter() - began
                supervisor_id = supervisor.id
            tz = zoneinfo.ZoneInfo("Asia/Shanghai")

            def timed(word: str):
                times, found = [], None
                for _ in range(args.runs):
                    with Session(engine) as fresh:  # nothing cached from the run before
                        user = fresh.get(User, supervisor_id)
                        t0 = time.perf_counter()
                        found = search.search_calls(session=fresh, user=user, tz=tz, scan_limit=args.scan_limit,
                                                     query=search.CallSearch(text=word, everyone=True))
                        times.append((time.perf_counter() - t0) * 1000)
                return times, found

            rare_ms, rare = timed("烧炭")
            common_ms, common = timed("失眠")
        finally:
            engine.dispose()
            if drop:
                drop()

    ring = keys.current()
    sealed = ring.seal(NOTE, "calls.notes")
    t0 = time.perf_counter()
    for _ in range(10_000):
        ring.open(sealed, "calls.notes")
    open_us = (time.perf_counter() - t0) * 100

    kind = "PostgreSQL" if args.database else "SQLite"
    print(f"notes search: {kind}, {args.calls} encrypted calls ({len(NOTE)}-character notes, written in "
          f"{filled:.1f} s), scan bound {args.scan_limit}")
    print(f"  rare word   (reads the whole bound, {len(rare)} found, scanned {rare.scanned}): "
          f"p50 {statistics.median(rare_ms):.0f} ms  max {max(rare_ms):.0f} ms")
    print(f"  common word (stops at {len(common)} matches): "
          f"p50 {statistics.median(common_ms):.0f} ms  max {max(common_ms):.0f} ms")
    print(f"  opening one {len(NOTE)}-character note: {open_us:.1f} µs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
