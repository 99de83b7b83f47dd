"""The save status says what happened to the notes: saved once they are saved, and not "saving…" while the
call waits for the counsellor to settle an edit conflict."""

import json
import re
import time

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


def busy_for(times: int, *, retry_after: str, sent: list, refused: list):
    """A route for the autosave that answers the first `times` saves as a busy server does (503 with
    Retry-After), noting when each save was sent and refused, then lets saves through."""

    def handle(route):
        sent.append(time.monotonic())
        if len(refused) < times:
            route.fulfill(status=503, headers={"Retry-After": retry_after, "HX-Retarget": "#flash",
                                               "HX-Reswap": "innerHTML"}, body="<p>Very busy.</p>")
            refused.append(time.monotonic())
        else:
            route.continue_()

    return handle


def test_a_busy_server_s_retry_after_is_honoured_and_retries_back_off(live_server, new_page):
    """Refused with 503 and Retry-After (a busy or restarting server), the screen keeps the text, says it is
    not saved, waits at least as long as it was asked, waits longer after each refusal, then saves."""
    page = new_page("en-GB")
    log_in(page, live_server, "counsellor")
    started_call(page, live_server)
    sent, refused = [], []
    page.route("**/save", busy_for(2, retry_after="1", sent=sent, refused=refused))
    page.click("#notes")
    page.keyboard.type("Sent while the console was busy.", delay=2)
    expect(page.locator("#save-status")).to_have_class(re.compile(r"\boffline\b"))
    expect(page.locator("#save-status")).to_have_text(re.compile(r"^Saved \d\d:\d\d:\d\d$"), timeout=15000)
    assert len(sent) == 3 and len(refused) == 2
    first_wait, second_wait = sent[1] - refused[0], sent[2] - refused[1]
    assert first_wait >= 0.95, f"retried {first_wait:.2f} s after a Retry-After of 1 s"
    assert second_wait >= 1.9 and second_wait > first_wait, (first_wait, second_wait)  # backing off
    page.unroute("**/save")
    page.reload()
    expect(page.locator("#notes")).to_have_value("Sent while the console was busy.")


def test_ending_the_call_during_a_retry_wait_sends_what_was_typed_first(live_server, new_page):
    """A save refused (busy server), more typed while the screen waits to retry, then End call at once: the
    end waits for that text to be saved, and the finished record holds all of it."""
    page = new_page("en-GB")
    log_in(page, live_server, "counsellor")
    started_call(page, live_server)
    page.route("**/save", busy_for(1, retry_after="30", sent=[], refused=[]))
    page.click("#notes")
    page.keyboard.type("First line.", delay=2)
    expect(page.locator("#save-status")).to_have_class(re.compile(r"\boffline\b"))
    page.keyboard.type(" Said he is safe tonight; sister on her way.", delay=2)  # kept: waiting 30 s to retry
    page.check("input[name=call_type][value=about_self]")
    page.select_option("#caller_group", "medical_staff")
    page.check("input[name=concerns][value=low_mood]")
    page.check("input[name=interventions][value=safety_plan]")
    page.fill("#summary", "Safety plan made.")
    page.click("[data-testid=finalise]")
    page.wait_for_selector("text=Finalised")
    assert page.inner_text("[data-testid=notes]") == "First line. Said he is safe tonight; sister on her way."
