"""In Chromium: the idle timeout warns, saves the note and logs out without losing it; the database going
away mid-call keeps the text in the browser; and the server's logs never hold a note or a phone number."""

import io
import logging
import re
import threading
import time

import pytest
import uvicorn
from alembic import command
from playwright.sync_api import expect
from sqlmodel import Session

from e2e import pages
from hotline.app import create_app
from hotline.config import Settings
from hotline.database import alembic_config, make_engine
from hotline.demo import load_demo_users
from hotline.logs import RedactFilter, RequestIdFilter, json_formatter
from support import DEMO_PASSWORD, fresh_database
from test_faults import outage

pytestmark = pytest.mark.e2e
IDLE_MINUTES = 0.3  # 18 seconds: the warning shows for the last 6
TYPED = {
    "phones": ["13912345678", "021-6479 0000", "+86 135 0000 1111"],
    "notes": ["来电者王小红说她今晚想吃安眠药", "Caller Zhang Wei said his brother hurt him again"],
}


@pytest.fixture(scope="module")
def logged_server(tmp_path_factory):
    """A live server like tests/e2e/conftest.py's, with a short idle limit and its logs captured as served."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(json_formatter())
    handler.addFilter(RequestIdFilter())
    handler.addFilter(RedactFilter())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    logging.getLogger("hotline").setLevel(logging.INFO)
    tmp_path = tmp_path_factory.mktemp("hardening")
    with fresh_database(tmp_path) as url:
        command.upgrade(alembic_config(url), "head")
        settings = Settings(database_url=url, secret_key="e2e-secret-" + "h" * 32, default_locale="en",
                            idle_minutes=IDLE_MINUTES)
        engine = make_engine(url)
        with Session(engine) as session:
            load_demo_users(session=session, password=DEMO_PASSWORD)
        sock_port = _free_port()
        server = uvicorn.Server(uvicorn.Config(create_app(settings, engine), host="127.0.0.1", port=sock_port,
                                               log_config=None, log_level="info", lifespan="off"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 15
        while not server.started:
            assert time.monotonic() < deadline, "live server did not start"
            time.sleep(0.05)
        yield f"http://127.0.0.1:{sock_port}", engine, stream
        server.should_exit = True
        thread.join(timeout=10)
        engine.dispose()
    root.removeHandler(handler)
    root.setLevel(old_level)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def log_in(page, base, *, stay=False):
    if not stay:
        page.goto(base + "/login")
    page.fill("#username", "counsellor")
    page.fill("#password", DEMO_PASSWORD)
    page.click("form.stacked button[type=submit]")


def start_call(page, base):
    """The counsellor logged in on a new call screen (the shared page helpers); its full address."""
    pages.log_in(page, base, "counsellor")
    return base + pages.started_call(page, base)


def test_idle_logout_warns_saves_and_the_note_is_there_after_logging_in(logged_server, new_page):
    base, _engine, _logs = logged_server
    page = new_page("en-GB")
    call_url = start_call(page, base)
    text = f"{TYPED['notes'][0]}，电话 {TYPED['phones'][0]}。"
    page.click("#notes")
    page.keyboard.type(text, delay=5)
    # Then nobody touches the keyboard: the warning counts down, then the page logs itself out.
    expect(page.locator("#idle-warning")).to_be_visible(timeout=25_000)
    expect(page.locator("#idle-countdown")).to_have_text(re.compile(r"^\d$"))
    page.wait_for_url(re.compile(r".*/login\?next=/calls/\d+$"), timeout=15_000)
    expect(page.locator("#flash")).to_contain_text("without activity")
    log_in(page, base, stay=True)  # this login page brings the counsellor back to the call
    page.wait_for_url(call_url)
    assert page.input_value("#notes") == text
    page.reload()
    assert page.input_value("#notes") == text  # on the server, not only in this browser


def test_stay_logged_in_keeps_the_session(logged_server, new_page):
    base, _engine, _logs = logged_server
    page = new_page("en-GB")
    log_in(page, base)
    page.wait_for_url(base + "/")
    expect(page.locator("#idle-warning")).to_be_visible(timeout=25_000)
    page.click("#idle-stay")
    expect(page.locator("#idle-warning")).to_be_hidden()
    time.sleep(8)  # past the moment it would have logged out
    assert page.url == base + "/"
    page.goto(base + "/calls")
    assert page.url == base + "/calls"


def test_database_away_mid_call_keeps_the_note_in_the_browser(logged_server, new_page):
    base, engine, _logs = logged_server
    page = new_page("zh-CN")
    call_url = start_call(page, base)
    text = f"{TYPED['notes'][1]}, call back on {TYPED['phones'][1]} or {TYPED['phones'][2]}."
    with outage(engine):
        page.click("#notes")
        page.keyboard.type(text, delay=5)
        expect(page.locator("#flash")).to_contain_text("暂时无法连接数据库", timeout=20_000)
        stored = page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('hotline:call:')).length")
        assert stored == 1
    # Back again: the page sends the kept text by itself, no reload, no restart: at its next retry, when the
    # server's Retry-After for a database away (5 s) has passed.
    expect(page.locator("#save-status")).to_have_class(re.compile(r"\bok\b"), timeout=15_000)
    page.goto(call_url)
    assert page.input_value("#notes") == text


def test_logs_of_the_whole_run_hold_no_note_and_no_phone_number(logged_server):
    _base, _engine, logs = logged_server
    output = logs.getvalue()
    assert '"path": "/calls/{call_id}/save"' in output, "the runs above were logged"
    digits_only = [re.sub(r"\D", "", phone) for phone in TYPED["phones"]]
    for typed in TYPED["phones"] + TYPED["notes"] + digits_only:
        assert typed not in output
    for note in TYPED["notes"]:
        for piece in re.findall(r"[\u4e00-\u9fff]{2,}|[A-Z][a-z]+ [A-Z][a-z]+|brother|hurt", note):
            assert piece not in output, piece
