"""In a real browser: 组织部 reads the anonymous town-cadre survey's results and finds the small towns hidden —
in the cross-tab and when picked as a filter; a front-line worker answers the burden survey on a phone."""

import re

import pytest
from playwright.sync_api import expect

from conftest import save_screenshot, sign_in

pytestmark = pytest.mark.browser


def test_results_hide_small_cells(page, login):
    login("zuzhibu")
    page.goto("/surveys/")
    page.get_by_role("link", name="镇级干部队伍建设问卷调查").click()
    page.locator("#survey").get_by_role("link", name="问卷结果").click()
    expect(page.locator("#respondents")).to_contain_text("份答卷")
    first = page.locator(".question").first
    hidden = first.locator("table.crosstab td.qc-hidden").first
    expect(hidden).to_contain_text("已隐藏")
    row = hidden.locator("xpath=..")
    town = row.locator("td").first.inner_text()
    assert not re.search(r"\d", row.inner_text().replace(town, "").replace("5", ""))  # no count in a hidden row
    save_screenshot(page, "surveys-results")
    page.set_viewport_size({"width": 390, "height": 844})  # the cross-tabs fit a phone too (cards)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    save_screenshot(page, "surveys-results-phone")
    page.select_option("#f-unit", label=town)
    page.get_by_role("button", name="查看").click()
    expect(page.locator("#group-hidden")).to_contain_text("已隐藏")
    assert page.locator(".question table").count() == 0 or page.locator(".question td.qc-hidden").count() > 0


def test_a_front_line_worker_answers_on_a_phone(phone):
    sign_in(phone, "yixian")
    phone.goto("/surveys/mine/")
    phone.get_by_role("link", name="基层负担情况问卷调查").click()
    phone.get_by_role("button", name="提交答卷").click()
    expect(phone.locator(".invalid-feedback").first).to_contain_text("请回答此题")
    for fieldset in phone.locator("fieldset").all():
        if fieldset.locator("textarea").count():
            fieldset.locator("textarea").fill("希望一个数据只报一次")
        else:
            fieldset.locator("label").first.click()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.get_by_role("button", name="提交答卷").click()
    expect(phone.locator("#my-surveys")).to_contain_text("已填写")
