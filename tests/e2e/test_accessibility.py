"""axe-core on every main page in Chinese and in English: no serious or critical violations.

axe-core is vendored in tests/e2e/vendor (from the npm registry). The page's CSP forbids injected
scripts, so these contexts bypass CSP for the checker only; the app's own pages are unchanged.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from e2e.pages import log_in, visits

pytestmark = pytest.mark.e2e
AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
# WCAG 2.1 A and AA, which is what public-service sites in both markets are held to.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_problems(page) -> list[str]:
    page.add_script_tag(content=AXE)
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS)
    problems = []
    for violation in result["violations"]:
        if violation["impact"] in ("serious", "critical"):
            targets = ", ".join(" ".join(node["target"]) for node in violation["nodes"][:3])
            problems.append(f"{violation['id']} ({violation['impact']}): {violation['help']} — {targets}")
    return problems


@pytest.mark.parametrize("locale", ["zh-CN", "en-GB"])
@pytest.mark.parametrize(("role", "entry"), [(r, e) for r, e, _ in visits()], ids=[i for *_, i in visits()])
def test_main_page_has_no_serious_accessibility_problems(live_server, browser, role, entry, locale):
    context = browser.new_context(locale=locale, bypass_csp=True, viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        if role:
            log_in(page, live_server, role)
        path = entry if isinstance(entry, str) else entry(page, live_server)
        response = page.goto(live_server + path)
        assert response.ok, f"{path}: {response.status}"
        page.wait_for_load_state("load")  # not "networkidle": live-update streams stay open
        assert page.get_attribute("html", "lang") == ("zh-CN" if locale == "zh-CN" else "en")
        assert axe_problems(page) == [], f"{path} in {locale}"
    finally:
        context.close()


def test_every_form_control_on_the_call_screen_has_a_label(live_server, browser):
    from e2e.pages import started_call

    context = browser.new_context(locale="zh-CN")
    try:
        page = context.new_page()
        log_in(page, live_server, "counsellor")
        started_call(page, live_server)
        unlabelled = page.evaluate("""() => [...document.querySelectorAll('input, select, textarea')]
            .filter(el => el.type !== 'hidden' && !el.labels?.length && !el.getAttribute('aria-label')
                          && !el.getAttribute('aria-labelledby'))
            .map(el => el.name || el.id || el.outerHTML.slice(0, 60))""")
        assert unlabelled == []
    finally:
        context.close()
