"""Judging the level differently while the notes autosave: nothing the counsellor chose or typed is lost."""

import re

import pytest
from playwright.sync_api import expect

from e2e.pages import log_in, started_call

pytestmark = pytest.mark.e2e


def test_override_opened_right_after_typing_stays_open_and_keeps_what_was_typed(live_server, new_page):
    page = new_page("en-GB")
    log_in(page, live_server, "counsellor")
    started_call(page, live_server)
    page.click("#notes")
    page.keyboard.type("Caller feels low since losing her job and cannot sleep.", delay=2)
    # Straight from typing to the override: leaving the notes sends a save, whose answer redraws the banner.
    with page.expect_response(lambda r: r.url.endswith("/save")):
        page.get_by_text("Judge the level differently").click()
    override = page.locator("details.override")
    expect(override).to_have_attribute("open", "")
    page.select_option("#override-level", "high")
    page.fill("#override-reason", "She said more on the phone than the notes hold")

    # Another autosave and a live refresh of the banner land while the form is half filled.
    with page.expect_response(lambda r: r.url.endswith("/save")):
        page.evaluate("htmx.trigger('#call-form', 'retry')")
    with page.expect_response(lambda r: r.url.endswith("/banner")):
        page.evaluate("htmx.trigger('#banner-live', 'live')")
    expect(override).to_have_attribute("open", "")
    expect(page.locator("#override-level")).to_have_value("high")
    expect(page.locator("#override-reason")).to_have_value("She said more on the phone than the notes hold")

    override.locator("button[type=submit]").click()
    expect(page.locator("#risk-banner")).to_have_attribute("data-level", "high")
    expect(page.locator("#risk-banner .override-note")).to_contain_text("She said more on the phone")
    # Typing on after the override: the next save keeps the level and the form as set.
    page.click("#notes")
    with page.expect_response(lambda r: r.url.endswith("/save")):
        page.keyboard.type(" Lives alone.", delay=2)
    expect(page.locator("#risk-banner")).to_have_attribute("data-level", "high")
    expect(page.locator("#override-level")).to_have_value("high")
    expect(page.locator("#save-status")).to_have_class(re.compile(r"\bok\b"))


def test_an_autosave_answer_overtaken_by_the_override_does_not_draw_the_old_level_back(live_server, new_page):
    page = new_page("en-GB")
    log_in(page, live_server, "counsellor")
    started_call(page, live_server)
    held = []  # saves the server has answered, whose answers are still on their way to the browser
    page.route("**/save", lambda route: held.append((route, route.fetch())))
    page.click("#notes")
    page.keyboard.type("Caller feels low since losing her job.", delay=2)
    for _ in range(50):
        if held:
            break
        page.wait_for_timeout(100)
    assert held, "no save was sent"

    override = page.locator("details.override")
    override.locator("summary").click()
    page.select_option("#override-level", "high")
    page.fill("#override-reason", "Much lower than she sounds")
    override.locator("button[type=submit]").click()
    expect(page.locator("#risk-banner")).to_have_attribute("data-level", "high")

    route, response = held.pop(0)
    route.fulfill(response=response)  # the first save's answer lands after the override's
    expect(page.locator("#save-status")).to_have_attribute("data-version", "2")  # it has been swapped in
    expect(page.locator("#risk-banner")).to_have_attribute("data-level", "high")
    expect(page.locator("#risk-banner .override-note")).to_contain_text("Much lower than she sounds")
    page.unroute("**/save", None)
