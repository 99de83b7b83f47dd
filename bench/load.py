"""Load on the whole console, side by side with the floor.

N counsellors each autosave their call every second (the call screen's multipart POST with session
cookie, CSRF header and version) while M supervisors keep the referral queue open (10,000 open
referrals): each holds the live-update stream (SSE) and fetches the queue rows every 3 seconds, as the
page's fallback polling does. Then the same write, and only that write, against a bare Starlette app
on the same database (bench/floor_app.py): the floor. Both are run paced (every second) and flat out
(a fixed number of clients saving back to back) to find capacity.

Then, against both: a burst (--burst counsellors saving at the same instant, three rounds a second apart:
a retry after a network blip or a restart, a shift change); and the JSON API, as a phone system
integration uses it with one token: every call started at once (POST /api/v1/calls, refusals retried
after Retry-After with jitter), then each call PATCHed every second. Against ours only: overload, every
counsellor together offering twice the flat-out capacity just measured; what is saved per second is the
goodput, printed against that capacity and against the mean of it and a flat-out run right after the overload
(the server's share of a shared machine moves between the two), with the server's cores used and CPU per save
saved in each (does overload waste work, or does the server get less of the machine?). The counsellors wait
for each answer before the next save (a closed loop), so what is "offered" is sent only as fast as answers
come back. Clients give up after 10 s, and after a 503 wait its Retry-After plus up to half again at random
before their next save, as the call screen does.

Scenarios: SQLite with 1 worker, and PostgreSQL with 1 and 2 workers (when --pg is given). Prints
requests/s, p50/p95/p99 and errors per endpoint, and our p99, capacity and CPU per save as a ratio of the
floor's. Bounded in time and count; talks only to 127.0.0.1.

    python bench/load.py                                          # SQLite only, defaults below
    python bench/load.py --pg postgresql+psycopg://postgres@127.0.0.1:5432/test --counsellors 200
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
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
API_SAVE, API_START = "PATCH /api/v1/calls/{id}", "POST /api/v1/calls"
# Clients give up after this long, as the issue measured (an integration's HTTP client, a proxy's timeout).
CLIENT_TIMEOUT = 10
INTEGRATION = "integration"


class Tally:
    def __init__(self):
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, list] = defaultdict(list)

    def timed(self, name: str, began: float, ok: bool, error=None):
        self.latencies[name].append((time.perf_counter() - began) * 1000)
        if not ok:
            self.errors[name].append(error)


# --- the database ------------------------------------------------------------------------------------

def seed(url: str, env: dict, counsellors: list[str], supervisors: list[str], referrals: int) -> str:
    """Schema by `hotline db upgrade`, accounts by the accounts service, open referrals by bench/referral_queue.
    Returns the API token of the integration account (a phone system saving every call's notes)."""
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
        robot = service.create_user(session=session, username=INTEGRATION, password=PASSWORD, roles=["counsellor"])
        token = service.issue_token(session=session, user=robot)
    engine.dispose()
    sys.path.insert(0, str(BENCH))
    from referral_queue import load_rows

    load_rows(url, calls=referrals * 3, referrals=referrals)
    return token


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

async def patiently(send, tries: int = 20) -> httpx.Response:
    """A setup request (not measured) retried after each 503's Retry-After, as the console's clients do: logging
    200 people in at once is itself a burst the console may answer with "busy, retry"."""
    for _ in range(tries):
        response = await send()
        if response.status_code != 503:
            return response
        await asyncio.sleep(float(response.headers.get("retry-after", "1")) * (1 + random.random() / 2))
    return response


async def log_in(client: httpx.AsyncClient, name: str) -> str:
    page = await patiently(lambda: client.get("/login"))
    token = re.search(r'name="csrftoken" value="([^"]+)"', page.text).group(1)
    response = await patiently(lambda: client.post("/login", data={"username": name, "password": PASSWORD,
                                                                   "csrftoken": token}))
    if response.status_code != 303:
        raise RuntimeError(f"login of {name} failed: {response.status_code}")
    return token


class Counsellor:
    """Logs in through httpx (not measured), then saves through a lean client: see bench/lean_http.py."""

    def __init__(self, client: httpx.AsyncClient):
        self.client, self.token, self.url, self.version, self.notes = client, "", "", 1, ""
        self.lean: LeanClient | None = None
        self.retry_at = 0.0

    async def begin(self, name: str) -> None:
        self.token = await log_in(self.client, name)
        started = await patiently(lambda: self.client.post("/calls", data={"csrftoken": self.token}))
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
        self.refused(response)
        if response.status == 200:
            self.version += 1
        elif response.status == 409:  # an earlier save timed out here but was written: take its version
            found = re.search(r'data-server-version="(\d+)"|^stale (\d+)', response.text)
            if found:
                self.version = int(found.group(1) or found.group(2))

    def refused(self, response) -> None:
        """A 503 says when to come back: the call screen waits that long plus up to half again at random."""
        if response.status == 503:
            wait = float(response.headers.get("retry-after", 1))
            self.retry_at = time.monotonic() + wait * (1 + random.random() / 2)

    async def paced(self, tally: Tally, until: float, client=None, every: float = 1.0) -> None:
        await asyncio.sleep(hash(self.url) % 1000 / 1000 * every)  # people do not type in step
        while time.monotonic() < until:
            tick = time.monotonic()
            await self.save(tally, client)
            now = time.monotonic()
            await asyncio.sleep(max(0.0, every - (now - tick), self.retry_at - now))

    async def flat_out(self, tally: Tally, until: float, client=None) -> None:
        while time.monotonic() < until:
            await self.save(tally, client)


class ApiCall:
    """One call saved through the JSON API with the integration's token, on a connection of its own."""

    def __init__(self, host: str, port: int, token: str, external_id: str):
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.external_id, self.id, self.version, self.notes = external_id, 0, 1, ""
        self.lean = LeanClient(host, port, timeout=CLIENT_TIMEOUT)
        self.retry_at = 0.0
        self.url = external_id  # spreads the paced start over the second, as Counsellor.paced does

    async def begin(self, tally: Tally, give_up: float) -> None:
        """Start the call, retrying as a phone system would (the same external id: no second call) after
        Retry-After, or a second, with jitter; every attempt is counted."""
        while True:
            began = time.perf_counter()
            try:
                response = await self.lean.request("POST", "/api/v1/calls", self.headers,
                                                   json.dumps({"external_id": self.external_id}).encode())
            except (OSError, asyncio.IncompleteReadError, TimeoutError) as exc:
                tally.timed(API_START, began, False, type(exc).__name__)
                await self.lean.close()
                wait = 1.0
            else:
                tally.timed(API_START, began, response.status in (200, 201), response.status)
                if response.status in (200, 201):
                    found = json.loads(response.body)
                    self.id, self.version = found["id"], found["version"]
                    return
                wait = float(response.headers.get("retry-after", 1))
            if time.monotonic() > give_up:
                return
            await asyncio.sleep(wait * (1 + random.random() / 2))

    async def save(self, tally: Tally, client: LeanClient | None = None) -> None:
        self.notes = (self.notes + SENTENCE)[-4000:]
        body = json.dumps({"version": self.version, "notes": self.notes}).encode()
        began = time.perf_counter()
        try:
            response = await (client or self.lean).request("PATCH", f"/api/v1/calls/{self.id}", self.headers, body)
        except (OSError, asyncio.IncompleteReadError, TimeoutError) as exc:
            tally.timed(API_SAVE, began, False, type(exc).__name__)
            return
        tally.timed(API_SAVE, began, response.status == 200, response.status)
        self.refused(response)
        if response.status in (200, 409):  # 409: an earlier save timed out here but was written
            self.version = json.loads(response.body)["version"]

    paced, refused = Counsellor.paced, Counsellor.refused


async def burst(people, clients=None, rounds: int = 3) -> list[tuple[Tally, float]]:
    """Every one of `people` saves at the same instant (a retry after a network blip or a restart, a phone
    system's burst), `rounds` times a second apart: each round's tally and how long its slowest took."""
    found = []
    for _round in range(rounds):
        tally = Tally()
        began = time.perf_counter()
        await asyncio.gather(*(p.save(tally, c) for p, c in zip(people, clients or [None] * len(people),
                                                                 strict=True)))
        found.append((tally, time.perf_counter() - began))
        await asyncio.sleep(1)
    return found


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
    return LeanClient(logged_in.base_url.host, logged_in.base_url.port, timeout=CLIENT_TIMEOUT,
                      cookies={cookie.name: cookie.value for cookie in logged_in.cookies.jar})


async def run_console(base: str, args, counsellor_names, supervisor_names, token: str, meter: CpuMeter) -> dict:
    people = [Counsellor(client(base)) for _ in counsellor_names]
    bosses = [client(base) for _ in supervisor_names]
    host, port = base_address(base)
    calls = [ApiCall(host, port, token, f"bench-{i}") for i in range(args.counsellors)]
    found: dict = {"people": people, "calls": calls}
    try:
        for batch in range(0, len(people), 25):  # log in a few at a time, as a shift starts
            await asyncio.gather(*(p.begin(n) for p, n in zip(people[batch:batch + 25],
                                                             counsellor_names[batch:batch + 25], strict=True)))
        await asyncio.gather(*(log_in(c, n) for c, n in zip(bosses, supervisor_names, strict=True)))
        for boss in bosses:
            await boss.get("/referrals", headers={"HX-Request": "true"})  # warm
        paced, streams = Tally(), {"open": 0, "events": 0}
        until = time.monotonic() + args.seconds
        began, client_cpu = time.monotonic(), time.process_time()
        await asyncio.gather(*(p.paced(paced, until) for p in people),
                             *(supervisor(c, n, paced, until, streams) for c, n in zip(bosses, supervisor_names,
                                                                                    strict=True)))
        found.update(paced=paced, elapsed=time.monotonic() - began, streams=streams)
        streams["client_cpu"] = time.process_time() - client_cpu
        found["flat"], found["flat_elapsed"] = await flat_out(people[:args.flat_clients], args.flat_seconds, meter)
        found["burst"] = await burst(people[:args.burst])
        # Twice what the server managed flat out, offered by every counsellor at once: what gets saved?
        capacity = len(found["flat"].latencies[SAVE]) / found["flat_elapsed"]
        found["offered"] = 2 * capacity
        overload = Tally()
        until = time.monotonic() + args.flat_seconds
        began = time.monotonic()
        found["overload_cpu"] = overload_cpu = CpuMeter(meter.server_pid)
        found["flat_cpu"] = meter.used
        overload_cpu.start()
        await asyncio.gather(*(p.paced(overload, until, every=len(people) / (2 * capacity)) for p in people))
        overload_cpu.stop()
        found["overload"], found["overload_elapsed"] = overload, time.monotonic() - began
        # Capacity again, at once: on a shared machine the server's share of the cores moves from one ten
        # seconds to the next, and the goodput is a ratio of two throughputs measured at different moments.
        await asyncio.sleep(1)
        found["after_cpu"] = after_cpu = CpuMeter(meter.server_pid)
        found["flat_after"], found["flat_after_elapsed"] = await flat_out(people[:args.flat_clients],
                                                                          args.flat_seconds, after_cpu)
        meter.used = found["flat_cpu"]  # the CPU per save printed is the first flat-out run's, as before
        await asyncio.sleep(1)
        # The integration: every call started through the API at the same instant, then saved every second.
        starts = Tally()
        began = time.perf_counter()
        await asyncio.gather(*(c.begin(starts, time.monotonic() + 60) for c in calls))
        found["starts"], found["starts_elapsed"] = starts, time.perf_counter() - began
        found["started"] = calls = [c for c in calls if c.id]
        api = Tally()
        until = time.monotonic() + args.seconds
        began = time.monotonic()
        await asyncio.gather(*(c.paced(api, until) for c in calls))
        found["api"], found["api_elapsed"] = api, time.monotonic() - began
        return found
    finally:
        for c in [p.client for p in people] + bosses:
            await c.aclose()
        for p in people:
            if p.lean:
                await p.lean.close()
        for c in found["calls"]:
            await c.lean.close()


async def flat_out(people, seconds: float, meter: CpuMeter, clients=None) -> tuple[Tally, float]:
    """`people` saving back to back for `seconds`: capacity, and the server's CPU per save."""
    flat = Tally()
    until = time.monotonic() + seconds
    began = time.monotonic()
    meter.start()
    await asyncio.gather(*(p.flat_out(flat, until, c) for p, c in zip(people, clients or [None] * len(people),
                                                                      strict=True)))
    meter.stop()
    return flat, time.monotonic() - began


def base_address(base: str) -> tuple[str, int]:
    host, _sep, port = base.removeprefix("http://").partition(":")
    return host, int(port)


async def run_floor(base: str, args, people: list[Counsellor], calls: list[ApiCall], meter: CpuMeter) -> dict:
    host, port = base_address(base)
    clients = [LeanClient(host, port, timeout=CLIENT_TIMEOUT) for _ in people]
    api_clients = [LeanClient(host, port, timeout=CLIENT_TIMEOUT) for _ in calls]
    found: dict = {}
    try:
        paced = Tally()
        until = time.monotonic() + args.seconds
        began = time.monotonic()
        await asyncio.gather(*(p.paced(paced, until, c) for p, c in zip(people, clients, strict=True)))
        found["paced"], found["elapsed"] = paced, time.monotonic() - began
        found["flat"], found["flat_elapsed"] = await flat_out(people[:args.flat_clients], args.flat_seconds, meter,
                                                              clients[:args.flat_clients])
        found["burst"] = await burst(people[:args.burst], clients[:args.burst])
        api = Tally()
        until = time.monotonic() + args.seconds
        began = time.monotonic()
        await asyncio.gather(*(c.paced(api, until, lc) for c, lc in zip(calls, api_clients, strict=True)))
        found["api"], found["api_elapsed"] = api, time.monotonic() - began
        return found
    finally:
        for c in clients + api_clients:
            await c.close()


# --- one scenario ------------------------------------------------------------------------------------

def line(name: str, values: list[float], errors: list, seconds: float) -> str:
    shown = f" {sorted(set(map(str, errors)))}" if errors else ""
    return (f"  {name:<28} {len(values):>7} {len(values) / seconds:>8.1f} {percentile(values, .5):>7.1f} "
            f"{percentile(values, .95):>7.1f} {percentile(values, .99):>7.1f} {len(errors):>7}{shown}")


def burst_lines(name: str, rounds: list[tuple[Tally, float]], endpoint: str) -> list[str]:
    shown = []
    for n, (tally, took) in enumerate(rounds, 1):
        values, errors = tally.latencies[endpoint], tally.errors[endpoint]
        server_errors = [e for e in errors if isinstance(e, int) and e >= 500]
        shown.append(f"  {name:<6} round {n}: {len(values) - len(errors)} of {len(values)} saved, "
                     f"{len(server_errors)} 5xx {sorted(set(map(str, errors)))}, p50 {percentile(values, .5):.0f} ms, "
                     f"slowest {1000 * took:.0f} ms")
    return shown


def burst_errors(rounds: list[tuple[Tally, float]]) -> int:
    return sum(len(tally.errors[SAVE]) for tally, _took in rounds)


def scenario(args, kind: str, pg: str | None, workers: int) -> dict:
    counsellor_names = [f"c{i:03d}" for i in range(args.counsellors)]
    supervisor_names = [f"s{i:03d}" for i in range(args.supervisors)]
    with tempfile.TemporaryDirectory() as tmp:
        url, drop = prepare_database(pg, Path(tmp))
        env = {**os.environ, "HOTLINE_DATABASE_URL": url, "HOTLINE_SECRET_KEY_FILE": str(Path(tmp) / "secret"),
               "HOTLINE_LOGIN_MAX_FAILURES_ADDRESS": "100000", "FLOOR_DATABASE_URL": url}
        try:
            token = seed(url, env, counsellor_names, supervisor_names, args.referrals)
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            with running(hotline_serve(port, "--workers", str(workers)), env, base) as server:
                ours_cpu = CpuMeter(server.pid)
                ours = asyncio.run(run_console(base, args, counsellor_names, supervisor_names, token, ours_cpu))
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            with running([sys.executable, "-m", "uvicorn", "floor_app:app", "--app-dir", str(BENCH), "--port",
                          str(port), "--workers", str(workers), "--log-level", "warning"], env, base) as server:
                floor_cpu = CpuMeter(server.pid)
                floor = asyncio.run(run_floor(base, args, ours["people"], ours["started"], floor_cpu))
        finally:
            drop()

    paced, elapsed, streams, flat = ours["paced"], ours["elapsed"], ours["streams"], ours["flat"]
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
    print(line("floor: the same write", floor["paced"].latencies[SAVE], floor["paced"].errors[SAVE],
               floor["elapsed"]))
    print(f"  flat out, {args.flat_clients} clients saving back to back for {args.flat_seconds:.0f} s:")
    print(line("  ours", flat.latencies[SAVE], flat.errors[SAVE], ours["flat_elapsed"]))
    print(f"      {ours_cpu.per_request(len(flat.latencies[SAVE]))}")
    print(line("  floor", floor["flat"].latencies[SAVE], floor["flat"].errors[SAVE], floor["flat_elapsed"]))
    print(f"      {floor_cpu.per_request(len(floor['flat'].latencies[SAVE]))}")
    print(f"  burst: {min(args.burst, args.counsellors)} counsellors saving at the same instant, 3 rounds a second "
          f"apart (client gives up after {CLIENT_TIMEOUT} s):")
    for shown in burst_lines("ours", ours["burst"], SAVE) + burst_lines("floor", floor["burst"], SAVE):
        print(shown)
    overload, took = ours["overload"], ours["overload_elapsed"]
    refused = sum(1 for e in overload.errors[SAVE] if e == 503)
    saved = len(overload.latencies[SAVE]) - len(overload.errors[SAVE])
    flat_rate = len(flat.latencies[SAVE]) / ours["flat_elapsed"]
    after = ours["flat_after"]
    after_rate = (len(after.latencies[SAVE]) - len(after.errors[SAVE])) / ours["flat_after_elapsed"]
    sent_rate, saved_rate = len(overload.latencies[SAVE]) / took, saved / took
    print(f"  overload: {args.counsellors} counsellors paced to offer {ours['offered']:.0f} saves/s together "
          f"(twice the flat-out capacity), each waiting for its answer before the next, for {took:.0f} s: "
          f"{sent_rate:.0f}/s sent, {saved_rate:.0f}/s saved, {refused} refused with 503, "
          f"other errors {sorted(set(map(str, overload.errors[SAVE])) - {'503'})}, "
          f"every answer p50 {percentile(overload.latencies[SAVE], .5):.0f} / "
          f"p99 {percentile(overload.latencies[SAVE], .99):.0f} ms")
    overload_cpu, flat_cpu, after_cpu = ours["overload_cpu"].used, ours["flat_cpu"], ours["after_cpu"].used
    after_saved = len(after.latencies[SAVE]) - len(after.errors[SAVE])
    flat_each = 1000 * flat_cpu / max(1, len(flat.latencies[SAVE]))
    print(f"      goodput {saved_rate / flat_rate:.2f} of the capacity measured before the burst (the figure "
          f"printed until 2026-12-08); {2 * saved_rate / (flat_rate + after_rate):.2f} of the mean of that and "
          f"a flat-out run right after the overload ({after_rate:.0f}/s)")
    print(f"      server cores used: flat out {flat_cpu / ours['flat_elapsed']:.2f}, overload "
          f"{overload_cpu / took:.2f}, flat out after {after_cpu / ours['flat_after_elapsed']:.2f}; "
          f"server CPU per save saved: overload {1000 * overload_cpu / max(1, saved):.2f} ms, flat out "
          f"{flat_each:.2f} / {1000 * after_cpu / max(1, after_saved):.2f} ms")
    print(f"  the JSON API with one integration token: {args.counsellors} calls started at the same instant, "
          "then each saved every second:")
    print(line(API_START, ours["starts"].latencies[API_START], ours["starts"].errors[API_START],
               ours["starts_elapsed"]))
    print(f"      {len(ours['started'])} of {args.counsellors} calls started (retrying refusals) after "
          f"{ours['starts_elapsed']:.1f} s")
    print(line(API_SAVE, ours["api"].latencies[API_SAVE], ours["api"].errors[API_SAVE],
               ours["api_elapsed"]))
    print(line("floor: the same write", floor["api"].latencies[API_SAVE], floor["api"].errors[API_SAVE],
               floor["api_elapsed"]))
    ours_p99, floor_p99 = percentile(paced.latencies[SAVE], .99), percentile(floor["paced"].latencies[SAVE], .99)
    capacity = len(flat.latencies[SAVE]) / ours["flat_elapsed"]
    floor_capacity = len(floor["flat"].latencies[SAVE]) / floor["flat_elapsed"]
    cpu = ours_cpu.used / max(1, len(flat.latencies[SAVE]))
    floor_cpu_each = floor_cpu.used / max(1, len(floor["flat"].latencies[SAVE]))
    api_p99 = percentile(ours["api"].latencies[API_SAVE], .99)
    floor_api_p99 = percentile(floor["api"].latencies[API_SAVE], .99)
    print(f"  ratio to the floor: paced p99 x{ours_p99 / floor_p99:.1f} ({ours_p99:.1f} vs {floor_p99:.1f} ms), "
          f"API p99 x{api_p99 / floor_api_p99:.1f} ({api_p99:.1f} vs {floor_api_p99:.1f} ms), "
          f"capacity {capacity / floor_capacity:.2f} ({capacity:.0f} vs {floor_capacity:.0f} saves/s), "
          f"CPU per save x{cpu / floor_cpu_each:.1f}")
    return {"errors": sum(len(v) for v in paced.errors.values()) + sum(len(v) for v in flat.errors.values())
            + burst_errors(ours["burst"]) + len(ours["api"].errors[API_SAVE])
            + len(ours["starts"].errors[API_START])}


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
    parser.add_argument("--burst", type=int, default=100, help="counsellors saving at the same instant (3 rounds)")
    parser.add_argument("--pg", help="PostgreSQL URL; throwaway schemas are made in it (without it: SQLite only)")
    parser.add_argument("--only", choices=["sqlite", "pg1", "pg2"], action="append",
                        help="run only these scenarios (repeatable)")
    args = parser.parse_args()
    os.environ.update(encryption_keys())  # the seeding here and every server started share one key ring
    if not (1 <= args.counsellors <= 500 and 0 <= args.supervisors <= 50 and 1 <= args.referrals <= 100_000
            and 1 <= args.seconds <= 120 and 1 <= args.flat_clients <= args.counsellors
            and 1 <= args.flat_seconds <= 60 and 1 <= args.burst <= args.counsellors):
        parser.error("bounds: counsellors 1..500, supervisors 0..50, referrals 1..100000, seconds 1..120, "
                     "flat clients 1..counsellors, flat seconds 1..60, burst 1..counsellors")
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
