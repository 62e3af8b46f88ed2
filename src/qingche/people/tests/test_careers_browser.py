"""In a real browser on a phone: the organisation department reads the year's rank eligibility list with the
reason per person, then puts grassroots years first; the list is cards that fit the screen."""

import pytest
from playwright.sync_api import expect

from conftest import save_screenshot, sign_in

pytestmark = pytest.mark.browser


def test_the_eligibility_list_with_reasons_and_grassroots_priority(phone):
    page = sign_in(phone, "zuzhibu")
    page.goto("/people/careers/eligibility/")
    table = page.locator("#eligibility")
    expect(table).to_contain_text("年度")  # the reasons: "… 年 … 考核 …" per person
    expect(table.locator("tbody tr").first).to_contain_text("起")
    page.click("#order-grassroots")
    page.wait_for_url("**order=grassroots**")
    eligible = page.locator("#eligibility tbody tr.table-success td[data-label='基层工作年限']")
    years = [float(text) for text in eligible.all_inner_texts()]
    assert years == sorted(years, reverse=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    save_screenshot(page, "phone-zuzhibu-rank-eligibility")
