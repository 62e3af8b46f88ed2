"""In a real browser: the hotline searches the knowledge base while the caller talks (Enter in the box
searches, it does not register) and one click registers the consultation answered directly."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_the_operator_finds_社保_and_answers_in_one_click(page, login):
    login("rexian")
    page.goto("/service/intake/")
    page.select_option("#id_category", index=1)
    page.fill("#id_text", "来电群众询问社保方面的政策，想了解怎么办理。")
    page.fill("#knowledge-q", "社保")
    page.press("#knowledge-q", "Enter")
    entries = page.locator("#knowledge-results [data-entry]")
    expect(entries.first).to_be_visible()
    assert "/service/intake/" in page.url and page.locator("#created-number").count() == 0
    entries.first.locator("details summary").click()
    answer = entries.first.locator("details div").inner_text()
    entries.first.locator("[data-direct-answer]").click()
    expect(page.locator("#created-direct")).to_be_visible()
    page.click("#detail-link")
    step = page.locator("li", has_text="直接答复")
    expect(step).to_be_visible()
    assert answer[:20] in step.inner_text()
