"""The dashboard from the demo data in Chromium, in both languages, on a desktop and a phone: every chart
draws, and no text runs outside its box. Screenshots go to the test's tmp directory."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from e2e.pages import log_in

pytestmark = pytest.mark.e2e

PANELS = ("per-day", "per-hour", "by-group", "by-concern", "by-level", "referrals", "follow-ups", "by-length")

# Elements whose content must stay inside them, and SVG text that must stay inside its drawing.
OVERFLOW = """() => {
  const out = [];
  const page = document.documentElement;
  if (page.scrollWidth > page.clientWidth + 1) out.push(`page ${page.scrollWidth} > ${page.clientWidth}`);
  for (const el of document.querySelectorAll(
      '.report-panel, .report-chart, .report-table, .report-figures > div, .report-filters, .mainnav, h1, h2')) {
    if (el.scrollWidth > el.clientWidth + 1) {
      out.push(`${el.className || el.tagName} ${el.scrollWidth} > ${el.clientWidth}`);
    }
  }
  for (const svg of document.querySelectorAll('svg.chart')) {
    const box = svg.viewBox.baseVal;
    for (const text of svg.querySelectorAll('text')) {
      const b = text.getBBox();
      if (b.x < box.x - 1 || b.x + b.width > box.x + box.width + 1) {
        out.push(`svg text "${text.textContent}" at ${b.x}, ${b.width} wide`);
      }
    }
  }
  return out;
}"""


@pytest.mark.parametrize("locale, heading", [("en-GB", "The line at a glance"), ("zh-CN", "热线概览")])
@pytest.mark.parametrize("width, height", [(1280, 800), (390, 844)])
def test_dashboard_draws_every_chart_without_overflow(live_server, new_page, tmp_path, locale, heading, width,
                                                      height):
    page = new_page(locale)
    page.set_viewport_size({"width": width, "height": height})
    log_in(page, live_server, "supervisor")
    page.goto(live_server + "/reports")
    expect(page.locator("h1")).to_have_text(heading)
    for key in PANELS:
        panel = page.locator(f"[data-testid=panel-{key}]")
        expect(panel.locator("svg.chart")).to_be_visible()
        expect(panel.locator("table tbody tr").first).to_be_visible()
    expect(page.locator("[data-testid=panel-per-day] circle")).to_have_count(30)
    expect(page.locator("[data-testid=panel-per-hour] rect")).to_have_count(7 * 24)
    expect(page.locator("[data-testid=panel-by-level] rect")).to_have_count(5)
    assert int(page.locator("[data-testid=figure-calls]").inner_text()) > 0
    page.screenshot(path=str(tmp_path / f"reports-{locale}-{width}x{height}.png"), full_page=True)
    assert page.evaluate(OVERFLOW) == []


def test_bad_dates_are_explained(live_server, new_page):
    page = new_page("en-GB")
    log_in(page, live_server, "admin")
    page.goto(live_server + "/reports")
    page.fill("#r-start", "2026-03-07")
    page.fill("#r-end", "2026-03-01")
    page.click("[data-testid=report-filters] button[type=submit]")
    expect(page.locator("[data-testid=report-error]")).to_have_text("The start date is after the end date.")


def test_monthly_summary_prints_without_the_menus(live_server, new_page):
    page = new_page("zh-CN")
    log_in(page, live_server, "supervisor")
    page.goto(live_server + "/reports")
    page.click("text=月度汇总")
    expect(page.locator("[data-testid=summary] h1")).to_contain_text("月度汇总")
    # The demo history ends 8 days before today, so in a month's first days this month has no calls yet:
    # read the month of 10 days ago, which always has some (a date from today, never written down).
    month = (datetime.now(ZoneInfo("Asia/Shanghai")).date() - timedelta(days=10)).strftime("%Y-%m")
    page.goto(live_server + f"/reports/summary?month={month}")
    expect(page.locator("[data-testid=summary]")).to_contain_text("来电者群体")
    expect(page.locator("header.topbar")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator("header.topbar")).to_be_hidden()
    expect(page.locator(".no-print").first).to_be_hidden()
    expect(page.locator("[data-testid=summary] table")).to_be_visible()


def test_counsellor_and_coordinator_views(live_server, new_page):
    page = new_page("en-GB")
    log_in(page, live_server, "counsellor")
    page.click("nav.mainnav a[href='/reports/mine']")
    expect(page.locator("h1")).to_contain_text("My month")
    expect(page.locator("[data-testid=panel-my-per-day] svg.chart")).to_be_visible()
    coordinator = new_page("en-GB")
    log_in(coordinator, live_server, "coordinator")
    coordinator.click("nav.mainnav a[href='/reports/staffing']")
    expect(coordinator.locator("[data-testid=panel-staffing] polyline")).to_have_count(2)
    expect(coordinator.locator("[data-testid=short-days]")).to_contain_text("hours with fewer counsellors")
