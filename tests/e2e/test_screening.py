"""A counsellor runs a PHQ-9 by keyboard, marks the caller's distress, ends the call, and reads the curve
and the caller's trend across calls."""

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from e2e.pages import log_in

pytestmark = pytest.mark.e2e
CALLER = "13911112222"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def earlier_call_with_a_phq9(page, base):
    """An earlier call from the same caller, made through the API with this browser's session."""
    token = json.loads(page.get_attribute("body", "hx-headers"))["X-CSRFToken"]
    headers = {"X-CSRFToken": token}
    call = page.request.post(base + "/api/v1/calls", headers=headers, data={"caller_number": CALLER}).json()
    scored = page.request.post(f"{base}/api/v1/calls/{call['id']}/screenings", headers=headers,
                               data={"instrument": "phq9", "answers": [3, 3, 2, 2, 2, 2, 2, 1, 1]})
    assert scored.status == 201 and scored.json()["total"] == 18
    ended = page.request.post(f"{base}/api/v1/calls/{call['id']}/finalise", headers=headers,
                              data={"version": 1, "incomplete": True})
    assert ended.status == 200


def test_phq9_by_keyboard_distress_curve_and_trend(live_server, new_page):
    page = new_page("zh-CN")
    log_in(page, live_server, "counsellor")
    earlier_call_with_a_phq9(page, live_server)

    page.goto(live_server + "/calls")
    page.click("[data-testid=start-call]")
    page.wait_for_url(re.compile(r".*/calls/\d+$"))
    page.fill("#caller-identifier", CALLER)
    page.press("#caller-identifier", "Enter")
    expect(page.locator("[data-testid=caller-history] li")).to_have_count(1)

    # Add a screening: PHQ-9, answered with digit keys only; the last answer scores it.
    page.focus("[data-instrument=phq9]")
    page.keyboard.press("Enter")
    expect(page.locator("#screening-form input[name=q1][value='0']")).to_be_focused()
    item9 = page.locator("#screening-form .screening-item").nth(8)
    expect(item9).to_contain_text("有不如死掉或用某种方式伤害自己的念头")
    for digit in "121101002":
        page.keyboard.press(digit)
    expect(page.locator("[data-testid=screening-band]")).to_have_text("轻度")  # 8: mild
    expect(page.locator("[data-testid=screening-result]")).to_contain_text("总分 8 / 27")
    expect(page.locator("#screening-form")).to_have_count(0)
    expect(page.locator("[data-testid=trend-phq9] circle")).to_have_count(2)  # this call joins the trend
    # item 9 above "not at all" reaches the banner's evidence
    expect(page.locator("#risk-banner")).to_have_attribute("data-level", "low")
    expect(page.locator("#risk-banner [data-rule='answers.phq9_item9']")).to_contain_text("PHQ-9 第 9 题")

    # Distress with one chord while typing notes: nothing lands in the notes.
    page.click("#notes")
    page.keyboard.type("来电者哭泣，")
    page.keyboard.press("Alt+Shift+Digit8")
    expect(page.locator("[data-testid=distress-latest]")).to_contain_text("最近一次 8 分")
    page.keyboard.type("慢慢平静下来，")
    page.keyboard.press("Alt+Shift+Digit5")
    expect(page.locator("[data-testid=distress-latest]")).to_contain_text("已记录 2 次")
    page.keyboard.type("愿意明天去医院。")
    page.keyboard.press("Alt+Shift+Digit2")
    expect(page.locator("[data-testid=distress-latest]")).to_contain_text("已记录 3 次，最近一次 2 分")
    expect(page.locator("#notes")).to_have_value("来电者哭泣，慢慢平静下来，愿意明天去医院。")
    expect(page.locator("#notes")).to_be_focused()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "screening-call-zh.png"), full_page=True)

    page.check("input[name=call_type][value=about_self]")
    page.select_option("#caller_group", "student")
    page.check("input[name=concerns][value=low_mood]")
    page.fill("#summary", "倾听，情绪缓和，约定明天就医。")
    expect(page.locator("#save-status")).to_have_class(re.compile(r"\bok\b"))
    page.click("[data-testid=finalise]")

    expect(page.locator("h1 .badge")).to_have_text("已结束")
    curve = page.locator("[data-testid=distress-curve]")
    expect(curve.locator("circle")).to_have_count(3)
    assert [curve.locator("circle").nth(i).get_attribute("data-value") for i in range(3)] == ["8", "5", "2"]
    expect(curve.locator("polyline")).to_have_count(1)
    trend = page.locator("[data-testid=trend-phq9] circle")
    expect(trend).to_have_count(2)
    assert [trend.nth(i).get_attribute("data-value") for i in range(2)] == ["18", "8"]
    expect(page.locator("[data-testid=screening-trend]")).to_contain_text("最近 8 分")
    page.screenshot(path=str(ARTIFACTS / "screening-record-zh.png"), full_page=True)
