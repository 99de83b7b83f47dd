"""What the benchmark scripts share: a loopback port, `hotline serve` started and stopped, a throwaway database
and key ring, percentiles. One copy, so that a fix to how a server is waited for or killed reaches every bench.

    from serving import free_port, hotline_serve, running   # bench/ is on the path when a script runs

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with running(hotline_serve(port, "--workers", "2"), env, base) as server:
        ...
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

STARTUP_SECONDS = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values, q: float) -> float:
    """The value at rank int(q * n) of the sorted values (the last for q near 1); NaN when there are none."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def encryption_keys(kept_in: Path | None = None) -> dict[str, str]:
    """The keys in the environment, or throwaway ones: the server refuses to start without them. With
    `kept_in`, throwaway keys are written there (owner-only) and read back next time, so a database a bench
    keeps between runs stays readable by the next run's server."""
    from hotline.encryption.keys import new_key

    if os.environ.get("HOTLINE_ENCRYPTION_KEYS") and os.environ.get("HOTLINE_CALLER_HASH_KEY"):
        return {name: os.environ[name] for name in ("HOTLINE_ENCRYPTION_KEYS", "HOTLINE_CALLER_HASH_KEY")}
    if kept_in is not None and kept_in.exists():
        return json.loads(kept_in.read_text())
    keys = {"HOTLINE_ENCRYPTION_KEYS": os.environ.get("HOTLINE_ENCRYPTION_KEYS") or new_key(),
            "HOTLINE_CALLER_HASH_KEY": os.environ.get("HOTLINE_CALLER_HASH_KEY") or new_key()}
    if kept_in is not None:
        kept_in.touch(mode=0o600)
        kept_in.write_text(json.dumps(keys))
    return keys


def prepare_database(url: str | None, tmp: Path) -> tuple[str, Callable[[], None]]:
    """A SQLite file in `tmp`, or a throwaway schema in the PostgreSQL database at `url`; and what drops it."""
    if not url:
        return f"sqlite:///{tmp / 'bench.sqlite3'}", lambda: None
    schema = "bench_" + uuid.uuid4().hex[:10]
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))

    def drop():
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}", drop


def hotline_serve(port: int, *options: str) -> list[str]:
    """The command line of `python -m hotline serve` on `port`, with this interpreter."""
    return [sys.executable, "-m", "hotline", "serve", "--port", str(port), *options]


def start(command: Sequence[str], env: dict, base: str) -> subprocess.Popen:
    """Starts a server in a session of its own (so `stop` can kill its workers too) and waits until
    GET /healthz answers 200. Raises RuntimeError if it exits first or does not answer within 60 s."""
    assert base.startswith("http://127.0.0.1:"), "loopback only"
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    return server
            except httpx.TransportError:
                pass
            if server.poll() is not None:
                raise RuntimeError(f"{' '.join(command)} exited with {server.returncode}")
            time.sleep(0.1)
        raise RuntimeError(f"{' '.join(command)} did not answer within {STARTUP_SECONDS} s")
    except BaseException:  # not left running behind an error or a Ctrl-C
        stop(server)
        raise


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:  # a worker still draining keep-alive or SSE connections
        os.killpg(server.pid, 9)
        server.wait(timeout=10)


@contextmanager
def running(command: Sequence[str], env: dict, base: str) -> Iterator[subprocess.Popen]:
    """`start`, and `stop` however the block ends."""
    server = start(command, env, base)
    try:
        yield server
    finally:
        stop(server)
