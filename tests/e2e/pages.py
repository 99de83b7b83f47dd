"""The console's main pages, by the role that works on them, for the accessibility and page-weight checks.

A path may name a page by how a person reaches it ("first line's week grid") through a `find` step that
returns the path from a page already open, so the list holds whatever ids the demo data has.
"""

from __future__ import annotations

import re

from support import DEMO_PASSWORD


def log_in(page, base: str, username: str) -> None:
    page.goto(base + "/login")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.click("form.stacked button[type=submit]")
    page.wait_for_url(base + "/")


def first_link(page, base: str, start: str, selector: str) -> str:
    page.goto(base + start)
    href = page.locator(selector).first.get_attribute("href")
    assert href, f"no link {selector} on {start}"
    return href


def started_call(page, base: str) -> str:
    """A new call screen: the page a counsellor spends the night on."""
    page.goto(base + "/calls")
    page.click("[data-testid=start-call]")
    page.wait_for_url(re.compile(r".*/calls/\d+$"))
    return page.url.removeprefix(base)


def line_week(page, base: str) -> str:
    return first_link(page, base, "/roster", "a[href$='/week']")


def line_forecast(page, base: str) -> str:
    return first_link(page, base, "/roster", "a[href$='/forecast']")


# role -> pages; an entry is a path or a function (page, base) -> path
MAIN_PAGES = {
    None: ["/login"],
    "counsellor": [
        "/", "/calls", started_call, "/calls/search", "/roster/mine", "/reports/mine", "/account/password",
    ],
    "coordinator": [
        "/roster", "/roster/wellbeing", "/reports/staffing",
        line_week, line_forecast,
    ],
    "supervisor": [
        "/referrals", "/calls/now", "/follow-ups", "/triage", "/triage/rules", "/reports", "/reports/summary",
    ],
    "admin": ["/admin/users", "/admin/destinations", "/triage/rule-sets", "/admin/audit", "/admin/data-requests"],
}


def visits():
    """(role, page entry) pairs with readable ids for parametrised tests."""
    for role, entries in MAIN_PAGES.items():
        for entry in entries:
            name = entry if isinstance(entry, str) else entry.__name__
            yield role, entry, f"{role or 'anonymous'}:{name}"
