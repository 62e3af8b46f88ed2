"""In a real browser: 组织部 shows a check-in code at today's session and a front-line worker checks in with it
on a phone (a wrong code first, refused in Chinese); and the 组织部 coverage page draws its chart, lists the
people not yet trained and fits a phone."""

import re

import pytest
from playwright.sync_api import expect

from conftest import sign_in

pytestmark = pytest.mark.browser


def test_check_in_on_a_phone_with_the_code_shown_at_the_venue(page, phone):
    sign_in(page, "zuzhibu")
    page.goto("/people/training/")
    page.get_by_role("link", name=re.compile("基层减负与工作方法专题培训")).first.click()
    page.click("#check-in-code button[value=code]")
    code = page.locator("#code").inner_text().strip()
    assert re.fullmatch(r"\d{6}", code)

    sign_in(phone, "yixian")
    phone.goto("/people/training/mine/")
    phone.fill("#id_code", "000000" if code != "000000" else "222222")
    phone.click("#check-in button[type=submit]")
    expect(phone.locator("#check-in")).to_contain_text("签到码不正确")
    phone.fill("#id_code", code)
    phone.click("#check-in button[type=submit]")
    expect(phone.locator(".alert-success")).to_contain_text("签到成功")
    expect(phone.locator("#my-training")).to_contain_text("已参训")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390


def test_org_department_coverage_page_has_its_chart_and_the_untrained(page, phone):
    sign_in(page, "zuzhibu")
    page.goto("/people/training/coverage/")
    expect(page.locator("#coverage-chart canvas")).to_have_count(1)
    expect(page.locator("#coverage-table thead")).to_contain_text("党政主职")
    expect(page.locator("#untrained tbody tr").first).to_be_visible()
    with page.expect_download() as download:
        page.click("#untrained a[href*='export=xlsx']")
    assert download.value.suggested_filename.endswith(".xlsx")
    sign_in(phone, "zuzhibu")
    phone.goto("/people/training/coverage/")
    expect(phone.locator("#coverage-chart canvas")).to_have_count(1)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
