"""The call screen runs under the strict Content-Security-Policy without a single complaint in the console:
no inline style or script refused, no missing file (the favicon comes from /static)."""

import re

import pytest
from playwright.sync_api import expect

from e2e.pages import log_in, started_call

pytestmark = pytest.mark.e2e
CALLER = "13900001111"
WATCH = """
window.__refused = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__refused.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


def test_call_screen_in_use_logs_no_csp_error_and_no_missing_file(live_server, new_page):
    page = new_page("zh-CN")
    page.context.add_init_script(WATCH)
    errors, missing = [], []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: r.status == 404 and missing.append(r.url))
    log_in(page, live_server, "counsellor")
    started_call(page, live_server)

    # A night's call: notes to imminent, a tick, a screening, distress marks, a repeat caller, the folds.
    page.click("#notes")
    page.keyboard.type("他现在就站在楼顶上，说马上要跳下去。", delay=5)
    expect(page.locator("#risk-banner")).to_have_attribute("data-level", "imminent")
    with page.expect_response(lambda r: r.url.endswith("/crisis")) as ticked:
        page.locator("[data-testid=crisis-checklist] button").first.click()
    assert ticked.value.ok
    expect(page.locator("[data-testid=crisis-checklist] .tick.done")).to_have_count(1)
    page.click("[data-instrument=phq4]")
    expect(page.locator("#screening-form input[name=q1][value='0']")).to_be_focused()
    for digit in "1111":
        page.keyboard.press(digit)
    expect(page.locator("[data-testid=screening-result]")).to_be_visible()
    page.click("#notes")
    page.keyboard.press("Alt+Shift+Digit7")
    expect(page.locator("[data-testid=distress-curve] circle")).to_have_count(1)
    page.keyboard.press("Alt+Shift+Digit4")
    expect(page.locator("[data-testid=distress-curve] circle")).to_have_count(2)
    page.fill("#caller-identifier", CALLER)
    page.press("#caller-identifier", "Enter")
    expect(page.locator("#caller-history")).to_contain_text("首次来电")
    page.click("[data-testid=more-caller] summary")
    page.click("[data-testid=more-outcome] summary")
    page.click("details.override summary")
    page.fill("#destination-q", "120")
    expect(page.locator("[data-testid=destination-list] li").first).to_contain_text("120")
    page.reload()
    expect(page.locator("#risk-banner")).to_have_attribute("data-level", "imminent")

    assert page.evaluate("window.__refused") == []
    assert errors == []
    assert missing == []
    expect(page.locator("link[rel=icon]")).to_have_attribute("href", re.compile(r"^/static/"))
