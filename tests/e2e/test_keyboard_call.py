"""A counsellor takes a whole call without touching the mouse: log in, start, type, answer, end."""

import re

import pytest
from playwright.sync_api import expect

from support import DEMO_PASSWORD

pytestmark = pytest.mark.e2e


def tab_to(page, selector: str, limit: int = 120) -> None:
    """Press Tab until the focus is on `selector`, as a keyboard user would."""
    for _ in range(limit):
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} cannot be reached with Tab")


def test_whole_call_by_keyboard(live_server, new_page):
    page = new_page("zh-CN")
    page.goto(live_server + "/login")
    expect(page.locator("#username")).to_be_focused()  # autofocus: typing starts at once
    page.keyboard.type("counsellor")
    page.keyboard.press("Tab")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(live_server + "/")

    page.goto(live_server + "/calls")
    tab_to(page, "[data-testid=start-call]")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/calls/\d+$"))
    expect(page.locator("#notes")).to_be_focused()
    page.keyboard.type("来电者是社区工作者，连续加班，睡不好，担心家人。")

    tab_to(page, "input[name=call_type][value=about_self]")
    page.keyboard.press("Space")
    tab_to(page, "#caller_group")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    tab_to(page, "input[name=concerns][value=insomnia]")
    page.keyboard.press("Space")
    # In a radio group Tab lands on the chosen answer ("not asked"); the arrow keys change it.
    tab_to(page, "input[name=a_wish_dead]:checked")
    page.keyboard.press("ArrowUp")
    expect(page.locator("input[name=a_wish_dead][value=no]")).to_be_checked()
    tab_to(page, "#summary")
    page.keyboard.type("倾听与放松练习，情绪平稳。")
    tab_to(page, "[data-testid=finalise]")
    page.keyboard.press("Enter")

    expect(page.locator("h1 .badge")).to_have_text("已结束")
    assert "社区工作者" in page.inner_text("[data-testid=notes]")
    assert page.locator("dd", has_text="失眠").count() == 1
