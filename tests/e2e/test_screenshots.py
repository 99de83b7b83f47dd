"""Pictures of the console for the README, in Chinese and in English, taken from a real session.

`make screenshots` runs this with HOTLINE_SCREENSHOTS=docs/screenshots, which the README shows; in the
ordinary suite the pictures go to test-artifacts/ and the test checks each page shows what it should.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from e2e.pages import line_week, log_in, started_call

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
NOTES = {
    "zh-CN": "来电者是一名护士，连续上了两周夜班，睡不着。她说已经买好了木炭，打算今晚在车里烧炭。",
    "en-GB": "Caller is a nurse, two weeks of night shifts, cannot sleep. She has bought charcoal and plans "
             "to use it in her car tonight.",
}


@pytest.fixture(scope="module")
def shots() -> Path:
    folder = Path(os.environ.get("HOTLINE_SCREENSHOTS") or ROOT / "test-artifacts" / "screenshots")
    if not folder.is_absolute():
        folder = ROOT / folder
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def snap(page, folder: Path, name: str) -> Path:
    path = folder / f"{name}.png"
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(path))
    assert path.stat().st_size > 10_000, f"{name} looks blank"
    return path


@pytest.mark.parametrize(("locale", "lang"), [("zh-CN", "zh"), ("en-GB", "en")])
def test_call_screen_queue_and_roster_pictures(live_server, new_page, shots, locale, lang):
    counsellor = new_page(locale)
    log_in(counsellor, live_server, "counsellor")
    started_call(counsellor, live_server)
    counsellor.click("#notes")
    counsellor.keyboard.type(NOTES[locale], delay=1)
    expect(counsellor.locator("#risk-banner")).to_have_attribute("data-level", re.compile("high|imminent"))
    expect(counsellor.locator("#save-status")).to_have_class(re.compile(r"\bok\b"), timeout=10_000)
    counsellor.check("input[name=call_type][value=about_self]")
    counsellor.select_option("#caller_group", "medical_staff")
    counsellor.check("input[name=concerns][value=low_mood]")
    expect(counsellor.locator("#save-status")).to_have_class(re.compile(r"\bok\b"), timeout=10_000)
    snap(counsellor, shots, f"call-screen-{lang}")
    counsellor.check("input[name=interventions][value=safety_plan]")
    counsellor.fill("#summary", "安全计划；已请督导。" if lang == "zh" else "Safety plan; supervisor asked.")
    counsellor.click("[data-testid=finalise]")
    counsellor.wait_for_selector("text=" + ("已结束" if lang == "zh" else "Finalised"))

    supervisor = new_page(locale)
    log_in(supervisor, live_server, "supervisor")
    supervisor.goto(live_server + "/referrals")
    expect(supervisor.locator("tr[data-referral]").first).to_have_attribute(
        "data-level", re.compile("high|imminent"))
    snap(supervisor, shots, f"referral-queue-{lang}")

    coordinator = new_page(locale)
    log_in(coordinator, live_server, "coordinator")
    coordinator.goto(live_server + line_week(coordinator, live_server))
    expect(coordinator.locator(".roster-grid")).to_be_visible()
    snap(coordinator, shots, f"roster-week-{lang}")
