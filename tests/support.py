"""Helpers the tests share: databases, logging in, posting forms with the CSRF token."""

from __future__ import annotations

import os
import re
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from hotline.accounts.models import User
from hotline.csrf import COOKIE as CSRF_COOKIE

PG_URL = os.environ.get("HOTLINE_TEST_DATABASE_URL")
PASSWORD = "correct horse battery"
DEMO_PASSWORD = "e2e-demo-password"


@contextmanager
def fresh_database(tmp_path) -> Iterator[str]:
    """A new, empty database: a SQLite file, or a schema of its own on PostgreSQL."""
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'hotline.sqlite3'}"
        return
    schema = "t_" + uuid.uuid4().hex[:16]
    admin = create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def csrf_token(client: TestClient) -> str:
    """The token a page would embed; fetched from the login page like a browser would."""
    if CSRF_COOKIE not in client.cookies:
        page = client.get("/login")
        match = re.search(r'name="csrftoken" value="([^"]+)"', page.text)
        assert match, "login page carries a CSRF token"
    return client.cookies[CSRF_COOKIE]


def login(client: TestClient, user: User | str, password: str = PASSWORD):
    username = user if isinstance(user, str) else user.username
    response = client.post("/login", data={"username": username, "password": password,
                                           "csrftoken": csrf_token(client), "next": "/"})
    return response


def post_form(client: TestClient, url: str, data: dict | None = None, **kwargs):
    return client.post(url, data={**(data or {}), "csrftoken": csrf_token(client)}, **kwargs)




def wait_until_serving(base: str, process: subprocess.Popen, *, seconds: float = 60,
                       why_not=lambda: "") -> None:
    """Wait until a server started in the test answers /healthz; if its process ends first, or it takes longer
    than `seconds`, fail with what `why_not()` says (the end of its log)."""
    deadline = time.monotonic() + seconds
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"the server at {base} stopped: {why_not()}")
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"the server at {base} did not start: {why_not()}")
        time.sleep(0.1)
