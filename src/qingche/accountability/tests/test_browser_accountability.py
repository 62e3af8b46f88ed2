"""In a real browser: 纪检 opens the list, finds a case whose duty lies with a department, sees the red flag and
the lead department named on its page; on a phone nothing overflows the screen."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_discipline_walks_from_the_list_to_a_red_flag_case(page, login):
    page.set_viewport_size({"width": 390, "height": 844})
    login("jijian")
    page.goto("/accountability/")
    expect(page.locator("#cases")).to_contain_text("权力归部门、责任归地方")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.locator("#cases tr", has_text="权力归部门").first.locator("a").first.click()
    expect(page.locator("#red-flag")).to_contain_text("牵头")
    expect(page.locator("#people")).to_contain_text("容错")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
