"""Load on the whole console, side by side with the floor.

N counsellors each autosave their call every second (the call screen's multipart POST with session
cookie, CSRF header and version) while M supervisors keep the referral queue open (10,000 open
referrals): each holds the live-update stream (SSE) and fetches the queue rows every 3 seconds, as the
page's fallback polling does. Then the same write, and only that write, against a bare Starlette app
on the same database (bench/floor_app.py): the floor. Both are run paced (every second) and flat out
(a fixed number of clients saving back to back) to find capacity.

Scenarios: SQLite with 1 worker, and PostgreSQL with 1 and 2 workers (when --pg is given). Prints
requests/s, p50/p95/p99 and errors per endpoint, and our p99 and capacity as a ratio of the floor's.
Bounded in time and count; talks only to 127.0.0.1.

    python bench/load.py                                          # SQLite only, defaults below
    python bench/load.py --pg postgresql+psycopg://postgres@127.0.0.1:5432/test --counsellors 200
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import httpx
from argon2 import PasswordHasher
from lean_http import LeanClient, multipart  # bench/ is on the path when a script runs
from serving import encryption_keys, free_port, hotline_serve, percentile, prepare_database, running

BENCH = Path(__file__).resolve().parent
PASSWORD = "bench password 1"
SENTENCE = "来电者说最近总是失眠，担心隔离中的父母，白天上班也集中不了注意力。"
SAVE, QUEUE, STREAM = "POST /calls/{id}/save", "GET /referrals (3 s poll)", "SSE /live/queue"


class Tally:
    def __init__(self):
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, list] = defaultdict(list)

    def timed(self, name: str, began: float, ok: bool, error=None):
        self.latencies[name].append((time.perf_counter() - began) * 1000)
        if not ok:
            self.errors[name].append(error)


# --- the database ------------------------------------------------------------------------------------

def seed(url: str, env: dict, counsellors: list[str], supervisors: list[str], referrals: int) -> None:
    """Schema by `hotline db upgrade`, accounts by the accounts service, open referrals by bench/referral_queue."""
    subprocess.run([sys.executable, "-m", "hotline", "db", "upgrade"], env=env, check=True, capture_output=True)
    from sqlmodel import Session

    from hotline.accounts import service
    from hotline.database import make_engine

    # Logging in is not what is measured: cheap password hashes make 200 accounts in seconds.
    service._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    engine = make_engine(url)
    with Session(engine) as session:
        service.create_user(session=session, username="counsellor", password=PASSWORD, roles=["counsellor"])
        for name in counsellors:
            service.create_user(session=session, username=name, password=PASSWORD, roles=["counsellor"])
        for name in supervisors:
            service.create_user(session=session, username=name, password=PASSWORD, roles=["supervisor"])
    engine.dispose()
    sys.path.insert(0, str(BENCH))
    from referral_queue import load_rows

    load_rows(url, calls=referrals * 3, referrals=referrals)


# --- CPU spent, read from /proc: steadier than latencies on a shared machine --------------------------

TICK = os.sysconf("SC_CLK_TCK")


def _processes() -> dict[int, tuple[int, str, float]]:
    """pid -> (parent pid, command name, CPU seconds so far) for every process we may read."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            name = stat[stat.index("(") + 1:stat.rindex(")")]
            fields = stat[stat.rindex(")") + 2:].split()
            found[int(entry.name)] = (int(fields[1]), name, (int(fields[11]) + int(fields[12])) / TICK)
    return found


class CpuMeter:
    """CPU seconds used by one server: the process and its workers."""

    def __init__(self, server_pid: int):
        self.server_pid = server_pid
        self.began = self.used = 0.0

    def read(self) -> float:
        table = _processes()
        tree, grew = {self.server_pid}, True
        while grew:
            more = {pid for pid, (parent, _n, _c) in table.items() if parent in tree} - tree
            tree |= more
            grew = bool(more)
        return sum(table[pid][2] for pid in tree if pid in table)

    def start(self) -> None:
        self.began = self.read()

    def stop(self) -> None:
        self.used = self.read() - self.began

    def per_request(self, count: int) -> str:
        return f"server CPU per save {1000 * self.used / count:.2f} ms" if count else "no requests"


# --- simulated people --------------------------------------------------------------------------------

async def log_in(client: httpx.AsyncClient, name: str) -> str:
    page = await client.get("/login")
    token = re.search(r'name="csrftoken" value="([^"]+)"', page.text).group(1)
    response = await client.post("/login", data={"username": name, "password": PASSWORD, "csrftoken": token})
    if response.status_code != 303:
        raise RuntimeError(f"login of {name} failed: {response.status_code}")
    return token


