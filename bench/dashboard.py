"""Reports with a year of data: seeds (or reuses) a database of 500,000 calls, serves it on loopback, logs a
supervisor in and times the dashboard, the exports and the monthly summary. Prints p50/p95/p99.

    python bench/dashboard.py                      # SQLite, /tmp/hotline-reports-bench.sqlite3
    python bench/dashboard.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/hotline_reports_bench

A PostgreSQL database named in the URL is created if missing. A database that already holds at least
--calls calls is reused as it is (seeding 500,000 takes a few minutes; see bench/seed.py).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import re
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote

import httpx
from alembic import command
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))

import seed as seeding  # noqa: E402
from serving import encryption_keys, free_port, hotline_serve, percentile, running  # noqa: E402

from hotline.database import alembic_config  # noqa: E402

PASSWORD = "bench password 1"
DEFAULT_SQLITE = "sqlite:////tmp/hotline-reports-bench.sqlite3"


def ensure_database(url: str) -> None:
    parsed = make_url(url)
    if not parsed.drivername.startswith("postgresql"):
        return
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        if not connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                  {"n": parsed.database}).first():
            connection.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()


def calls_in(url: str) -> int:
    engine = create_engine(url)
    try:
        if "calls" not in inspect(engine).get_table_names():
            return 0
        with engine.connect() as connection:
            return connection.execute(text("SELECT count(*) FROM calls")).scalar_one()
    finally:
        engine.dispose()


def timings(client: httpx.Client, path: str, requests: int) -> list[float]:
    values = []
    for _ in range(requests):
        began = time.perf_counter()
        response = client.get(path)
        response.read()
        values.append((time.perf_counter() - began) * 1000)
        response.raise_for_status()
    return values


def summary(values: list[float]) -> str:
    p50, p95, p99 = (percentile(values, q) for q in (0.5, 0.95, 0.99))
    return f"p50 {p50:8.1f}  p95 {p95:8.1f}  p99 {p99:8.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=DEFAULT_SQLITE)
    parser.add_argument("--calls", type=int, default=500_000)
    parser.add_argument("--requests", type=int, default=30, help="per page; exports get a fifth of this")
    args = parser.parse_args()
    if not (1 <= args.calls <= 5_000_000 and 5 <= args.requests <= 1000):
        parser.error("need 1..5,000,000 calls and 5..1000 requests")
    url = args.database_url
    # The seeding here and the server share one key ring, kept beside a database that is reused across runs.
    name = hashlib.sha256(make_url(url).render_as_string(hide_password=True).encode()).hexdigest()[:12]
    os.environ.update(encryption_keys(kept_in=Path(tempfile.gettempdir()) / f"hotline-reports-bench-{name}.keys"))
    ensure_database(url)
    found = calls_in(url)
    if found:
        command.upgrade(alembic_config(url), "head")  # a reused database gets this branch's indexes
    if found < args.calls:
        print(f"seeding {args.calls - found:,} calls into {make_url(url).render_as_string(hide_password=True)} …")
        totals = seeding.seed(url, args.calls - found, password=PASSWORD, rng=random.Random(7), append=True)
        print(f"  seeded in {totals['seconds']} s")
        found = calls_in(url)

    today = date.today()
    year = f"start={(today - timedelta(days=364)).isoformat()}&end={today.isoformat()}"
    last_month = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    pages = [
        ("dashboard, last 30 days", "/reports", args.requests),
        ("dashboard, one line, 30 days", "/reports?line=" + quote(seeding.SECOND_LINE), args.requests),
        ("dashboard, the whole year", "/reports?" + year, max(5, args.requests // 3)),
        ("monthly summary page", f"/reports/summary?month={last_month}", args.requests),
        ("calls CSV, last 30 days", "/reports/calls.csv", max(3, args.requests // 5)),
        ("referrals CSV, the whole year", "/reports/referrals.csv?" + year, max(3, args.requests // 5)),
        ("calls CSV, the whole year", "/reports/calls.csv?" + year, 3),
    ]
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "HOTLINE_DATABASE_URL": url, "HOTLINE_SECRET_KEY_FILE": str(Path(tmp) / "secret"),
               "HOTLINE_DEFAULT_LOCALE": "zh_CN", **encryption_keys()}
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        with running(hotline_serve(port), env, base), httpx.Client(base_url=base, timeout=300) as client:
            page = client.get("/login")
            token = re.search(r'name="csrftoken" value="([^"]+)"', page.text).group(1)
            client.post("/login", data={"username": "supervisor", "password": PASSWORD, "csrftoken": token})
            client.get("/reports").raise_for_status()  # warm up caches and the connection pool
            for name, path, requests in pages:
                values = timings(client, path, requests)
                results.append((name, requests, values))
                print(f"  {name:<30} ({requests:>3}) {summary(values)}", flush=True)
    kind = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(f"reports: {kind}, {found:,} calls over a year, one server worker on loopback")
    for name, requests, values in results:
        print(f"  {name:<30} ({requests:>3}) {summary(values)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
