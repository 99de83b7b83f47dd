"""The connection pool is sized by settings; when every connection is busy a request gets a clear 503."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, text

from hotline.accounts.models import Role
from hotline.app import create_app
from hotline.config import Settings, SettingsError, load_settings
from hotline.database import make_engine
from support import PG_URL, login


def test_pool_settings_reach_the_engine(settings):
    sized = settings.model_copy(update={"pool_size": 3, "pool_max_overflow": 2, "pool_timeout": 1.5,
                                        "pool_pre_ping": True})
    engine = make_engine(sized.database_url, **sized.engine_options())
    try:
        assert engine.pool.size() == 3
        assert engine.pool._max_overflow == 2
        assert engine.pool._timeout == 1.5
        assert engine.pool._pre_ping is True
    finally:
        engine.dispose()


def test_a_malformed_pool_setting_names_the_variable(monkeypatch):
    monkeypatch.setenv("HOTLINE_POOL_SIZE", "0")
    with pytest.raises(SettingsError, match="HOTLINE_POOL_SIZE"):
        load_settings()


def test_an_exhausted_pool_answers_503_and_the_next_request_works(settings, engine, make_user):
    user = make_user(Role.counsellor)
    small = make_engine(settings.database_url, pool_size=1, max_overflow=0, pool_timeout=0.2)
    try:
        with TestClient(create_app(settings, small), follow_redirects=False) as client:
            assert login(client, user).status_code == 303
            held = small.connect()  # another request holds the only connection
            try:
                page = client.get("/calls")
                api = client.get("/api/v1/calls/1")
            finally:
                held.close()
            assert page.status_code == 503
            assert "very busy" in page.text
            assert page.headers["retry-after"] == "2"
            assert api.status_code == 503 and "very busy" in api.json()["detail"]
            assert client.get("/calls").status_code == 200
    finally:
        small.dispose()


def test_settings_default_pool(settings):
    assert Settings(database_url=settings.database_url, secret_key="k" * 40).engine_options() == {
        "pool_size": 10, "max_overflow": 10, "pool_timeout": 10.0, "pool_pre_ping": False}


@pytest.mark.skipif(not PG_URL, reason="PostgreSQL drops connections; SQLite has none to drop")
def test_connections_dropped_by_the_database_cost_at_most_one_503(settings, make_user):
    """Without pre-ping, a restarted database is found by the first request that uses a dead connection:
    that request gets the translated 503 (never a 500), the pool is renewed, and the next one works."""
    user = make_user(Role.counsellor)
    backends = []
    small = make_engine(settings.database_url, pool_size=3, max_overflow=0)
    event.listen(small, "connect", lambda dbapi_connection, _record: backends.append(
        dbapi_connection.info.backend_pid))
    admin = make_engine(PG_URL)
    try:
        with TestClient(create_app(settings, small), follow_redirects=False) as client:
            assert login(client, user).status_code == 303
            assert client.get("/calls").status_code == 200
            assert backends
            with admin.connect() as connection:  # what a database restart does to every open connection
                for pid in backends:
                    connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            answers = [client.get("/calls") for _ in range(3)]
            codes = [a.status_code for a in answers]
            assert 500 not in codes
            assert codes.count(503) <= 1, codes
            assert codes[-1] == 200
            for answer in answers:
                if answer.status_code == 503:
                    assert "database" in answer.text.lower()
    finally:
        small.dispose()
        admin.dispose()