class Counsellor:
    """Logs in through httpx (not measured), then saves through a lean client: see bench/lean_http.py."""

    def __init__(self, client: httpx.AsyncClient):
        self.client, self.token, self.url, self.version, self.notes = client, "", "", 1, ""
        self.lean: LeanClient | None = None

    async def begin(self, name: str) -> None:
        self.token = await log_in(self.client, name)
        started = await self.client.post("/calls", data={"csrftoken": self.token})
        self.url = started.headers["location"]
        self.lean = lean(self.client)
        await self.save(Tally())  # warm: the first save of a worker loads the rules

    async def save(self, tally: Tally, client: LeanClient | None = None) -> None:
        self.notes = (self.notes + SENTENCE)[-4000:]  # a long call's notes, not an ever-growing one
        body, content_type = multipart({"form": "call", "version": str(self.version), "notes": self.notes,
                                        "summary": ""})
        headers = {"HX-Request": "true", "X-CSRFToken": self.token, "Content-Type": content_type}
        began = time.perf_counter()
        try:
            response = await (client or self.lean).request("POST", f"{self.url}/save", headers, body)
        except (OSError, asyncio.IncompleteReadError, TimeoutError) as exc:
            tally.timed(SAVE, began, False, type(exc).__name__)
            return
        tally.timed(SAVE, began, response.status == 200, response.status)
        if response.status == 200:
            self.version += 1
        elif response.status == 409:  # an earlier save timed out here but was written: take its version
            found = re.search(r'data-server-version="(\d+)"|^stale (\d+)', response.text)
            if found:
                self.version = int(found.group(1) or found.group(2))

    async def paced(self, tally: Tally, until: float, client=None) -> None:
        await asyncio.sleep(hash(self.url) % 1000 / 1000)  # people do not type in step
        while time.monotonic() < until:
            tick = time.monotonic()
            await self.save(tally, client)
            await asyncio.sleep(max(0.0, 1.0 - (time.monotonic() - tick)))

    async def flat_out(self, tally: Tally, until: float, client=None) -> None:
        while time.monotonic() < until:
            await self.save(tally, client)


async def supervisor(client: httpx.AsyncClient, name: str, tally: Tally, until: float, streams: dict) -> None:
    async def watch():
        try:
            async with client.stream("GET", "/live/queue", timeout=httpx.Timeout(10, read=None)) as response:
                if response.status_code != 200:
                    tally.errors[STREAM].append(response.status_code)
                    return
                async for line in response.aiter_lines():
                    if line.startswith("event: ready"):
                        streams["open"] += 1
                    elif line.startswith("event: change"):
                        streams["events"] += 1
        except httpx.HTTPError as exc:
            tally.errors[STREAM].append(type(exc).__name__)

    watching = asyncio.create_task(watch())
    polling = lean(client)
    await asyncio.sleep(hash(name) % 3000 / 1000)
    while time.monotonic() < until:
        tick = time.monotonic()
        began = time.perf_counter()
        try:
            response = await polling.request("GET", "/referrals", {"HX-Request": "true"})
            tally.timed(QUEUE, began, response.status == 200 and "data-referral" in response.text,
                        response.status)
        except (OSError, asyncio.IncompleteReadError, TimeoutError) as exc:
            tally.timed(QUEUE, began, False, type(exc).__name__)
        await asyncio.sleep(max(0.0, 3.0 - (time.monotonic() - tick)))
    watching.cancel()
    await polling.close()


def client(base: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=base, timeout=30, limits=httpx.Limits(max_connections=4))


def lean(logged_in: httpx.AsyncClient) -> LeanClient:
    """A lean client on the same server carrying the cookies a login left in `logged_in`."""
    return LeanClient(logged_in.base_url.host, logged_in.base_url.port,
                      cookies={cookie.name: cookie.value for cookie in logged_in.cookies.jar})


