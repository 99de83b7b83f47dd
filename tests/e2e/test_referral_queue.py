"""A high-risk call reaches the supervisor's open queue without a reload; the supervisor works it to the end."""

import re

import pytest
from playwright.sync_api import expect

from e2e.pages import log_in

pytestmark = pytest.mark.e2e


def test_queue_updates_live_and_the_referral_is_worked_to_follow_ups(live_server, new_page):
    supervisor = new_page("zh-CN")
    log_in(supervisor, live_server, "supervisor")
    supervisor.goto(live_server + "/referrals")
    queued_before = supervisor.locator("tr[data-referral]").count()

    counsellor = new_page("en-GB")
    log_in(counsellor, live_server, "counsellor")
    counsellor.goto(live_server + "/calls")
    counsellor.click("[data-testid=start-call]")
    counsellor.wait_for_url(re.compile(r".*/calls/\d+$"))
    counsellor.click("#notes")
    counsellor.keyboard.type("He says he has bought charcoal and will use it tonight in his car.", delay=2)
    expect(counsellor.locator("#risk-banner")).to_have_attribute("data-level", re.compile("high|imminent"))
    counsellor.check("input[name=call_type][value=about_self]")
    counsellor.select_option("#caller_group", "general_public")
    counsellor.check("input[name=concerns][value=low_mood]")
    counsellor.check("input[name=interventions][value=safety_plan]")
    counsellor.fill("#summary", "Safety plan; supervisor asked.")
    counsellor.click("[data-testid=finalise]")
    counsellor.wait_for_selector("text=Finalised")

    # The supervisor's page was not reloaded: the poll brings the new row within 5 seconds.
    expect(supervisor.locator("tr[data-referral]")).to_have_count(queued_before + 1, timeout=5000)
    row = supervisor.locator("tr[data-referral]").first
    expect(row).to_have_attribute("data-level", re.compile("high|imminent"))
    row.locator("button:has-text('认领')").click()
    supervisor.wait_for_url(re.compile(r".*/referrals/\d+$"))
    expect(supervisor.locator("[data-testid=owner]")).to_contain_text("Demo supervisor")

    supervisor.click("form[data-step=in_progress] button")
    supervisor.select_option("#destination", index=1)
    supervisor.fill("#reference", "A-2026-001")
    supervisor.click("form[data-step=referred] button")
    supervisor.click("form[data-step=closed] button")
    expect(supervisor.locator("[data-testid=referral-status]")).to_have_text("已关闭")
    expect(supervisor.locator("[data-testid=follow-ups] li")).to_have_count(5)
    assert "A-2026-001" in supervisor.inner_text("[data-testid=timeline]")

    # The counsellor is offered a debrief after the hard call.
    counsellor.goto(live_server + "/calls")
    expect(counsellor.locator("[data-testid=debriefs]")).to_be_visible()
