"""An admin sees a failed login, then searches the audit log for it, in a real browser."""

import re

import pytest
from playwright.sync_api import expect

from support import DEMO_PASSWORD

pytestmark = pytest.mark.e2e


def log_in(page, base, username, password=DEMO_PASSWORD):
    page.goto(base + "/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("form.stacked button[type=submit]")


def test_admin_finds_a_failed_login_in_the_audit_log(live_server, new_page):
    intruder = new_page("en")
    log_in(intruder, live_server, "supervisor", password="not the password")
    expect(intruder.locator("[data-testid=login-error]")).to_be_visible()

    page = new_page("en")
    log_in(page, live_server, "admin")
    page.wait_for_url(live_server + "/")
    page.click("nav.mainnav a[href='/admin/audit']")
    page.select_option("#action", "login.failure")
    page.click("form.search-form button[type=submit]")
    rows = page.locator("[data-testid=audit-entries] tbody tr")
    expect(rows.first).to_contain_text("Failed login")
    expect(rows.first).to_contain_text("Name tried: supervisor")  # details read as a sentence, not key=value
    expect(page).to_have_url(re.compile(r"/admin/audit\?.*action=login\.failure"))  # the search can be bookmarked
