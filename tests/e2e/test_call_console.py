"""A counsellor takes a call in Chromium: the banner follows the notes, and nothing typed is lost offline."""

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from e2e.pages import log_in, started_call

pytestmark = pytest.mark.e2e
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def wait_saved(page, timeout=10.0):
    """Saved means: the server said so, and the device no longer holds an unsent copy."""
    expect(page.locator("#save-status")).to_have_class(re.compile(r"\bok\b"), timeout=timeout * 1000)
    deadline = time.monotonic() + timeout
    while page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('hotline:call:')).length"):
        assert time.monotonic() < deadline, "unsent text still waiting on the device"
        time.sleep(0.1)


def test_high_risk_note_offline_spell_reload_and_referral(live_server, new_page):
    page = new_page("en-GB")
    log_in(page, live_server, "counsellor")
    page.goto(live_server + "/calls")
    page.click("[data-testid=start-call]")
    page.wait_for_url(re.compile(r".*/calls/\d+$"))
    call_url = page.url
    assert page.get_attribute("#risk-banner", "data-level") == "none"
    expect(page.locator("#call-timer")).not_to_have_text("00:00", timeout=3000)

    first = "Caller is a nurse on night shifts. She says she has bought charcoal and plans to use it tonight."
    page.click("#notes")
    page.keyboard.type(first, delay=5)
    expect(page.locator("#risk-banner")).to_have_attribute("data-level", re.compile("high|imminent"))
    assert "charcoal" in page.inner_text("#risk-banner mark")
    assert page.locator("#risk-banner button:has-text('Ask a supervisor')").count() == 1
    wait_saved(page)

    page.context.set_offline(True)
    second = " 她说药也准备好了，已经写好遗书。"
    page.keyboard.type(second, delay=5)
    expect(page.locator("#save-status")).to_have_class(re.compile(r"\boffline\b"))
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    wait_saved(page)

    page.reload()
    assert page.input_value("#notes") == first + second

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "call-screen-en.png"), full_page=True)

    page.check("input[name=call_type][value=about_self]")
    page.select_option("#caller_group", "medical_staff")
    page.check("input[name=concerns][value=low_mood]")
    page.check("input[name=interventions][value=safety_plan]")
    page.fill("#summary", "Safety plan made; supervisor informed.")
    page.click("[data-testid=finalise]")
    page.wait_for_url(call_url)
    page.wait_for_selector("text=Finalised")
    assert page.inner_text("[data-testid=notes]") == first + second


def test_closed_tab_text_comes_back_from_the_device(live_server, new_page):
    page = new_page("zh-CN")
    log_in(page, live_server, "counsellor")
    page.goto(live_server + "/calls")
    page.click("[data-testid=start-call]")
    page.wait_for_url(re.compile(r".*/calls/\d+$"))
    call_url = page.url
    # The network drops, the counsellor keeps typing, then the tab is closed.
    page.context.set_offline(True)
    page.click("#notes")
    page.keyboard.type("来电者说最近睡不好，很担心隔离中的父母。", delay=5)
    expect(page.locator("#save-status")).to_have_class(re.compile(r"\boffline\b"))
    # ...and the other fields too: the summary, a folded-away region, a concern ticked.
    page.fill("#summary", "已约明天回访。")
    page.click("[data-testid=more-caller] summary")
    page.fill("#region", "武汉")
    page.check("input[name=concerns][value=low_mood]")
    page.close()
    page = page.context.new_page()
    page.context.set_offline(False)
    page.goto(call_url)
    wait_saved(page)
    page.reload()
    assert page.input_value("#notes") == "来电者说最近睡不好，很担心隔离中的父母。"
    assert page.input_value("#summary") == "已约明天回访。"
    assert page.input_value("#region") == "武汉"
    assert page.is_checked("input[name=concerns][value=low_mood]")


def test_where_to_refer_found_in_traditional_script_and_given_to_the_caller(live_server, new_page):
    page = new_page("zh-CN")
    log_in(page, live_server, "counsellor")
    call_url = live_server + started_call(page, live_server)
    listed = page.locator("[data-testid=destination-list] li")
    expect(listed.first).to_contain_text("120")  # emergency services lead the list
    # The caller is in Dongcheng; the counsellor types it in Traditional characters.
    page.fill("#destination-q", "東城")
    expect(listed).to_have_count(1)
    expect(listed.first).to_contain_text("社区心理服务站")
    listed.first.get_by_role("button", name="已告知来电者").click()
    expect(listed.first.locator("[data-testid=given]")).to_contain_text("已于")
    page.goto(call_url)  # kept on the server, not just on the page
    expect(page.locator("[data-testid=given]")).to_have_count(1)
