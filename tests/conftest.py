"""Shared fixtures: every test gets its own database (a SQLite file, or a PostgreSQL schema)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from factories import finished_call
from hotline.accounts import service as accounts
from hotline.accounts.models import Role, User
from hotline.app import create_app
from hotline.config import Settings
from hotline.database import make_engine
from hotline.models import metadata
from hotline.referrals import service as referrals
from support import PASSWORD, PG_URL, fresh_database, login

# Argon2id at the library's default cost takes 0.1–0.7 s a hash, and the suite makes hundreds of users and logins:
# in this process passwords are hashed with the same algorithm at its lowest cost. The console keeps the
# defaults (accounts/service.py), and servers the tests start in their own process use them.
accounts._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
accounts._DUMMY_HASH = accounts._hasher.hash("not-a-real-password")

# Every Settings() in the tests (the e2e server's too) seals fields with these keys.
TEST_ENCRYPTION_KEY = "dGVzdC1lbmNyeXB0aW9uLWtleS0zMi1ieXRlcy0wMDA="
os.environ.setdefault("HOTLINE_ENCRYPTION_KEYS", TEST_ENCRYPTION_KEY)
os.environ.setdefault("HOTLINE_CALLER_HASH_KEY", "test-caller-hash-key-" + "h" * 32)
# A request that waited over HOTLINE_MAX_QUEUE_WAIT_MS for a worker thread is refused (issue #22). On a shared
# CI machine running browsers beside the suite, a second's wait is the machine, not the code: the bound is off
# here (and in the servers the suite starts, which inherit this), and tests/test_overload.py sets it itself.
os.environ.setdefault("HOTLINE_MAX_QUEUE_WAIT_MS", "0")
# The alert worker polls the database in the background; tests that need it run its rounds themselves
# (delivery.run_once, with the clock they choose) or start it explicitly.
os.environ.setdefault("HOTLINE_ALERTS_WORKER", "false")


def pytest_addoption(parser):
    parser.addoption(
        "--move-clock", type=int, default=None, metavar="DAYS",
        help="run with the clock moved DAYS days (negative: back), so a test that depends on today fails now, "
             "not on the day its dates go stale; browser and server-process tests are skipped (their clocks "
             "cannot be moved from here)")


def pytest_configure(config):
    config.addinivalue_line("markers", "own_process: runs the app in another process, whose clock --move-clock "
                                       "cannot move")
    days = config.getoption("--move-clock")
    if days is not None:
        import time_machine

        # Started before collection, so module-level dates in the tests are computed on the moved day too.
        # tick=True: time still passes, so timeouts, token ages and ordering behave as they do on a real day.
        config._hotline_clock = time_machine.travel(datetime.now(UTC) + timedelta(days=days), tick=True)
        config._hotline_clock.start()


def pytest_unconfigure(config):
    clock = getattr(config, "_hotline_clock", None)
    if clock is not None:
        clock.stop()


def pytest_collection_modifyitems(config, items):
    if config.getoption("--move-clock") is None:
        return
    skip = pytest.mark.skip(reason="another process keeps the real clock: not run with --move-clock")
    for item in items:
        if "e2e" in item.keywords or "own_process" in item.keywords:
            item.add_marker(skip)


def pytest_report_header(config):
    where = f"PostgreSQL {PG_URL}" if PG_URL else "SQLite (set HOTLINE_TEST_DATABASE_URL for PostgreSQL)"
    days = config.getoption("--move-clock")
    moved = f"; clock moved {days:+d} days to {datetime.now(UTC):%Y-%m-%d}" if days is not None else ""
    return f"hotline database: {where}{moved}"


@pytest.fixture(autouse=True)
def english_messages():
    """Services called directly speak English in tests, whatever ran before (requests set their own)."""
    from hotline import i18n

    token = i18n.set_locale("en")
    yield
    i18n.reset_locale(token)


@pytest.fixture(autouse=True)
def encryption_keys_from_environment():
    """A test that installs other keys (rotation, a missing key) leaves the next one the default ring."""
    from hotline.encryption import keys

    keys.install(None)
    yield
    keys.install(None)


@pytest.fixture
def database_url(tmp_path) -> Iterator[str]:
    with fresh_database(tmp_path) as url:
        yield url


@pytest.fixture
def engine(database_url) -> Iterator[Engine]:
    engine = make_engine(database_url)
    metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def settings(database_url, tmp_path) -> Settings:
    return Settings(
        database_url=database_url,
        secret_key="test-secret-key-" + "x" * 32,
        secret_key_file=tmp_path / "secret",
        default_locale="en",
    )


@pytest.fixture
def app(settings, engine):
    return create_app(settings, engine)


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as client:
        yield client


@pytest.fixture
def make_user(session):
    """make_user(Role.supervisor, username="sam") -> a saved, active user with PASSWORD."""
    counter = iter(range(1, 10_000))

    def make(*roles: Role, username: str | None = None, password: str = PASSWORD, **fields) -> User:
        name = username or f"user{next(counter)}"
        return accounts.create_user(session=session, username=name, password=password,
                                    roles=[r.value for r in roles] or ["counsellor"], **fields)

    return make


@pytest.fixture
def logged_in(client, make_user):
    """logged_in(Role.admin) -> the user, with `client` logged in as them."""

    def as_role(*roles: Role, **fields) -> User:
        user = make_user(*roles, **fields)
        client.cookies.delete("hotline_session") if "hotline_session" in client.cookies else None
        response = login(client, user)
        assert response.status_code == 303, response.text
        return user

    return as_role


# --- calls flagged for the referral queue (referrals and live-update tests) ----------------------------

@pytest.fixture
def flagged_call(session, make_user):
    """flagged_call("high") -> (call, referral): a finalised call at that level and the referral it opened."""
    counsellor = make_user(Role.counsellor, username="counsellor1")
    notes = {
        "moderate": "She has been thinking about ways to die but has no plan.",
        "high": "He has bought charcoal and plans to do it tonight.",
        "imminent": "She took an overdose of sleeping pills just now.",
    }

    def make(level="high", user=counsellor):
        call, referral = finished_call(session, user, notes[level], level=level, summary="Referred.")
        assert referral is not None and referral.level == level
        return call, referral

    return make


@pytest.fixture
def destination(session, make_user):
    admin = make_user(Role.admin, username="admin1")
    return referrals.save_destination(session=session, user=admin, name="Mental Health Centre",
                                    kind="psychiatric_hospital",
                                    phone="010-12345678", hours="24h", coverage="city")
