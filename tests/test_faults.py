"""Faults: the database away at start or mid-request, and a full disk. Clear answers, nothing lost or corrupted.

(Killing a real server during a burst of autosaves is in tests/test_kill_server.py.)
"""

import sqlite3
from contextlib import contextmanager

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import DisconnectionError
from sqlmodel import Session

from hotline.accounts.models import Role
from hotline.calls.models import Call
from support import PG_URL, csrf_token, login


@contextmanager
def outage(engine):
    """The database refuses every new connection until the block ends, and every pooled one is dead."""

    def refuse(dialect, conn_rec, cargs, cparams):
        raise sqlite3.OperationalError("unable to open database file") if engine.dialect.name == "sqlite" else \
            __import__("psycopg").OperationalError("connection refused")

    def dead(dbapi_connection, connection_record, connection_proxy):
        # pool.dispose() closes only idle connections; one a request held at that moment comes back to the
        # pool afterwards and would still work. In a real outage it is as dead as the rest.
        raise DisconnectionError("the database went away")

    event.listen(engine, "do_connect", refuse)
    event.listen(engine, "checkout", dead)
    engine.pool.dispose()
    try:
        yield
    finally:
        event.remove(engine, "checkout", dead)
        event.remove(engine, "do_connect", refuse)


def test_database_away_at_start_gives_a_clear_503_then_recovers_without_restart(client, engine, make_user):
    user = make_user(Role.counsellor, username="lin")
    token = csrf_token(client)
    with outage(engine):
        assert client.get("/healthz").status_code == 200  # the process is up…
        assert client.get("/readyz").status_code == 503  # …but not ready
        page = client.post("/login", data={"username": "lin", "password": "correct horse battery",
                                           "csrftoken": token})
        assert page.status_code == 503 and "database cannot be reached" in page.text
        assert page.headers["retry-after"] == "5" and "Traceback" not in page.text
        client.cookies.set("hotline_locale", "zh_CN")
        assert "暂时无法连接数据库" in client.post("/login", data={"username": "lin", "password": "x",
                                                           "csrftoken": token}).text
        client.cookies.delete("hotline_locale")
    assert login(client, user).status_code == 303
    assert client.get("/").status_code == 200


def test_database_away_mid_call_keeps_the_save_for_later(client, engine, logged_in):
    logged_in(Role.counsellor)
    headers = {"X-CSRFToken": csrf_token(client)}
    call = client.post("/api/v1/calls", json={}, headers=headers).json()
    first = client.patch(f"/api/v1/calls/{call['id']}", json={"version": call["version"], "notes": "first part"},
                         headers=headers).json()
    with outage(engine):
        refused = client.patch(f"/api/v1/calls/{call['id']}",
                               json={"version": first["version"], "notes": "first part, second part"},
                               headers=headers)
        assert refused.status_code == 503 and "database cannot be reached" in refused.json()["detail"]
        page = client.post(f"/calls/{call['id']}/save", data={"version": first["version"], "notes": "x"},
                           headers={**headers, "HX-Request": "true"})
        assert page.status_code == 503 and page.headers["hx-retarget"] == "#flash"
    # The browser keeps the unsent text and sends it again with the version it started from.
    again = client.patch(f"/api/v1/calls/{call['id']}",
                         json={"version": first["version"], "notes": "first part, second part"}, headers=headers)
    assert again.status_code == 200
    with Session(engine) as session:
        assert session.get(Call, call["id"]).notes == "first part, second part"


@pytest.mark.skipif(bool(PG_URL), reason="SQLite's page limit stands in for a full disk")
def test_full_disk_on_sqlite_is_a_clear_error_and_nothing_is_corrupted(client, engine, logged_in):
    logged_in(Role.counsellor)
    headers = {"X-CSRFToken": csrf_token(client)}
    call = client.post("/api/v1/calls", json={}, headers=headers).json()
    saved = client.patch(f"/api/v1/calls/{call['id']}", json={"version": call["version"], "notes": "kept safe"},
                         headers=headers).json()
    with engine.connect() as connection:
        pages = connection.execute(text("PRAGMA page_count")).scalar()

    @event.listens_for(engine, "connect")
    def small_disk(dbapi_connection, _record):
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages + 2}")

    engine.pool.dispose()
    refused = None
    for n in range(40):  # new calls with long notes until the "disk" is full
        started = client.post("/api/v1/calls", json={}, headers=headers)
        if started.status_code != 201:
            refused = started
            break
        body = started.json()
        response = client.patch(f"/api/v1/calls/{body['id']}",
                                json={"version": body["version"], "notes": f"{n} " + "很长的记录" * 15000},
                                headers=headers)
        if response.status_code != 200:
            refused = response
            break
    assert refused is not None, "the page limit never filled up"
    assert refused.status_code == 507 and "no room left" in refused.json()["detail"]
    event.remove(engine, "connect", small_disk)
    engine.pool.dispose()
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    with Session(engine) as session:
        kept = session.get(Call, call["id"])
        assert kept.notes == "kept safe" and kept.version == saved["version"]
    # Room again: saving works without a restart.
    assert client.patch(f"/api/v1/calls/{call['id']}", json={"version": saved["version"], "notes": "kept safe!"},
                        headers=headers).status_code == 200
