"""The rules page in a browser: light to load, and an entry's words arrive when a supervisor opens it."""

import pytest
from playwright.sync_api import expect

from e2e.pages import log_in

pytestmark = pytest.mark.e2e


def test_opening_a_concept_shows_its_words_in_every_script(live_server, new_page):
    page = new_page("en-GB")
    log_in(page, live_server, "supervisor")
    page.goto(live_server + "/triage/rules")
    concept = page.locator("details#c\\.ingest_done")
    expect(concept.locator("summary")).to_contain_text("part: act")
    expect(concept.locator(".badge")).to_have_count(0)  # not sent with the page
    concept.locator("summary").click()
    words = concept.locator("[data-testid=concept-words]")
    expect(words).to_contain_text("吞落肚")  # Cantonese (grammar words such as 食咗 show as the 吃了 they are read as)
    expect(words).to_contain_text("swallowed")  # generated from swallow~ed
    expect(concept.locator("[data-testid=concept-why]")).to_contain_text("Swallowing")  # sent on opening too
    answers = page.locator("[data-testid=answer-rules]")
    expect(answers.locator("tr#answers\\.behaviour")).to_contain_text("if not within 3 months: Moderate")
    # a combination's reading arrives when it is opened, as a concept's words do
    combination = page.locator("details#p\\.seek_method")
    expect(combination.locator("[data-testid=combination]")).to_have_count(0)
    combination.locator("summary").click()
    expect(combination.locator("[data-testid=combination]")).to_contain_text("Only where one of these is also found:")
    expect(combination.locator("[data-testid=combination]")).to_contain_text("Looking for a way to die")
