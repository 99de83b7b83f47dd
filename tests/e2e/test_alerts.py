"""An imminent referral reaches a supervisor whose console tab is in the background: the browser shows a
notification (the permission granted, as a supervisor does once with "Alert me on this computer")."""

import re

import pytest
from playwright.sync_api import expect
from sqlmodel import Session

from e2e.pages import log_in
from hotline.roster import on_now

pytestmark = pytest.mark.e2e

# Counts the notifications the page's own script makes, and whether the browser showed each; the real
# Notification does the work.
RECORD_NOTIFICATIONS = """
(() => {
  const Real = window.Notification;
  if (!Real) return;
  window.__notifications = [];
  class Recorded extends Real {
    constructor(title, options) {
      super(title, options);
      const entry = { title: title, body: options && options.body, shown: false };
      window.__notifications.push(entry);
      this.addEventListener("show", () => { entry.shown = true; });
    }
  }
  Object.defineProperty(Recorded, "permission", { get: () => Real.permission });
  Recorded.requestPermission = (...args) => Real.requestPermission(...args);
  window.Notification = Recorded;
})();
"""


def first_to_alert(live_server) -> str:
    """The demo roster's supervisor on call now, who is alerted first; in its few gaps every supervisor is."""
    with Session(live_server.engine) as session:
        on_call = on_now.on_call_supervisors(session=session)
        return on_call[0].username if on_call else "supervisor"


def test_an_imminent_referral_notifies_a_supervisor_whose_console_is_in_the_background(live_server, browser):
    context = browser.new_context(locale="zh-CN")
    try:
        context.grant_permissions(["notifications"], origin=live_server)
        context.add_init_script(RECORD_NOTIFICATIONS)
        console = context.new_page()
        log_in(console, live_server, first_to_alert(live_server))
        console.goto(live_server + "/roster/mine")  # any page: not the queue
        expect(console.locator("[data-testid=alerts-permission]")).to_be_hidden()  # already allowed
        # Playwright tells every page it has the focus; let this one lose it like a real tab does.
        context.new_cdp_session(console).send("Emulation.setFocusEmulationEnabled", {"enabled": False})
        elsewhere = context.new_page()  # the supervisor is looking at something else
        elsewhere.bring_to_front()
        assert console.evaluate("document.hasFocus()") is False

        counsellor_context = browser.new_context(locale="en-GB")
        counsellor = counsellor_context.new_page()
        log_in(counsellor, live_server, "counsellor")
        counsellor.goto(live_server + "/calls")
        counsellor.click("[data-testid=start-call]")
        counsellor.wait_for_url(re.compile(r".*/calls/\d+$"))
        counsellor.click("#notes")
        counsellor.keyboard.type("She took an overdose of sleeping pills just now.", delay=2)
        expect(counsellor.locator("#risk-banner")).to_have_attribute("data-level", "imminent")
        counsellor_context.close()

        console.wait_for_function("() => window.__notifications.length > 0", timeout=15000)
        shown = console.evaluate("window.__notifications")
        assert len(shown) == 1 and shown[0]["title"] == "热线提醒"
        assert re.fullmatch(r"紧急风险转介 #\d+ 正在等待督导：请认领。", shown[0]["body"])
        console.wait_for_function("() => window.__notifications[0].shown", timeout=5000)  # the browser showed it
        expect(console.locator("[data-testid=bell-count]")).to_be_visible()  # and the bell counts it
    finally:
        context.close()
