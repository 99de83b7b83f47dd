"""In Chromium: the page's CSRF token rides on HTMX requests and script calls from <body hx-headers>, and in
file-upload forms, which work with script and without it; a write without the token is refused."""

import re
from importlib import resources

import pytest
from playwright.sync_api import expect

from e2e import pages

pytestmark = pytest.mark.e2e


def rule_file(tmp_path, phrase: str):
    text = resources.files("hotline.triage").joinpath("rules.toml").read_text(encoding="utf-8")
    changed = text.replace('"took a whole bottle",', f'"took a whole bottle", "{phrase}",', 1)
    assert changed != text
    path = tmp_path / f"{phrase.replace(' ', '-')}.toml"
    path.write_text(changed, encoding="utf-8")
    return path


@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "no-script"])
def test_an_admin_uploads_a_rule_file_with_or_without_script(live_server, browser, tmp_path, javascript):
    context = browser.new_context(locale="en", java_script_enabled=javascript)
    try:
        page = context.new_page()
        pages.log_in(page, live_server, "admin")
        page.goto(live_server + "/triage/rule-sets")
        page.set_input_files("#rules-file", rule_file(tmp_path, f"swallowed the pack {javascript}"))
        page.locator("#rules-file").locator("xpath=ancestor::form").locator("button[type=submit]").click()
        page.wait_for_url(re.compile(r".*/triage/rule-sets/\d+$"))
        expect(page.get_by_test_id("replay-summary")).to_be_visible()
    finally:
        context.close()


def test_script_calls_carry_the_pages_token_and_a_call_without_it_is_refused(live_server, new_page):
    page = new_page("zh-CN")
    pages.log_in(page, live_server, "counsellor")
    status = """async (withToken) => {
        const token = JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
        const response = await fetch("/account/keepalive",
            {method: "POST", headers: withToken ? {"X-CSRFToken": token} : {}});
        return [response.status, await response.text()];
    }"""
    refused, text = page.evaluate(status, False)
    assert refused == 403 and "表单已过期" in text
    accepted, _text = page.evaluate(status, True)
    assert accepted == 204
    # HTMX sends the header itself: the call screen's autosave is a multipart hx-post.
    page.goto(live_server + "/calls")
    page.click("[data-testid=start-call]")
    page.wait_for_url(re.compile(r".*/calls/\d+$"))
    token = page.evaluate('JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]')
    with page.expect_response(re.compile(r".*/calls/\d+/save$")) as saved:
        page.click("#notes")
        page.keyboard.type("来电者说最近睡不好")
    assert saved.value.status == 200
    assert saved.value.request.headers["x-csrftoken"] == token
    assert saved.value.request.headers["content-type"].startswith("multipart/form-data")
