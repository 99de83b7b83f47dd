"""Audit log search with a big log: 1,000,000 entries from 200 people over two years.

Loads the rows with set-based SQL, then times the admin page's searches (the service function the page
calls) and prints p50/p99 per search. The audit table is append-only, so use a fresh database.

    python bench/audit_search.py --database postgresql+psycopg://postgres@127.0.0.1:5432/test
    python bench/audit_search.py --entries 200000                        # SQLite in a temporary file
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, text
from sqlmodel import Session

from hotline.audit import service as audit
from hotline.database import make_engine
from hotline.models import metadata


def load(engine, entries: int, people: int) -> float:
    postgres = engine.dialect.name == "postgresql"
    numbers = ("SELECT n FROM generate_series(1, :n) AS n" if postgres else
               "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < :n) SELECT n FROM s")
    ago = ("now() - (n * interval '60 seconds')" if postgres else
           "strftime('%Y-%m-%d %H:%M:%f', 'now', '-' || (n * 60) || ' seconds')")
    action = "(CASE n % 5 WHEN 0 THEN 'login.success' WHEN 1 THEN 'referral.read' ELSE 'call.read' END)"
    began = time.perf_counter()
    with engine.begin() as connection:
        connection.execute(text(f"""
            INSERT INTO users (username, display_name, password_hash, is_active, session_version, created_at)
            SELECT 'user' || n, 'User ' || n, 'x', true, 1, {ago}
            FROM ({numbers}) AS numbers"""), {"n": people})  # noqa: S608 - constant SQL fragments
        connection.execute(text(f"""
            INSERT INTO audit_entries (at, actor_id, action, target_type, target_id, address, detail)
            SELECT {ago}, 1 + n % :people, {action}, 'call', n % 50000, '10.0.0.1', '{{}}'
            FROM ({numbers}) AS numbers"""), {"n": entries, "people": people})  # noqa: S608
        if postgres:
            connection.execute(text("ANALYZE audit_entries"))
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", help="an empty database URL (default: a temporary SQLite file)")
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    schema = None
    url = args.database or f"sqlite:///{Path(tempfile.mkdtemp()) / 'audit.sqlite3'}"
    if url.startswith("postgresql"):
        schema = "bench_" + uuid.uuid4().hex[:8]
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
    engine = make_engine(url)
    try:
        metadata.create_all(engine)
        seconds = load(engine, args.entries, args.people)
        print(f"loaded {args.entries:,} entries in {seconds:.1f} s ({engine.dialect.name})")
        tz = ZoneInfo("Asia/Shanghai")
        searches = {
            "newest page, no filter": dict(),
            "one person": dict(who="user7"),
            "one action": dict(action="referral.read"),
            "one target": dict(target="call:4242"),
            "one week": dict(date_from="2026-01-05", date_to="2026-01-11"),
            "person + action, page 20": dict(who="user7", action="referral.read", page="20"),
        }
        with Session(engine) as session:
            for name, fields in searches.items():
                query = audit.AuditQuery.parse(**fields)
                times = []
                for _ in range(args.repeat):
                    began = time.perf_counter()
                    _entries, total = audit.search(session=session, query=query, tz=tz)
                    times.append((time.perf_counter() - began) * 1000)
                times.sort()
                p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
                print(f"{name:<28} {total:>9,} match   p50 {statistics.median(times):7.1f} ms   p99 {p99:7.1f} ms")
    finally:
        engine.dispose()
        if schema:
            with admin.connect() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


if __name__ == "__main__":
    main()
