"""The save status says what happened to the notes: saved once they are saved, and not "saving…" while the
call waits for the counsellor to settle an edit conflict."""

import json
import re

import pytest
from playwright.sync_api import expect

from e2e.pages import log_in, started_call

pytestmark = pytest.mark.e2e


def test_text_restored_from_the_device_says_saved_as_soon_as_it_is(live_server, new_page):
    page = new_page("en-GB")
    log_in(page, live_server, "counsellor")
    path = started_call(page, live_server)
    call_id = path.rsplit("/", 1)[1]
    # Text typed before the tab was closed, never confirmed by the server: it waits on the device.
    page.evaluate("([key, copy]) => localStorage.setItem(key, copy)",
                  [f"hotline:call:{call_id}:notes", json.dumps({"notes": "Typed before the tab closed.", "base": 1,
                                                                "at": 0})])
    saves = []
    page.on("request", lambda r: r.url.endswith("/save") and saves.append(r))
    page.reload()
    expect(page.locator("#notes")).to_have_value("Typed before the tab closed.")
    # Sent at once, and the status says so when it lands (not seconds later, at the next retry).
    expect(page.locator("#save-status")).to_have_text(re.compile(r"^Saved \d\d:\d\d:\d\d$"), timeout=2500)
    assert len(saves) == 1


def test_an_edit_conflict_does_not_leave_saving_beside_the_conflict_box(live_server, new_page):
    first = new_page("en-GB")
    log_in(first, live_server, "counsellor")
    path = started_call(first, live_server)
    second = first.context.new_page()  # the same call open in a second tab
    second.goto(live_server + path)
    first.click("#notes")
    with first.expect_response(lambda r: r.url.endswith("/save") and r.ok):
        first.keyboard.type("Written in the first tab.", delay=2)
    second.click("#notes")
    with second.expect_response(lambda r: r.url.endswith("/save") and r.status == 409):
        second.keyboard.type("Written in the second tab.", delay=2)
    expect(second.locator("#conflict .conflict")).to_be_visible()
    status = second.locator("#save-status")
    expect(status).not_to_have_text(re.compile("Saving"))
    expect(status).to_have_text(re.compile("Not saved"))
    expect(status).to_have_class(re.compile(r"\boffline\b"))
    # Settled: the counsellor keeps their text, and the status follows it to "Saved".
    second.click("[data-conflict=keep-mine]")
    expect(status).to_have_text(re.compile(r"^Saved \d\d:\d\d:\d\d$"))
