"""In a real browser: a department builds a form from catalog fields (the editor shows at once what
the catalog holds and the reuse share), and a town fills it with the known values pre-filled."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_department_reuses_catalog_fields_and_town_fills_with_values_prefilled(page, login):
    login("bumen")
    page.goto("/burden/forms/new/")
    page.fill("#id_title", "浏览器测试秋收统计表")
    page.select_option("#id_targets", label="东河镇")
    page.check("input[data-code='in-post']")
    expect(page.locator("[data-held='in-post']")).to_be_visible()  # htmx preview, no reload
    page.check("input[data-code='grassroots-units']")
    page.fill("#id_new_fields", "秋收进度")
    expect(page.locator("[data-new='秋收进度']")).to_be_visible()
    expect(page.locator("#reuse-share")).to_have_text("67%")
    expect(page.locator("#fillable-count")).to_contain_text("2")
    page.click("#send-form")
    expect(page).to_have_url(re.compile(r"/burden/forms/\d+/$"))
    expect(page.locator("#detail-share")).to_have_text("67%")
    form_url = page.url
    page.click("#logout")

    login("xiangzhen")
    page.goto(form_url)
    page.click("#fill-links a")
    prefilled = page.locator("input[data-prefilled='1']")
    expect(prefilled).to_have_count(2)
    for index in range(2):
        assert prefilled.nth(index).input_value().strip() != ""
    typed = page.locator("input[data-prefilled='0']")
    expect(typed).to_have_count(1)
    typed.first.fill("85%")
    page.click("#submit-fill")
    expect(page).to_have_url(form_url)
    expect(page.locator("#fill-table")).to_contain_text("东河镇")
    expect(page.locator("#fill-table")).to_contain_text("2")


def test_anonymous_report_without_login(page):
    page.goto("/burden/voice/")
    expect(page.locator("#what-is-kept")).to_be_visible()
    page.select_option("#id_category", "apps")
    page.fill("#id_text", "<b>学习群</b>每天打卡排名")
    page.click("#send-report")
    code = page.locator("#follow-up-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", code)
    page.goto("/burden/voice/follow/")
    page.fill("#id_code", code)
    page.click("#follow")
    expect(page.locator("#follow-result")).to_contain_text("<b>学习群</b>")  # markup shown as text


NO_OVERFLOW = "document.documentElement.scrollWidth <= document.documentElement.clientWidth"


@pytest.mark.parametrize(("width", "height"), [(1440, 900), (390, 844)])
def test_ranking_and_unit_page_show_standing_and_imposed_load_on_desktop_and_phone(page, login, width, height):
    page.set_viewport_size({"width": width, "height": height})
    login("jianfuban")
    page.goto("/burden/ranking/")
    rows = page.locator("#ranking-table tbody tr[data-unit]")
    expect(rows.first).to_be_visible()
    expect(page.locator("#ranking-table thead")).to_contain_text("下派占比")
    expect(page.locator("#ranking-table thead")).to_contain_text("缺编损失的工时")
    assert float(rows.first.locator("td[data-standing]").get_attribute("data-standing")) > 0
    assert page.evaluate(NO_OVERFLOW)
    rows.first.locator("a").click()
    expect(page.locator("#imposed-share")).to_contain_text("下派占比")
    expect(page.locator("#input-standing")).not_to_have_text("0.0")
    expect(page.locator("#input-lost-capacity")).to_have_text(re.compile(r"^\d+\.\d$"))
    expect(page.locator("#source-table tr[data-source='standing']")).to_contain_text("常态履职事项")
    expect(page.locator("#chart-trend canvas")).to_have_count(1)
    assert page.evaluate(NO_OVERFLOW)