async def run_console(base: str, counsellor_names, supervisor_names, seconds: float, flat_clients: int,
                      flat_seconds: float, meter: CpuMeter):
    people = [Counsellor(client(base)) for _ in counsellor_names]
    bosses = [client(base) for _ in supervisor_names]
    try:
        for batch in range(0, len(people), 25):  # log in a few at a time, as a shift starts
            await asyncio.gather(*(p.begin(n) for p, n in zip(people[batch:batch + 25],
                                                             counsellor_names[batch:batch + 25], strict=True)))
        await asyncio.gather(*(log_in(c, n) for c, n in zip(bosses, supervisor_names, strict=True)))
        for boss in bosses:
            await boss.get("/referrals", headers={"HX-Request": "true"})  # warm
        paced, streams = Tally(), {"open": 0, "events": 0}
        until = time.monotonic() + seconds
        began, client_cpu = time.monotonic(), time.process_time()
        await asyncio.gather(*(p.paced(paced, until) for p in people),
                             *(supervisor(c, n, paced, until, streams) for c, n in zip(bosses, supervisor_names,
                                                                                    strict=True)))
        elapsed = time.monotonic() - began
        streams["client_cpu"] = time.process_time() - client_cpu
        flat = Tally()
        until = time.monotonic() + flat_seconds
        began = time.monotonic()
        meter.start()
        await asyncio.gather(*(p.flat_out(flat, until) for p in people[:flat_clients]))
        meter.stop()
        return paced, elapsed, streams, flat, time.monotonic() - began, people
    finally:
        for c in [p.client for p in people] + bosses:
            await c.aclose()
        for p in people:
            if p.lean:
                await p.lean.close()


async def run_floor(base: str, people: list[Counsellor], seconds: float, flat_clients: int, flat_seconds: float,
                    meter: CpuMeter):
    host, _sep, port = base.removeprefix("http://").partition(":")
    clients = [LeanClient(host, int(port)) for _ in people]
    try:
        paced = Tally()
        until = time.monotonic() + seconds
        began = time.monotonic()
        await asyncio.gather(*(p.paced(paced, until, c) for p, c in zip(people, clients, strict=True)))
        elapsed = time.monotonic() - began
        flat = Tally()
        until = time.monotonic() + flat_seconds
        began = time.monotonic()
        meter.start()
        await asyncio.gather(*(p.flat_out(flat, until, c) for p, c in zip(people[:flat_clients],
                                                                          clients[:flat_clients], strict=True)))
        meter.stop()
        return paced, elapsed, flat, time.monotonic() - began
    finally:
        for c in clients:
            await c.close()


# --- one scenario ------------------------------------------------------------------------------------

def line(name: str, values: list[float], errors: list, seconds: float) -> str:
    shown = f" {sorted(set(map(str, errors)))}" if errors else ""
    return (f"  {name:<28} {len(values):>7} {len(values) / seconds:>8.1f} {percentile(values, .5):>7.1f} "
            f"{percentile(values, .95):>7.1f} {percentile(values, .99):>7.1f} {len(errors):>7}{shown}")


