"""Autosave round-trip under load: N counsellors each saving their notes every second.

Starts `hotline serve` on loopback against a fresh database, logs N counsellors in, opens a call for
each, then every simulated counsellor appends a sentence and posts the call form exactly as the
browser's HTMX autosave does (session cookie, CSRF header, version). Prints requests per second,
p50/p95/p99 latency and errors. Bounded in time and count; talks only to 127.0.0.1.

    python bench/autosave.py                        # SQLite file in a temp dir, 50 counsellors, 30 s
    python bench/autosave.py --database postgresql+psycopg://postgres@127.0.0.1:5432/test --workers 2
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

# bench/ is on the path when a script runs
from serving import encryption_keys, free_port, hotline_serve, percentile, prepare_database, running

PASSWORD = "bench password 1"
SENTENCE = "来电者说最近总是失眠，担心隔离中的父母，白天上班也集中不了注意力。"


def add_counsellors(url: str, names: list[str]) -> None:
    from sqlmodel import Session

    from hotline.accounts import service
    from hotline.database import make_engine

    engine = make_engine(url)
    with Session(engine) as session:
        for name in names:
            service.create_user(session=session, username=name, password=PASSWORD, roles=["counsellor"])
    engine.dispose()


def run_cli(env, *args, stdin=None):
    subprocess.run([sys.executable, "-m", "hotline", *args], env=env, check=True, input=stdin,
                   capture_output=True, text=True)


async def log_in_and_start_call(client: httpx.AsyncClient, name: str) -> tuple[str, str]:
    page = await client.get("/login", timeout=60)
    token = re.search(r'name="csrftoken" value="([^"]+)"', page.text).group(1)
    await client.post("/login", data={"username": name, "password": PASSWORD, "csrftoken": token}, timeout=60)
    started = await client.post("/calls", data={"csrftoken": token}, timeout=60)
    return token, started.headers["location"]


async def counsellor(client: httpx.AsyncClient, token: str, call_url: str, seconds: float, latencies: list,
                     errors: list, offset: float = 0.0):
    version, notes = 1, ""
    await asyncio.sleep(offset)  # people do not type in step: without this all N saves land in the same instant
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        tick = time.monotonic()
        notes += SENTENCE
        began = time.perf_counter()
        try:
            # As the call screen sends it: multipart form data (hx-encoding), CSRF token in the header.
            fields = {"form": "call", "version": str(version), "notes": notes, "summary": ""}
            response = await client.post(f"{call_url}/save", headers={"HX-Request": "true", "X-CSRFToken": token},
                                         files=[(name, (None, value)) for name, value in fields.items()])
            latencies.append(time.perf_counter() - began)
            if response.status_code == 200:
                version += 1
            else:
                errors.append(response.status_code)
        except httpx.HTTPError as exc:
            errors.append(type(exc).__name__)
        await asyncio.sleep(max(0.0, 1.0 - (time.monotonic() - tick)))


async def load(base: str, names: list[str], seconds: float):
    latencies: list[float] = []
    errors: list = []
    clients = [httpx.AsyncClient(base_url=base, timeout=10) for _ in names]
    try:
        # Logging in (Argon2) is not what is measured: everyone is in and on a call before the clock starts.
        # A few at a time and patiently: on a busy machine fifty Argon2 checks at once outlast any timeout.
        gate = asyncio.Semaphore(4)

        async def ready(client, name):
            async with gate:
                return await log_in_and_start_call(client, name)

        sessions = await asyncio.gather(*(ready(c, n) for c, n in zip(clients, names, strict=True)))
        began = time.monotonic()
        await asyncio.gather(*(counsellor(c, token, url, seconds, latencies, errors, i / len(clients))
                               for i, (c, (token, url)) in enumerate(zip(clients, sessions, strict=True))))
        return latencies, errors, time.monotonic() - began
    finally:
        for client in clients:
            await client.aclose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--counsellors", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--database", help="PostgreSQL URL; a throwaway schema is made in it (default: SQLite)")
    args = parser.parse_args()
    if not 1 <= args.counsellors <= 500 or not 1 <= args.seconds <= 300:
        parser.error("counsellors 1..500, seconds 1..300")

    with tempfile.TemporaryDirectory() as tmp:
        url, drop = prepare_database(args.database, Path(tmp))
        env = {**os.environ, "HOTLINE_DATABASE_URL": url, "HOTLINE_SECRET_KEY_FILE": str(Path(tmp) / "secret"),
               **encryption_keys(),
               "HOTLINE_LOGIN_MAX_FAILURES_ADDRESS": "100000"}
        try:
            run_cli(env, "db", "upgrade")
            names = [f"bench{i:03d}" for i in range(args.counsellors)]
            add_counsellors(url, names)
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            with running(hotline_serve(port, "--workers", str(args.workers)), env, base):
                latencies, errors, elapsed = asyncio.run(load(base, names, args.seconds))
        finally:
            drop()

    kind = "PostgreSQL" if args.database else "SQLite"
    print(f"autosave: {kind}, {args.workers} worker(s), {args.counsellors} counsellors saving every second, "
          f"{args.seconds:.0f} s, notes growing by {len(SENTENCE)} characters a save")
    print(f"  saves {len(latencies)}  ({len(latencies) / elapsed:.1f}/s)  errors {len(errors)}"
          + (f" {sorted(set(map(str, errors)))}" if errors else ""))
    if latencies:
        ms = [value * 1000 for value in latencies]
        print(f"  round-trip ms: p50 {percentile(ms, 0.50):.1f}  p95 {percentile(ms, 0.95):.1f}  "
              f"p99 {percentile(ms, 0.99):.1f}  max {max(ms):.1f}  mean {statistics.mean(ms):.1f}")
    return 0 if not errors else 1


if __name__ == "__main__":
    raise SystemExit(main())
