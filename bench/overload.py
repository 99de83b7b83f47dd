"""Why goodput under overload falls short of capacity: the autosave's throughput against how many clients send.

Starts `hotline serve` once per server setting given (environment overrides, e.g. HOTLINE_MAX_IN_FLIGHT=8),
on one seeded database, logs the counsellors in, and for each setting measures, alternating the settings
round by round (the machine is shared and noisy):

- flat out with --flat-clients clients saving back to back (load.py's "capacity"), and the server's CPU per save;
- flat out with every counsellor saving back to back (the same closed loop, more clients);
- load.py's overload: every counsellor paced to offer together twice the capacity just measured, each waiting
  for its answer (a closed loop: what is "offered" is sent only as fast as answers come back), and after a
  503 waiting Retry-After plus up to half again;
- open-loop overload: saves sent at twice the capacity on a fixed schedule whatever the answers (each
  counsellor its own connection; one whose last save is still out skips its turn, counted as not sent),
  which is what "twice capacity offered" means.

    python bench/overload.py --pg postgresql+psycopg://postgres@127.0.0.1:5432/hotline_bench \
        --setting "" --setting HOTLINE_MAX_IN_FLIGHT=8 --rounds 2
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

from load import SAVE, TICK, Counsellor, CpuMeter, Tally, client, flat_out, seed  # bench/ is on the path
from serving import encryption_keys, free_port, hotline_serve, percentile, prepare_database, running


async def open_loop(people: list[Counsellor], rate: float, seconds: float) -> tuple[Tally, float, int]:
    """Saves started at `rate` per second in turn across `people`, whatever came back; a counsellor whose
    previous save is still unanswered, or who was told to come back later, lets its turn pass (skipped)."""
    tally, busy, skipped, tasks = Tally(), set(), 0, []

    async def one(person):
        try:
            await person.save(tally)
        finally:
            busy.discard(person)

    began = time.monotonic()
    n = 0
    while (now := time.monotonic()) < began + seconds:
        due = began + n / rate
        if due > now:
            await asyncio.sleep(due - now)
        person = people[n % len(people)]
        n += 1
        if person in busy or person.retry_at > time.monotonic():
            skipped += 1
            continue
        busy.add(person)
        tasks.append(asyncio.create_task(one(person)))
    await asyncio.gather(*tasks)
    return tally, time.monotonic() - began, skipped


def database_cpu(name: str) -> float:
    """CPU seconds so far of the PostgreSQL backends serving database `name` (their process titles name it)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                if not title.startswith("postgres:") or f" {name} " not in title:
                    continue
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2:].split()
            total += (int(fields[11]) + int(fields[12])) / TICK
    return total


def idle_seconds() -> float:
    """Idle CPU seconds of the whole machine so far, all cores (from /proc/stat: idle + iowait)."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    return (int(fields[3]) + int(fields[4])) / TICK


class Usage:
    client = database = idle = 0.0


def phase(name: str) -> None:
    """Name the phase under way in the file OVERLOAD_PHASE_FILE names, if any (for a profiler sampling the server)."""
    if os.environ.get("OVERLOAD_PHASE_FILE"):
        Path(os.environ["OVERLOAD_PHASE_FILE"]).write_text(name)


async def timed(meter: CpuMeter, work, usage: Usage, database: str, name: str = ""):
    """Run `work` with the server's, this process's, the database's CPU and the machine's idle time measured."""
    phase(name)
    meter.start()
    began, db, idle = time.process_time(), database_cpu(database), idle_seconds()
    result = await work
    usage.client, usage.database = time.process_time() - began, database_cpu(database) - db
    usage.idle = idle_seconds() - idle
    meter.stop()
    phase("")
    return result


def cpu_note(meter: CpuMeter, usage: Usage, tally: Tally, seconds: float) -> str:
    """CPU per answer and cores used: the server, the database's backends, this load client; the machine idle."""
    count = max(1, len(tally.latencies[SAVE]))
    return (f", server {1000 * meter.used / count:.2f} ms/answer {meter.used / seconds:.2f} cores, "
            f"database {1000 * usage.database / count:.2f} ms {usage.database / seconds:.2f} cores, "
            f"client {1000 * usage.client / count:.2f} ms {usage.client / seconds:.2f} cores, "
            f"machine idle {usage.idle / seconds:.2f} cores")


