"""A coordinator staffs a week in Chromium: makes it, sees the gaps, fills them, publishes; the counsellor
then sees the shift, subscribes to it as a calendar, and asks a colleague to take it; the colleague
accepts and the coordinator approves."""

import re
from datetime import date, timedelta

import pytest
from icalendar import Calendar
from playwright.sync_api import expect

from e2e.pages import log_in
from hotline.demo import DEMO_LINE

pytestmark = pytest.mark.e2e


def choose(page, name, role="counsellor"):
    value = page.locator(f'#assign-user option[data-name="{name}"]').get_attribute("value")
    page.select_option("#assign-user", value)
    page.check(f'input[name=role][value="{role}"]')
    page.click("[data-testid=assign-form] button[type=submit]")


def test_coordinator_makes_a_week_fills_the_gaps_and_publishes(live_server, new_page):
    today = date.today()
    monday = today - timedelta(days=today.weekday()) + timedelta(weeks=8)  # clear of the demo month
    page = new_page("en-GB")
    log_in(page, live_server, "coordinator")
    page.click("nav.mainnav a[href='/roster']")
    expect(page.locator("[data-testid=on-now]")).to_be_visible()

    # a line open on Mondays 08:00–16:00 only, with one shift template
    page.fill("#line-name", "E2E evening line")
    page.uncheck("input[name=open_24h]")
    page.fill("#opens-0", "08:00")
    page.fill("#closes-0", "16:00")
    page.click("text=Add line")
    expect(page.locator(".flash")).to_contain_text("Line E2E evening line added")
    page.fill("#t-name", "Day")
    page.fill("#t-start", "08:00")
    page.fill("#t-end", "16:00")
    for day in range(1, 7):
        page.uncheck(f'input[name=weekdays][value="{day}"]')
    page.fill("#t-seats", "1")
    page.click("text=Add template")
    expect(page.locator("[data-testid=templates]")).to_contain_text("08:00–16:00")
    page.fill("#g-first", monday.isoformat())
    page.click("text=Make shifts from the templates")

    # the week grid shows the gaps and what the checks say
    expect(page.locator(".flash")).to_contain_text("1 shifts made.")
    problems = page.locator("[data-testid=roster-problems]")
    expect(problems).to_contain_text("0 of 1 counsellor seats filled")
    expect(problems).to_contain_text("has no supervisor on call")
    expect(page.locator("td[data-state=gap]")).to_have_count(8)

    # publishing now is refused with the problems; fill the seat and the supervisor instead
    page.click("[data-testid=publish-form] button[type=submit]")
    expect(page.locator("[data-testid=roster-error]")).to_contain_text("publish anyway and say why")
    page.click("[data-testid=open-shift]")
    expect(page.locator("#assign-user")).to_be_visible()
    choose(page, "Demo counsellor · 示例咨询员")
    expect(page.locator(".flash")).to_contain_text("Assigned.")
    expect(problems).not_to_contain_text("counsellor seats filled")
    choose(page, "Demo supervisor · 示例督导", role="supervisor")
    expect(problems).to_contain_text("No problems")
    expect(page.locator("td[data-state=gap]")).to_have_count(0)
    page.click("[data-testid=publish-form] button[type=submit]")
    expect(page.locator(".flash")).to_contain_text("Week published. Counsellors can see their shifts.")
    line_id = re.search(r"/roster/lines/(\d+)/week", page.url).group(1)

    # the counsellor sees it and subscribes
    counsellor = new_page("en-GB")
    log_in(counsellor, live_server, "counsellor")
    counsellor.goto(live_server + "/roster/mine")
    expect(counsellor.locator("[data-testid=my-shifts]")).to_contain_text("E2E evening line")
    counsellor.click("[data-testid=new-feed]")
    url = counsellor.inner_text("[data-testid=feed-url]").strip()
    assert re.fullmatch(re.escape(live_server) + r"/roster/feed/[\w-]+\.ics", url)
    feed = counsellor.request.get(url)
    assert feed.ok
    events = [e for e in Calendar.from_ical(feed.body()).walk("VEVENT") if "E2E evening line" in str(e["summary"])]
    assert len(events) == 1 and events[0].decoded("dtend") - events[0].decoded("dtstart") == timedelta(hours=8)

    # the counsellor asks Wang Fang to take it; she sees it under the bell and accepts
    value = counsellor.locator("#swap-shift option", has_text="E2E evening line").get_attribute("value")
    counsellor.select_option("#swap-shift", value)
    counsellor.select_option("#swap-colleague", counsellor.locator(
        '#swap-colleague option[data-name="王芳 Wang Fang"]').get_attribute("value"))
    # Only Wang Fang's published shifts are offered in exchange (HTMX fetches them when she is chosen).
    expect(counsellor.locator("#swap-theirs option").nth(1)).to_be_attached()
    assert counsellor.locator("#swap-theirs option").count() < 20
    counsellor.click("[data-testid=swap-form] button[type=submit]")
    expect(counsellor.locator(".flash")).to_contain_text("until it is accepted and approved")
    expect(counsellor.locator("[data-testid=swaps]")).to_contain_text("Waiting for an answer")

    colleague = new_page("en-GB")
    log_in(colleague, live_server, "c.wang")
    expect(colleague.locator("[data-testid=bell-count]")).to_have_text("1")
    colleague.click("[data-testid=bell]")
    colleague.locator("[data-testid=notifications] button",
                      has_text="asks you to take their shift E2E evening line").click()
    expect(colleague.locator("[data-testid=swaps]")).to_contain_text("Demo counsellor")
    colleague.click("[data-testid=accept-swap]")
    expect(colleague.locator(".flash")).to_contain_text("A coordinator will approve the swap")
    expect(colleague.locator("[data-testid=bell-count]")).to_have_count(0)

    # the coordinator approves; the week grid now shows Wang Fang on the shift
    page.goto(live_server + "/roster")
    expect(page.locator("[data-testid=bell-count]")).to_have_text("1")
    page.click("text=Swaps to approve")
    expect(page.locator("[data-testid=swaps-waiting]")).to_contain_text("王芳 Wang Fang")
    page.click("[data-testid=approve-swap]")
    expect(page.locator(".flash")).to_contain_text("Swap approved.")
    expect(page.locator("[data-testid=no-swaps]")).to_be_visible()
    page.goto(f"{live_server}/roster/lines/{line_id}/week?start={monday.isoformat()}")
    expect(page.locator("[data-testid=shift-card]")).to_contain_text("王芳 Wang Fang")
    expect(page.locator("[data-testid=shift-card]")).not_to_contain_text("Demo counsellor")
    counsellor.goto(live_server + "/roster/mine")
    expect(counsellor.locator("[data-testid=swaps]")).to_contain_text("Done")


