"""Live updates in the browser: the queue and a call's banner change on their own, faster than polling."""

import re

import pytest
from playwright.sync_api import expect

from e2e.pages import log_in, started_call

pytestmark = pytest.mark.e2e


def test_a_supervisor_sees_the_banner_and_the_queue_change_live(live_server, new_page):
    counsellor = new_page("en-GB")
    log_in(counsellor, live_server, "counsellor")
    counsellor.goto(live_server + "/calls")
    counsellor.click("[data-testid=start-call]")
    counsellor.wait_for_url(re.compile(r".*/calls/\d+$"))
    call_url = counsellor.url

    supervisor = new_page("en-GB")
    log_in(supervisor, live_server, "supervisor")
    supervisor.goto(call_url)  # someone else's call in progress: the read-only record with its banner
    expect(supervisor.locator("body")).to_have_attribute("data-live", "on")
    expect(supervisor.locator("#risk-banner")).to_have_attribute("data-level", "none")

    counsellor.click("#notes")
    counsellor.keyboard.type("He says he has bought charcoal and will use it tonight in his car.", delay=2)
    expect(counsellor.locator("#risk-banner")).to_have_attribute("data-level", re.compile("high|imminent"))
    # Nothing polls the banner: only the stream can bring the change.
    expect(supervisor.locator("#risk-banner")).to_have_attribute("data-level", re.compile("high|imminent"),
                                                                  timeout=3000)

    queue = new_page("en-GB")
    log_in(queue, live_server, "lead")
    queue.goto(live_server + "/referrals")
    expect(queue.locator("body")).to_have_attribute("data-live", "on")
    before = queue.locator("tr[data-referral]").count()
    counsellor.check("input[name=call_type][value=about_self]")
    counsellor.select_option("#caller_group", "general_public")
    counsellor.check("input[name=concerns][value=low_mood]")
    counsellor.check("input[name=interventions][value=safety_plan]")
    counsellor.fill("#summary", "Safety plan.")
    counsellor.click("[data-testid=finalise]")
    counsellor.wait_for_selector("text=Finalised")
    # While the stream is open the 3-second poll stands down; the new row comes through the stream.
    expect(queue.locator("tr[data-referral]")).to_have_count(before + 1, timeout=2500)


def test_the_board_of_calls_in_progress_follows_a_call_live(live_server, new_page):
    supervisor = new_page("zh-CN")
    log_in(supervisor, live_server, "supervisor")
    supervisor.goto(live_server + "/calls/now")
    expect(supervisor.locator("body")).to_have_attribute("data-live", "on")

    counsellor = new_page("zh-CN")
    log_in(counsellor, live_server, "counsellor")
    call_id = started_call(counsellor, live_server).rsplit("/", 1)[1]
    row = supervisor.locator(f"tr[data-call='{call_id}']")
    # The board polls only every 30 s while its stream is open: these arrive through the stream.
    expect(row).to_have_attribute("data-level", "none", timeout=3000)
    counsellor.click("#notes")
    counsellor.keyboard.type("他说已经买好了木炭，今晚就在车里烧炭。", delay=5)
    expect(counsellor.locator("#risk-banner")).to_have_attribute("data-level", re.compile("high|imminent"))
    expect(row).to_have_attribute("data-level", re.compile("high|imminent"), timeout=3000)
    expect(supervisor.locator("[data-testid=board-summary]")).to_contain_text("高风险或紧急风险")


def test_a_call_handed_over_stops_the_first_counsellors_screen_and_keeps_what_never_reached_it(
        live_server, new_page):
    counsellor = new_page("en-GB")
    log_in(counsellor, live_server, "counsellor")
    call_url = live_server + started_call(counsellor, live_server)
    counsellor.click("#notes")
    counsellor.keyboard.type("Nurse on the night shift, exhausted. ", delay=2)
    expect(counsellor.locator("#save-status")).to_have_class(re.compile(r"\bok\b"))

    # The counsellor's network drops while they go on typing; meanwhile a supervisor takes the call over.
    counsellor.context.set_offline(True)
    counsellor.keyboard.type("Her sister may come tomorrow.", delay=2)
    expect(counsellor.locator("#save-status")).to_have_class(re.compile(r"\boffline\b"))
    supervisor = new_page("en-GB")
    log_in(supervisor, live_server, "supervisor")
    supervisor.goto(call_url)
    supervisor.click("[data-testid=hand-over] summary")
    supervisor.select_option("#hand-over-to", "supervisor")
    supervisor.click("[data-testid=hand-over-submit]")
    expect(supervisor.locator("#call-form")).to_be_visible()  # now the supervisor's own call screen
    expect(supervisor.locator("#notes")).to_have_value("Nurse on the night shift, exhausted. ")

    saves = []
    counsellor.on("request", lambda r: saves.append(r.url) if r.url.endswith("/save") else None)
    counsellor.context.set_offline(False)
    # The network is back: the retried save is refused, and the screen says so and stops, rather than
    # retrying every 5 seconds. What never reached the record is shown to be passed on.
    expect(counsellor.locator("#flash")).to_contain_text("handed over to Demo supervisor")
    expect(counsellor.locator("#save-status")).to_have_text("Handed over: no longer saving")
    expect(counsellor.locator("#notes")).to_have_js_property("readOnly", True)
    expect(counsellor.locator("[data-testid=finalise]")).to_be_disabled()
    expect(counsellor.locator("#unsent-notes")).to_have_value(re.compile("Her sister may come tomorrow."))
    sent = len(saves)
    counsellor.wait_for_timeout(6000)
    assert len(saves) == sent, "the screen went on saving after the hand-over"
    counsellor.click("[data-dismiss-unsent]")
    expect(counsellor.locator("[data-testid=handed-over-unsent]")).to_have_count(0)
    assert counsellor.evaluate("Object.keys(localStorage).filter(k => k.startsWith('hotline:call:'))") == []
