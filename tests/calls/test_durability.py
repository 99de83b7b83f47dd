"""A killed server loses nothing that it confirmed: the database holds the last acknowledged save."""

import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest
from alembic import command
from sqlmodel import Session

from hotline.accounts import service as accounts
from hotline.accounts.models import Role
from hotline.database import alembic_config, make_engine


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, database_url: str, tmp_path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "HOTLINE_DATABASE_URL": database_url,
                    "HOTLINE_SECRET_KEY_FILE": str(tmp_path / "secret")}
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "hotline", "serve", "--port", str(self.port)],
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/healthz", timeout=0.5).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError("server did not start")

    def kill(self):
        os.killpg(self.process.pid, signal.SIGKILL)  # no shutdown hooks, no flushing: a crash
        self.process.wait(timeout=10)


@pytest.fixture
def server(database_url, tmp_path):
    command.upgrade(alembic_config(database_url), "head")
    server = Server(database_url, tmp_path)
    yield server
    if server.process and server.process.poll() is None:
        server.kill()


@pytest.mark.own_process
def test_killed_server_keeps_the_last_confirmed_save(server, database_url):
    engine = make_engine(database_url)
    with Session(engine) as session:
        user = accounts.create_user(session=session, username="mei", password="a long password",
                                    roles=[Role.counsellor.value])
        headers = {"Authorization": "Bearer " + accounts.issue_token(session=session, user=user)}
    engine.dispose()

    server.start()
    call = httpx.post(server.url + "/api/v1/calls", headers=headers, json={}).json()
    url = f"{server.url}/api/v1/calls/{call['id']}"
    first = httpx.patch(url, headers=headers, json={"version": 1, "notes": "她说最近睡不好"})
    second = httpx.patch(url, headers=headers, json={"version": 2, "notes": "她说最近睡不好，担心父母。"})
    assert first.status_code == second.status_code == 200
    server.kill()

    with pytest.raises(httpx.TransportError):  # the next save finds no server: the browser keeps it
        httpx.patch(url, headers=headers, json={"version": 3, "notes": "她说最近睡不好，担心父母。还有"}, timeout=2)

    server.start()
    saved = httpx.get(url, headers=headers).json()
    assert saved["version"] == 3 and saved["notes"] == "她说最近睡不好，担心父母。"
    retried = httpx.patch(url, headers=headers, json={"version": 3, "notes": "她说最近睡不好，担心父母。还有"})
    assert retried.status_code == 200 and retried.json()["version"] == 4