# --- the week grid on a 1366 px laptop, in both languages (issue #21) ----------------------------------
# What a person would see wrong, measured in the page: day headings of the coverage table outside the
# window or under something else, cards that overlap each other or the table, text spilling out of a card.
LAYOUT_PROBLEMS = """() => {
  const problems = [];
  const width = document.documentElement.clientWidth;
  const table = document.querySelector("[data-testid=coverage-grid]");
  const days = Array.from(table.querySelectorAll("thead th")).slice(1);
  if (days.length !== 7) problems.push("coverage table has " + days.length + " days");
  for (const th of days) {
    th.scrollIntoView({block: "center", inline: "nearest"});
    const box = th.getBoundingClientRect();
    if (box.left < 0 || box.right > width + 0.5) {
      problems.push("day " + th.textContent + " is cut off at " + Math.round(box.right));
    }
    const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
    if (!th.contains(hit)) problems.push("day " + th.textContent + " is covered by " + (hit && hit.className));
  }
  window.scrollTo(0, 0);
  const tableBox = table.getBoundingClientRect();
  const cards = Array.from(document.querySelectorAll("[data-testid=shift-card]"));
  const boxes = cards.map((c) => c.getBoundingClientRect());
  const overlap = (a, b) => a.left < b.right - 0.5 && b.left < a.right - 0.5
    && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
  cards.forEach((card, i) => {
    if (card.scrollWidth > card.clientWidth + 1) problems.push("text spills out of card " + card.id);
    if (boxes[i].right > width + 0.5) problems.push("card " + card.id + " is cut off");
    if (overlap(boxes[i], tableBox)) problems.push("card " + card.id + " overlaps the coverage table");
    for (let j = i + 1; j < cards.length; j++) {
      if (overlap(boxes[i], boxes[j])) problems.push("cards " + card.id + " and " + cards[j].id + " overlap");
    }
  });
  return {problems: problems, cards: cards.length};
}"""


@pytest.mark.parametrize("locale", ["zh-CN", "en-GB"])
def test_the_week_grid_fits_a_1366_laptop_in_both_languages(live_server, browser, locale):
    context = browser.new_context(locale=locale, viewport={"width": 1366, "height": 768})
    try:
        page = context.new_page()
        log_in(page, live_server, "coordinator")
        # The demo line's week by name: other tests in this module add lines of their own, with no shifts.
        page.goto(live_server + "/roster")
        page.goto(live_server + page.locator("tr", has_text=DEMO_LINE).locator("a[href$='/week']").first
                  .get_attribute("href"))
        found = page.evaluate(LAYOUT_PROBLEMS)
        assert found["cards"] >= 21  # the demo line's week: three shifts a day
        assert found["problems"] == []
    finally:
        context.close()
