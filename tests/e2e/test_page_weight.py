"""Every main page loads in under 150 KB on a cold cache and asks nothing of any other server.

Hotlines run on closed networks and old machines: a page that pulls a font from a CDN does not load at
all there, and a heavy one loads slowly at the worst moment.
"""

from __future__ import annotations

import pytest

from e2e.pages import log_in, visits

pytestmark = pytest.mark.e2e
LIMIT = 150 * 1024


@pytest.mark.parametrize(("role", "entry"), [(r, e) for r, e, _ in visits()], ids=[i for *_, i in visits()])
def test_main_page_is_light_and_self_contained(live_server, browser, role, entry):
    # Log in (and find the page) in one context, then load the page in a fresh one with the same cookies:
    # nothing cached, so every byte the page needs is counted.
    setup = browser.new_context(locale="zh-CN")
    page = setup.new_page()
    if role:
        log_in(page, live_server, role)
    path = entry if isinstance(entry, str) else entry(page, live_server)
    cold = browser.new_context(locale="zh-CN", storage_state=setup.storage_state())
    setup.close()
    try:
        page = cold.new_page()
        requested = []
        page.on("request", lambda request: requested.append(request))
        response = page.goto(live_server + path)
        assert response.ok, f"{path}: {response.status}"
        # Not "networkidle": the call screen and the queue hold a live-update stream open on purpose.
        page.wait_for_load_state("load")
        page.wait_for_timeout(500)  # what the page fetches once loaded (HTMX fragments) is counted too
        assert page.url.startswith(live_server + path.split("?")[0]), f"{path} sent us to {page.url}"
        outside = [r.url for r in requested if not r.url.startswith((live_server + "/", "data:"))]
        assert outside == [], f"{path} asks other servers for {outside}"
        # A live-update stream never ends, so its size is never final; it carries ids and levels only.
        sizes = [(r.url, r.sizes()) for r in requested if r.resource_type != "eventsource"]
        total = sum(s["responseBodySize"] + s["responseHeadersSize"] for _, s in sizes)
        heaviest = sorted(((s["responseBodySize"], u.removeprefix(live_server)) for u, s in sizes), reverse=True)
        assert total <= LIMIT, f"{path}: {total / 1024:.0f} KB; heaviest {heaviest[:3]}"
    finally:
        cold.close()