def summary(name: str, tally: Tally, seconds: float, extra: str = "") -> tuple[str, float]:
    values, errors = tally.latencies[SAVE], tally.errors[SAVE]
    saved = (len(values) - len(errors)) / seconds
    refused = sum(1 for e in errors if e == 503)
    other = sorted({str(e) for e in errors} - {"503"})
    return (f"    {name:<34} sent {len(values) / seconds:6.0f}/s saved {saved:6.0f}/s 503 {refused:5d} other {other} "
            f"p50 {percentile(values, .5):6.0f} p99 {percentile(values, .99):6.0f} ms{extra}"), saved


async def measure(base: str, names: list[str], args, meter: CpuMeter, database: str) -> list[str]:
    people = [Counsellor(client(base)) for _ in names]
    shown = []
    try:
        for batch in range(0, len(people), 25):
            await asyncio.gather(*(p.begin(n) for p, n in zip(people[batch:batch + 25], names[batch:batch + 25],
                                                             strict=True)))
        async def capacity_now(label):
            await asyncio.sleep(1)
            usage = Usage()
            flat, took = await timed(meter, flat_out(people[:args.flat_clients], args.seconds, meter), usage, database,
                                     "flat")
            text, saved = summary(f"flat out, {args.flat_clients} clients ({label})", flat, took,
                                  cpu_note(meter, usage, flat, took))
            shown.append(text)
            return saved

        before = await capacity_now("before")
        await asyncio.sleep(1)
        for p in people:
            p.retry_at = 0.0
        paced = Tally()
        until = time.monotonic() + args.seconds
        began = time.monotonic()
        usage = Usage()
        await timed(meter, asyncio.gather(*(p.paced(paced, until, every=len(people) / (2 * before)) for p in people)),
                    usage, database, "overload")
        took = time.monotonic() - began
        text, goodput = summary(f"load.py overload, {2 * before:.0f}/s 'offered'", paced, took,
                                cpu_note(meter, usage, paced, took))
        overload_line = len(shown)
        shown.append(text)
        after = await capacity_now("after")
        shown[overload_line] += (f" = goodput {goodput / before:.2f} of the capacity before, "
                                 f"{2 * goodput / (before + after):.2f} of the mean of before and after")
        if args.open_loop:
            await asyncio.sleep(3)
            for p in people:
                p.retry_at = 0.0
            usage = Usage()
            tally, took, skipped = await timed(meter, open_loop(people, 2 * before, args.seconds), usage, database)
            text, saved = summary(f"open loop, {2 * before:.0f}/s offered", tally, took,
                                  f", {skipped / took:.0f}/s turns passed" + cpu_note(meter, usage, tally, took))
            shown.append(text + f" = goodput {saved / before:.2f}")
    finally:
        for p in people:
            await p.client.aclose()
            if p.lean:
                await p.lean.close()
    return shown


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pg", required=True)
    parser.add_argument("--counsellors", type=int, default=200)
    parser.add_argument("--flat-clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--open-loop", action="store_true", help="also saves sent on a fixed schedule")
    parser.add_argument("--setting", action="append", default=[],
                        help="server environment overrides, NAME=VALUE,NAME=VALUE ('' for the defaults); repeatable")
    args = parser.parse_args()
    os.environ.update(encryption_keys())
    names = [f"c{i:03d}" for i in range(args.counsellors)]
    settings = args.setting or [""]
    with tempfile.TemporaryDirectory() as tmp:
        url, drop = prepare_database(args.pg, Path(tmp))
        env = {**os.environ, "HOTLINE_DATABASE_URL": url, "HOTLINE_SECRET_KEY_FILE": str(Path(tmp) / "secret"),
               "HOTLINE_LOGIN_MAX_FAILURES_ADDRESS": "100000"}
        try:
            seed(url, env, names, [], 100)
            for round_ in range(1, args.rounds + 1):
                for setting in settings:
                    extra = dict(pair.split("=", 1) for pair in setting.split(",") if pair)
                    port = free_port()
                    base = f"http://127.0.0.1:{port}"
                    load = os.getloadavg()[0]
                    with running(hotline_serve(port, "--workers", str(args.workers)), {**env, **extra},
                                 base) as server:
                        shown = asyncio.run(measure(base, names, args, CpuMeter(server.pid),
                                                   args.pg.rsplit("/", 1)[1].split("?")[0]))
                    print(f"round {round_}, {setting or 'defaults'} (load average {load:.1f}):")
                    print("\n".join(shown), flush=True)
        finally:
            drop()
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    raise SystemExit(main())
