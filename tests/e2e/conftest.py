"""A live server on a free loopback port and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time

import pytest
import uvicorn
from alembic import command
from sqlmodel import Session

from hotline.app import create_app
from hotline.config import Settings
from hotline.database import alembic_config, make_engine
from hotline.demo import load_demo_users
from support import DEMO_PASSWORD, fresh_database

CHROMIUM = "/usr/bin/chromium"
# As root on a closed network Chromium needs these, or it stalls on sandboxing and lookups.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def pytest_collection_modifyitems(config, items):
    if os.path.exists(CHROMIUM) and shutil.which("chromium"):
        return
    if os.environ.get("HOTLINE_REQUIRE_BROWSER"):
        raise pytest.UsageError(f"HOTLINE_REQUIRE_BROWSER is set but {CHROMIUM} is missing")
    skip = pytest.mark.skip(reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    for item in items:
        if "e2e" in item.keywords:
            item.add_marker(skip)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer(str):
    """The server's base URL, carrying its engine for the rare setup a browser cannot do."""

    engine = None


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """The console with demo users, migrated by Alembic, served by uvicorn in a thread."""
    tmp_path = tmp_path_factory.mktemp("live")
    with fresh_database(tmp_path) as url:
        command.upgrade(alembic_config(url), "head")
        settings = Settings(database_url=url, secret_key="e2e-secret-" + "k" * 32, default_locale="zh_CN")
        engine = make_engine(url)
        with Session(engine) as session:
            load_demo_users(session=session, password=DEMO_PASSWORD)
        port = _free_port()
        server = uvicorn.Server(uvicorn.Config(create_app(settings, engine), host="127.0.0.1", port=port,
                                               log_level="warning", lifespan="off"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 15
        while not server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("live server did not start")
            time.sleep(0.05)
        base = LiveServer(f"http://127.0.0.1:{port}")
        base.engine = engine
        yield base
        server.should_exit = True
        thread.join(timeout=10)
        engine.dispose()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser):
    """new_page(locale="zh-CN") -> a page in a fresh browser context (its own cookies)."""
    contexts = []

    def make(locale: str = "zh-CN"):
        context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 800})
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
