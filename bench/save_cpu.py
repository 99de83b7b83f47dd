"""Server CPU per autosave, measured in process: the figure the load bench's capacity comes down to.

Builds the app as `hotline serve` does, logs one counsellor in, opens a call, then drives the ASGI app
directly (no socket, no HTTP client) with the call screen's autosave: a multipart POST with session
cookie, CSRF header and version, notes growing by a sentence up to 4,000 characters. Counts the
process's CPU time per save (the route's worker thread included), in rounds, and prints the median
and spread. A machine whose speed swings from minute to minute still gives comparable figures here,
because nothing else shares the measurement.

    python bench/save_cpu.py                        # SQLite file in a temp dir
    python bench/save_cpu.py --database postgresql+psycopg://postgres@127.0.0.1:5432/test
    python bench/save_cpu.py --profile 20           # also the 20 functions with most own time
    python bench/save_cpu.py --queries              # also the SQL one save sends, statement by statement
    python bench/save_cpu.py --refuse               # the same saves, each refused past the in-flight bound
    python bench/save_cpu.py --poll                 # the referral queue's 3-second poll instead of a save
    python bench/save_cpu.py --poll --referrals 10000   # the same poll with 10,000 open referrals to show
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from lean_http import multipart  # bench/ is on the path when a script runs
from serving import encryption_keys, prepare_database

PASSWORD = "bench password 1"
SENTENCE = "来电者说最近总是失眠，担心隔离中的父母，白天上班也集中不了注意力。"


async def asgi_post(app, path: str, headers: dict[str, str], body: bytes, method: str = "POST") -> tuple[int, bytes]:
    """One request straight into the app: what uvicorn would hand it, minus the socket."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
             "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
             "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000), "state": {}}
    sent = False
    status, chunks = 0, []

    async def receive():
        nonlocal sent
        if sent:
            await asyncio.Event().wait()  # the app does not read past the body here
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message):
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


