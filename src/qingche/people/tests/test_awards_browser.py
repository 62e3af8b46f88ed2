"""In a real browser on a phone: a front-line worker opens the award round in publicity (公示), sees the
nominees and the period in working days, and raises an objection; nothing overflows the screen."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_award_publicity_page_takes_an_objection_on_a_phone(page, login):
    page.set_viewport_size({"width": 390, "height": 844})
    login("yixian")
    page.goto("/people/awards/")
    page.locator("#rounds tr", has_text="公示中").locator("a[href$='/publicity/']").first.click()
    expect(page.locator("#publicity-period")).to_contain_text("按工作日计")
    expect(page.locator("#publicity-open")).to_be_visible()
    expect(page.locator("#nominees tbody tr").first).to_contain_text("年度考核优秀")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    form = page.locator("form.qc-objection").first
    form.locator("textarea").fill("反映其上月有一次会议缺席，请核实。")
    form.locator("button").click()
    expect(page.locator("body")).to_contain_text("异议已收到")
    expect(page.locator("#objections")).to_contain_text("会议缺席")
    expect(page.locator("#objections")).to_contain_text("核查中")
