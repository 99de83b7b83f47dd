"""The call screen on a 1366×768 laptop: the notes, the risk banner, the timer and the crisis checklist stay
in sight together while the counsellor types, fills the fields below, or runs a screening."""

import re
import time

import pytest
from playwright.sync_api import expect

from e2e.pages import log_in, started_call

pytestmark = pytest.mark.e2e
LAPTOP = {"width": 1366, "height": 768}
IMMINENT = "She has bought charcoal and plans to use it tonight, she has the rope ready now."


@pytest.fixture
def laptop_page(browser):
    context = browser.new_context(locale="en-GB", viewport=LAPTOP)
    yield context.new_page()
    context.close()


def out_of_sight(page, *selectors: str) -> list[str]:
    """The selectors whose element is not wholly inside the window."""
    return page.evaluate("""(selectors) => selectors.filter((s) => {
        const box = document.querySelector(s).getBoundingClientRect();
        return !(box.height > 0 && box.top >= 0 && box.left >= 0 && box.bottom <= window.innerHeight
                 && box.right <= window.innerWidth);
    })""", list(selectors))


CRISIS = ("#notes", "#risk-banner", "#call-timer", "[data-testid=crisis-checklist]")


def test_notes_banner_timer_and_checklist_stay_in_sight_at_1366x768(live_server, laptop_page):
    page = laptop_page
    log_in(page, live_server, "counsellor")
    started_call(page, live_server)
    page.click("#notes")
    page.keyboard.type(IMMINENT, delay=2)
    expect(page.locator("#risk-banner")).to_have_attribute("data-level", "imminent")
    expect(page.locator("[data-testid=crisis-checklist]")).to_be_visible()
    for line in range(12):  # a long note: the page does not grow under the counsellor's hands
        page.keyboard.type(f" Line {line}: she talks about her sister and the flat.\n")
    assert out_of_sight(page, *CRISIS) == []

    # Down to the summary at the foot of the form: the banner, timer and checklist are still there.
    page.fill("#summary", "Kept on the line; 120 called.")
    expect(page.locator("#summary")).to_be_focused()
    assert out_of_sight(page, "#summary", "#risk-banner", "#call-timer", "[data-testid=crisis-checklist]") == []

    # Back to the notes, then a PHQ-9 from the side column: the page does not move away from the notes.
    page.click("#notes")
    page.keyboard.press("Control+End")
    scrolled = page.evaluate("window.scrollY")
    page.click("[data-instrument=phq9]")
    expect(page.locator("#screening-form input[name=q1][value='0']")).to_be_focused()
    assert page.evaluate("window.scrollY") == scrolled
    assert out_of_sight(page, *CRISIS) == []
    assert out_of_sight(page, "#screening-form .screening-item[data-item='1']") == []
    for digit in "000000000":
        page.keyboard.press(digit)
    expect(page.locator("[data-testid=screening-result]")).to_contain_text(re.compile("0 of 27|0 / 27"))
    # Scored: the focus goes back to the notes, where the counsellor goes on typing (not to <body>).
    expect(page.locator("#notes")).to_be_focused()
    page.keyboard.type(" PHQ-9 done.")
    expect(page.locator("#notes")).to_have_value(re.compile(r"PHQ-9 done\.$"))
    assert out_of_sight(page, *CRISIS) == []


def test_rarely_used_fields_fold_away_and_open_when_they_hold_something(live_server, laptop_page):
    page = laptop_page
    log_in(page, live_server, "counsellor")
    started_call(page, live_server)
    expect(page.locator("#region")).to_be_hidden()
    expect(page.locator("#mood_start")).to_be_hidden()
    page.click("[data-testid=more-caller] summary")
    page.fill("#region", "Dongcheng")
    page.click("[data-testid=more-outcome] summary")
    def saved_mood(response):
        sent = response.request.post_data or ""
        return response.url.endswith("/save") and response.ok and 'name="mood_start"\r\n\r\n3' in sent

    with page.expect_response(saved_mood):
        page.select_option("#mood_start", "3")
    page.reload()
    # What was recorded is never hidden: a fold that holds something opens by itself.
    expect(page.locator("#region")).to_have_value("Dongcheng")
    expect(page.locator("#region")).to_be_visible()
    expect(page.locator("#mood_start")).to_be_visible()
    expect(page.locator("#mood_end")).to_be_visible()
    expect(page.locator("input[name=a_access_to_means]").first).to_be_hidden()


def test_narrowed_window_lets_the_side_column_run_its_full_length(live_server, laptop_page):
    page = laptop_page
    log_in(page, live_server, "counsellor")
    started_call(page, live_server)
    assert page.evaluate("document.querySelector('.call-side-fixed').style.maxHeight") != ""
    page.set_viewport_size({"width": 800, "height": 900})  # one column: nothing sticks, nothing is cut short
    # Polled from here: a predicate polled inside the page is eval'd there, which the page's CSP refuses.
    deadline = time.monotonic() + 10
    while page.evaluate("document.querySelector('.call-side-fixed').style.maxHeight") != "":
        assert time.monotonic() < deadline, "the side column kept the laptop layout's height cap"
        page.wait_for_timeout(100)
    expect(page.locator("[data-testid=finalise]")).to_be_visible()
