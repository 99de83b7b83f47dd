"""Referral queue latency with a big database: 1,000,000 calls and 10,000 open referrals.

Loads the rows with set-based SQL (generate_series on PostgreSQL, a recursive CTE on SQLite), starts
`hotline serve` on loopback, logs a supervisor in, and times the queue page, the 3-second HTMX poll and
the JSON API. Prints p50/p95/p99. Bounded: --requests per endpoint, loopback only.

    python bench/referral_queue.py --database postgresql+psycopg://postgres@127.0.0.1:5432/test
    python bench/referral_queue.py --calls 200000 --referrals 2000          # SQLite, smaller
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

# bench/ is on the path when a script runs
from serving import encryption_keys, free_port, hotline_serve, percentile, prepare_database, running
from sqlalchemy import create_engine, text

PASSWORD = "bench password 1"


def load_rows(url: str, calls: int, referrals: int) -> float:
    """Calls spread over a year, the newest `referrals` of them flagged and still open."""
    engine = create_engine(url)
    began = time.perf_counter()
    postgres = url.startswith("postgresql")
    numbers = ("SELECT n FROM generate_series(1, :n) AS n" if postgres else
               "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < :n) SELECT n FROM s")
    ago = ("now() - (n * interval '30 seconds')" if postgres else
           "strftime('%Y-%m-%d %H:%M:%f', 'now', '-' || (n * 30) || ' seconds')")
    level = "(CASE n % 10 WHEN 0 THEN 'high' WHEN 1 THEN 'moderate' WHEN 2 THEN 'imminent' ELSE 'none' END)"
    with engine.begin() as connection:
        counsellor = connection.execute(text("SELECT id FROM users WHERE username = 'counsellor'")).scalar_one()
        connection.execute(text(f"""
            INSERT INTO calls (counsellor_id, status, version, form_version, started_at, ended_at, updated_at,
                ended_incomplete, call_type, caller_group, concerns, interventions, answers, notes, engine_level,
                engine_score, evidence, summary, callback_needed, callback_ok, supervisor_consulted)
            SELECT :counsellor, 'finalised', 2, 1, {ago}, {ago}, {ago}, false, 'about_self', 'general_public',
                '["anxiety"]', '["listening"]', '{{}}', 'bench note', {level}, 0,
                '[{{"text": "安眠药", "level": "high", "source": "text"}}]', 'bench summary', false, false, false
            FROM ({numbers}) AS numbers"""), {"n": calls, "counsellor": counsellor})  # noqa: S608 - constant SQL fragments
        connection.execute(text("""
            INSERT INTO referrals (call_id, level, status, opened_at, opened_by_id, deadline_at, version)
            SELECT id, CASE WHEN engine_level = 'none' THEN 'moderate' ELSE engine_level END, 'new', started_at,
                   :counsellor, started_at, 1
            FROM calls ORDER BY id DESC LIMIT :m"""), {"m": referrals, "counsellor": counsellor})
    engine.dispose()
    return time.perf_counter() - began


def timings(client: httpx.Client, path: str, requests: int, headers=None) -> list[float]:
    values = []
    for _ in range(requests):
        began = time.perf_counter()
        response = client.get(path, headers=headers)
        values.append((time.perf_counter() - began) * 1000)
        response.raise_for_status()
    return values


def summary(values: list[float]) -> str:
    p50, p95, p99 = (percentile(values, q) for q in (0.5, 0.95, 0.99))
    return f"p50 {p50:7.1f}  p95 {p95:7.1f}  p99 {p99:7.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", help="PostgreSQL URL; a throwaway schema is made in it (default: SQLite)")
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--referrals", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()
    if not (1 <= args.referrals <= args.calls <= 5_000_000 and 1 <= args.requests <= 1000):
        parser.error("need 1 <= referrals <= calls <= 5,000,000 and 1..1000 requests")

    with tempfile.TemporaryDirectory() as tmp:
        url, drop = prepare_database(args.database, Path(tmp))
        env = {**os.environ, "HOTLINE_DATABASE_URL": url, "HOTLINE_SECRET_KEY_FILE": str(Path(tmp) / "secret"),
               **encryption_keys(),
               "HOTLINE_DEMO_PASSWORD": PASSWORD}
        try:
            subprocess.run([sys.executable, "-m", "hotline", "demo", "--no-serve"], env=env, check=True,
                           capture_output=True)
            seconds = load_rows(url, args.calls, args.referrals)
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            with running(hotline_serve(port), env, base), httpx.Client(base_url=base, timeout=60) as client:
                page = client.get("/login")
                token = re.search(r'name="csrftoken" value="([^"]+)"', page.text).group(1)
                client.post("/login", data={"username": "supervisor", "password": PASSWORD, "csrftoken": token})
                client.get("/referrals")  # warm up
                page_ms = timings(client, "/referrals", args.requests)
                poll_ms = timings(client, "/referrals", args.requests, headers={"HX-Request": "true"})
                overdue_ms = timings(client, "/referrals?overdue=on", args.requests, headers={"HX-Request": "true"})
                api_ms = timings(client, "/api/v1/referrals?status=open", args.requests)
        finally:
            drop()

    kind = "PostgreSQL" if args.database else "SQLite"
    print(f"queue: {kind}, {args.calls:,} calls, {args.referrals:,} open referrals (loaded in {seconds:.1f} s), "
          f"{args.requests} requests each, the page shows the 100 most urgent")
    print(f"  queue page (full HTML)  {summary(page_ms)}")
    print(f"  3-second poll (HTMX)    {summary(poll_ms)}")
    print(f"  overdue filter (HTMX)   {summary(overdue_ms)}")
    print(f"  GET /api/v1/referrals   {summary(api_ms)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
