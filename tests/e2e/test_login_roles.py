"""Each demo role logs in, sees its own navigation, switches language and logs out, in a real browser."""

import pytest
from playwright.sync_api import expect

from support import DEMO_PASSWORD

pytestmark = pytest.mark.e2e

DEMO = {
    "counsellor": "Demo counsellor",
    "coordinator": "Demo coordinator",
    "supervisor": "Demo supervisor",
    "admin": "Demo administrator",
    "lead": "Demo lead",
}


def log_in(page, base, username, password=DEMO_PASSWORD):
    page.goto(base + "/")
    page.wait_for_url("**/login?next=/")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("form.stacked button[type=submit]")


@pytest.mark.parametrize("username", list(DEMO))
def test_demo_role_logs_in_switches_language_and_logs_out(live_server, new_page, username):
    page = new_page("zh-CN")
    log_in(page, live_server, username)
    page.wait_for_url(live_server + "/")
    assert DEMO[username] in page.inner_text("[data-testid=whoami]")
    assert page.inner_text("h1").startswith("欢迎")
    users_link = page.locator("nav.mainnav a[href='/admin/users']")
    assert users_link.count() == (1 if username == "admin" else 0)

    page.select_option("#locale-select", "en")
    page.click("form.locale-switch button")
    page.wait_for_load_state()
    assert page.inner_text("h1").startswith("Welcome")
    assert page.get_attribute("html", "lang") == "en"

    page.click("text=Log out")
    page.wait_for_url("**/login")
    assert "You have logged out." in page.inner_text("#flash")
    page.goto(live_server + "/")
    page.wait_for_url("**/login?next=/")


def test_wrong_password_shows_the_reason_in_chinese(live_server, new_page):
    page = new_page("zh-CN")
    log_in(page, live_server, "counsellor", "not-the-password")
    assert page.inner_text("[data-testid=login-error]") == "用户名或密码错误。"


def test_admin_changes_a_role_in_place_without_reload(live_server, new_page):
    page = new_page("en-GB")
    log_in(page, live_server, "admin")
    page.wait_for_url(live_server + "/")
    page.goto(live_server + "/admin/users")
    row = page.locator("tr[data-username=counsellor]")
    row.locator("input[value=supervisor]").check()
    page.evaluate("window.__marker = 1")  # survives only if the page is not reloaded
    # Wait for each answer: the box is ticked locally at once, so only the response says the row was redrawn
    # (under load a late first answer would otherwise redraw the row after the untick below).
    with page.expect_response(lambda r: r.url.endswith("/roles") and r.request.method == "POST"):
        row.locator("button:has-text('Save roles')").click()
    expect(page.locator("tr[data-username=counsellor] input[value=supervisor]")).to_be_checked()
    assert page.evaluate("window.__marker") == 1
    row.locator("input[value=supervisor]").uncheck()
    with page.expect_response(lambda r: r.url.endswith("/roles") and r.request.method == "POST"):
        row.locator("button:has-text('Save roles')").click()
    expect(page.locator("tr[data-username=counsellor] input[value=supervisor]")).not_to_be_checked()