async def main_async(args, url: str) -> int:
    from argon2 import PasswordHasher
    from sqlalchemy import event
    from sqlmodel import Session

    from hotline.accounts import service as accounts
    from hotline.app import create_app
    from hotline.config import Settings
    from hotline.database import make_engine
    from hotline.models import metadata
    from hotline.overload import InFlightLimitMiddleware

    engine = make_engine(url)
    metadata.create_all(engine)
    accounts._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # login is not measured
    with Session(engine) as session:
        roles = ["counsellor", "supervisor"] if args.poll else ["counsellor"]
        user = accounts.create_user(session=session, username="counsellor", password=PASSWORD, roles=roles)
        bearer = accounts.issue_token(session=session, user=user)
    if args.referrals:  # open referrals for the poll to show (bench/referral_queue.py's loader)
        from referral_queue import load_rows

        load_rows(url, calls=args.referrals * 3, referrals=args.referrals)
    settings = Settings(database_url=url, secret_key="bench-secret-key-" + "x" * 32,
                        secret_key_file=Path(tempfile.gettempdir()) / "bench-secret", json_logs=True)
    app = create_app(settings, engine)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as client:
            page = await client.get("/login")
            token = re.search(r'name="csrftoken" value="([^"]+)"', page.text).group(1)
            logged = await client.post("/login", data={"username": "counsellor", "password": PASSWORD,
                                                      "csrftoken": token})
            assert logged.status_code == 303, logged.status_code
            started = await client.post("/calls", data={"csrftoken": token})
            path = urlsplit(started.headers["location"]).path + "/save"
            cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())

        version, notes = 1, ""

        async def save() -> None:
            nonlocal version, notes
            if args.poll:  # the queue page's poll, as its rows refresh every 3 s
                status, _body = await asgi_post(app, "/referrals", {
                    "host": "127.0.0.1:8000", "cookie": cookie, "hx-request": "true",
                    "x-hotline-background": "1"}, b"", "GET")
                if status != 200:
                    raise RuntimeError(f"poll answered {status}")
                return
            notes = (notes + SENTENCE)[-4000:]
            if args.api:  # the JSON API's autosave with an integration's token
                body = json.dumps({"version": version, "notes": notes}).encode()
                status, _body = await asgi_post(app, path.removesuffix("/save").replace("/calls", "/api/v1/calls"), {
                    "host": "127.0.0.1:8000", "authorization": f"Bearer {bearer}",
                    "content-type": "application/json", "content-length": str(len(body))}, body, "PATCH")
                if status != 200:
                    raise RuntimeError(f"save answered {status}")
                version += 1
                return
            body, content_type = multipart({"form": "call", "version": str(version), "notes": notes,
                                            "summary": ""})
            status, _body = await asgi_post(app, path, {
                "host": "127.0.0.1:8000", "cookie": cookie, "hx-request": "true", "x-csrftoken": token,
                "content-type": content_type, "content-length": str(len(body))}, body)
            if status != (503 if refusing else 200):
                raise RuntimeError(f"save answered {status}")
            version += 0 if refusing else 1

        refusing = False
        for _ in range(args.warm):
            await save()
        if args.refuse:  # every request past the bound from here on: what a refusal costs under a storm
            refusing = True
            layer = app.middleware_stack
            while not isinstance(layer, InFlightLimitMiddleware):
                layer = layer.app
            layer.limit = 0
        if args.queries:
            statements: list[str] = []
            listen = (engine, "before_cursor_execute",
                      lambda _c, _cur, statement, *_rest: statements.append(" ".join(statement.split())))
            event.listen(*listen)
            await save()
            event.remove(*listen)
            print(f"{len(statements)} statements in one {'poll' if args.poll else 'save'}:")
            for statement in statements:
                print("   ", statement[:300])
        rounds = []
        for _ in range(args.rounds):
            began = time.process_time()
            for _ in range(args.saves):
                await save()
            rounds.append((time.process_time() - began) * 1000 / args.saves)
        print(f"CPU per save: median {statistics.median(rounds):.2f} ms, "
              f"min {min(rounds):.2f}, max {max(rounds):.2f} ({args.rounds} rounds of {args.saves})")
        if args.profile:
            # cProfile sees one thread: run the worker-thread hops inline so the route's work shows.
            import anyio.to_thread

            async def inline(func, *args, **_options):
                return func(*args)

            anyio.to_thread.run_sync = inline
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(args.saves):
                await save()
            profiler.disable()
            pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.profile)
    engine.dispose()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", help="a PostgreSQL URL; a scratch schema is made and dropped")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--saves", type=int, default=100)
    parser.add_argument("--warm", type=int, default=50)
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    parser.add_argument("--api", action="store_true", help="save through PATCH /api/v1/calls/{id} with a token")
    parser.add_argument("--queries", action="store_true", help="print the SQL statements of one save")
    parser.add_argument("--refuse", action="store_true",
                        help="measure refusals: every save past the in-flight bound (503), after the warm-up")
    parser.add_argument("--poll", action="store_true", help="the referral queue's poll (GET /referrals, HTMX)")
    parser.add_argument("--referrals", type=int, default=0, help="open referrals loaded first (for --poll)")
    parser.add_argument("--sort", default="tottime", choices=["tottime", "cumulative"])
    args = parser.parse_args()
    os.environ.update(encryption_keys())
    import logging.config

    from hotline.logs import log_config

    # The server's own logging, as `hotline serve` sets it up: its request line is part of each save's
    # cost. It goes to /dev/null.
    sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - for the life of the process
    logging.config.dictConfig(log_config(json_lines=True))
    with tempfile.TemporaryDirectory() as tmp:
        url, drop = prepare_database(args.database, Path(tmp))
        try:
            return asyncio.run(main_async(args, url))
        finally:
            drop()


if __name__ == "__main__":
    sys.exit(main())
