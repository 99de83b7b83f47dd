"""kill -9 a real uvicorn server during a burst of autosaves: every acknowledged save is in the database,
no call holds a half-written note, and the server starts again on the same database."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time

import httpx
import pytest
from alembic import command
from sqlalchemy import text
from sqlmodel import Session

from hotline.accounts import service as accounts
from hotline.calls import service as calls
from hotline.calls.models import Call
from hotline.database import alembic_config, make_engine
from support import fresh_database

WRITERS = 6
FILLER = "来电者反复说睡不着，" * 300  # a few kilobytes per save, so a torn write would show


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_server(url: str, port: int, tmp_path) -> subprocess.Popen:
    env = {**os.environ, "HOTLINE_DATABASE_URL": url, "HOTLINE_SECRET_KEY": "kill-test-" + "k" * 32,
           "HOTLINE_SECRET_KEY_FILE": str(tmp_path / "secret")}
    server = subprocess.Popen([sys.executable, "-m", "uvicorn", "hotline.asgi:app", "--host", "127.0.0.1",
                               "--port", str(port), "--log-level", "warning"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("server did not become ready")


def note(writer: int, n: int) -> str:
    return f"writer {writer} save {n}: " + FILLER + f" end {writer}/{n}"


@pytest.fixture
def migrated(tmp_path):
    with fresh_database(tmp_path) as url:
        command.upgrade(alembic_config(url), "head")
        yield url


@pytest.mark.own_process
def test_kill_9_during_autosaves_loses_no_acknowledged_save(migrated, tmp_path):
    engine = make_engine(migrated)
    with Session(engine, expire_on_commit=False) as session:
        user = accounts.create_user(session=session, username="mei", password="a long password here",
                                    roles=["counsellor"])
        token = accounts.issue_token(session=session, user=user)
        call_ids = [calls.start_call(session=session, counsellor=user)[0].id for _ in range(WRITERS)]
    port = _free_port()
    server = _start_server(migrated, port, tmp_path)
    acknowledged: dict[int, tuple[int, str]] = {}  # call id -> (version, notes) the server confirmed
    attempted: dict[int, list[str]] = {call_id: [] for call_id in call_ids}
    stop = threading.Event()

    def write(writer: int, call_id: int):
        version = 1
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5,
                          headers={"Authorization": "Bearer " + token}) as client:
            for n in range(10_000):
                if stop.is_set():
                    return
                text_sent = note(writer, n)
                attempted[call_id].append(text_sent)
                try:
                    response = client.patch(f"/api/v1/calls/{call_id}", json={"version": version, "notes": text_sent})
                except httpx.HTTPError:
                    return  # the server is gone
                if response.status_code == 200:
                    version = response.json()["version"]
                    acknowledged[call_id] = (version, text_sent)

    threads = [threading.Thread(target=write, args=(i, call_id)) for i, call_id in enumerate(call_ids)]
    try:
        for thread in threads:
            thread.start()
        time.sleep(2.0)
        os.kill(server.pid, signal.SIGKILL)
        server.wait(timeout=10)
        stop.set()
        for thread in threads:
            thread.join(timeout=15)
    finally:
        if server.poll() is None:
            server.kill()
    assert sum(version for version, _text in acknowledged.values()) > WRITERS * 2, "the burst barely started"

    engine.dispose()
    with Session(engine) as session:
        if engine.dialect.name == "sqlite":
            assert session.exec(text("PRAGMA integrity_check")).one()[0] == "ok"
        for call_id in call_ids:
            call = session.get(Call, call_id)
            version, last_acked = acknowledged[call_id]
            # The last acknowledged save is there, or one the server committed just before dying.
            assert call.version >= version
            assert call.notes in attempted[call_id], "a note that was never sent whole"
            assert attempted[call_id].index(call.notes) >= attempted[call_id].index(last_acked)
            # Notes and version were written together: save n (from 0) made version n + 2.
            assert call.version == attempted[call_id].index(call.notes) + 2

    # The same database serves again at once.
    server = _start_server(migrated, port, tmp_path)
    try:
        response = httpx.get(f"http://127.0.0.1:{port}/api/v1/calls/{call_ids[0]}",
                             headers={"Authorization": "Bearer " + token})
        assert response.status_code == 200 and response.json()["version"] >= acknowledged[call_ids[0]][0]
    finally:
        server.kill()
        server.wait(timeout=10)
        engine.dispose()
