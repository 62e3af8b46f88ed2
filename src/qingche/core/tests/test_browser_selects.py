"""Long drop-down lists are searchable (Tom Select, core/static/qingche/selects.js): a county clerk types part of a
category's name instead of scrolling, and the form behind it still receives the choice; a short list stays a plain
select."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_a_long_list_is_searched_by_typing_part_of_a_name(page):
    page.goto("/service/submit/")
    categories = page.locator("#id_category")
    texts = categories.evaluate("select => Array.from(select.options, option => option.text)")
    assert len(texts) > 12
    wanted = texts[len(texts) // 2]
    control = page.locator("#id_category-ts-control").locator("xpath=..")  # the box drawn in the select's place
    expect(control).to_be_visible()
    control.click()
    page.keyboard.type(wanted)
    expect(page.locator("#id_category-ts-dropdown .option.active")).to_contain_text(wanted)
    page.keyboard.press("Enter")
    assert wanted in categories.evaluate("select => select.selectedOptions[0].text")

    control.click()
    page.keyboard.type("没有这个类别")
    expect(page.locator("#id_category-ts-dropdown .no-results")).to_have_text("没有匹配的选项")


def test_a_short_list_stays_a_plain_select(page):
    page.goto("/service/submit/")
    town = page.locator("#id_town")
    assert town.evaluate("select => select.options.length") <= 12
    expect(town).to_be_visible()
    assert town.evaluate("select => !select.tomselect")