def scenario(args, kind: str, pg: str | None, workers: int) -> dict:
    counsellor_names = [f"c{i:03d}" for i in range(args.counsellors)]
    supervisor_names = [f"s{i:03d}" for i in range(args.supervisors)]
    with tempfile.TemporaryDirectory() as tmp:
        url, drop = prepare_database(pg, Path(tmp))
        env = {**os.environ, "HOTLINE_DATABASE_URL": url, "HOTLINE_SECRET_KEY_FILE": str(Path(tmp) / "secret"),
               "HOTLINE_LOGIN_MAX_FAILURES_ADDRESS": "100000", "FLOOR_DATABASE_URL": url}
        try:
            seed(url, env, counsellor_names, supervisor_names, args.referrals)
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            with running(hotline_serve(port, "--workers", str(workers)), env, base) as server:
                ours_cpu = CpuMeter(server.pid)
                paced, elapsed, streams, flat, flat_elapsed, people = asyncio.run(run_console(
                    base, counsellor_names, supervisor_names, args.seconds, args.flat_clients, args.flat_seconds,
                    ours_cpu))
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            with running([sys.executable, "-m", "uvicorn", "floor_app:app", "--app-dir", str(BENCH), "--port",
                          str(port), "--workers", str(workers), "--log-level", "warning"], env, base) as server:
                floor_cpu = CpuMeter(server.pid)
                floor, floor_elapsed, floor_flat, floor_flat_elapsed = asyncio.run(run_floor(
                    base, people, args.seconds, args.flat_clients, args.flat_seconds, floor_cpu))
        finally:
            drop()

    print(f"\nload: {kind}, {workers} worker(s), {args.counsellors} counsellors saving every second, "
          f"{args.supervisors} supervisors on the live queue ({args.referrals:,} open referrals), {args.seconds:.0f} s")
    print(f"  {'endpoint':<28} {'requests':>7} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'errors':>7}")
    print(line(SAVE, paced.latencies[SAVE], paced.errors[SAVE], elapsed))
    print(line(QUEUE, paced.latencies[QUEUE], paced.errors[QUEUE], elapsed))
    print(f"  {STREAM:<28} {streams['open']:>7} streams open, {streams['events']} changes, "
          f"{len(paced.errors[STREAM])} errors")
    requests = sum(len(v) for v in paced.latencies.values())
    print(f"  the load client's own CPU: {1000 * streams['client_cpu'] / max(1, requests):.2f} ms per request "
          f"({100 * streams['client_cpu'] / elapsed:.0f}% of a core), taken from the same {os.cpu_count()} cores")
    print(line("floor: the same write", floor.latencies[SAVE], floor.errors[SAVE], floor_elapsed))
    print(f"  flat out, {args.flat_clients} clients saving back to back for {args.flat_seconds:.0f} s:")
    print(line("  ours", flat.latencies[SAVE], flat.errors[SAVE], flat_elapsed))
    print(f"      {ours_cpu.per_request(len(flat.latencies[SAVE]))}")
    print(line("  floor", floor_flat.latencies[SAVE], floor_flat.errors[SAVE], floor_flat_elapsed))
    print(f"      {floor_cpu.per_request(len(floor_flat.latencies[SAVE]))}")
    ours_p99, floor_p99 = percentile(paced.latencies[SAVE], .99), percentile(floor.latencies[SAVE], .99)
    capacity = len(flat.latencies[SAVE]) / flat_elapsed
    floor_capacity = len(floor_flat.latencies[SAVE]) / floor_flat_elapsed
    print(f"  ratio to the floor: paced p99 x{ours_p99 / floor_p99:.1f} ({ours_p99:.1f} vs {floor_p99:.1f} ms), "
          f"capacity {capacity / floor_capacity:.2f} ({capacity:.0f} vs {floor_capacity:.0f} saves/s)")
    return {"errors": sum(len(v) for v in paced.errors.values()) + sum(len(v) for v in flat.errors.values())}


def python_speed() -> float:
    """Seconds for a fixed pure-Python loop: machines lent to this project have differed by 2x in this,
    and every figure above moves with it."""
    began, total = time.perf_counter(), 0
    for i in range(10_000_000):
        total += i
    return time.perf_counter() - began


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--counsellors", type=int, default=200)
    parser.add_argument("--supervisors", type=int, default=10)
    parser.add_argument("--referrals", type=int, default=10_000, help="open referrals in the queue")
    parser.add_argument("--seconds", type=float, default=20, help="paced run, each scenario and the floor")
    parser.add_argument("--flat-clients", type=int, default=16)
    parser.add_argument("--flat-seconds", type=float, default=8)
    parser.add_argument("--pg", help="PostgreSQL URL; throwaway schemas are made in it (without it: SQLite only)")
    parser.add_argument("--only", choices=["sqlite", "pg1", "pg2"], action="append",
                        help="run only these scenarios (repeatable)")
    args = parser.parse_args()
    os.environ.update(encryption_keys())  # the seeding here and every server started share one key ring
    if not (1 <= args.counsellors <= 500 and 0 <= args.supervisors <= 50 and 1 <= args.referrals <= 100_000
            and 1 <= args.seconds <= 120 and 1 <= args.flat_clients <= args.counsellors
            and 1 <= args.flat_seconds <= 60):
        parser.error("bounds: counsellors 1..500, supervisors 0..50, referrals 1..100000, seconds 1..120, "
                     "flat clients 1..counsellors, flat seconds 1..60")
    plan = [("sqlite", "SQLite", None, 1), ("pg1", "PostgreSQL", args.pg, 1), ("pg2", "PostgreSQL", args.pg, 2)]
    plan = [p for p in plan if (p[2] or p[0] == "sqlite") and (not args.only or p[0] in args.only)]
    speed_before = python_speed()
    errors = 0
    for _key, kind, pg, workers in plan:
        errors += scenario(args, kind, pg, workers)["errors"]
    print(f"\nmachine: {os.cpu_count()} cores, load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}, "
          f"a 10,000,000-step Python loop took {speed_before:.2f} s before the runs and {python_speed():.2f} s "
          f"after (compare machines by this before figures)")
    return 0 if not errors else 1


if __name__ == "__main__":
    raise SystemExit(main())
