"""In a real browser: the hotline's intake form pre-selects the suggested category as the operator types,
keeps a category chosen by hand, and a candidate's button selects it (docs/classify.md)."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_the_category_follows_the_text_until_the_operator_chooses(page, login):
    from pathlib import Path

    if not (Path(__file__).resolve().parents[4] / "var" / "classifier" / "current").exists():
        from conftest import require_or_skip

        require_or_skip("no classifier built: run `make model`")
    login("rexian")
    page.goto("/service/intake/")
    page.fill("#id_text", "村旁化工厂偷排污水，河水发黑发臭，鱼都死了")
    box = page.locator("#category-suggestion[data-suggested]")
    expect(box).to_have_count(1)
    suggested = box.get_attribute("data-suggested")
    expect(page.locator("#id_category")).to_have_value(suggested)
    assert page.locator("#id_category option:checked").inner_text().startswith("环境保护")
    expect(box.locator("[data-category]")).to_have_count(3)

    # a candidate's button selects it, and from then on the operator's choice stays
    second = box.locator("[data-category]").nth(1)
    chosen = second.get_attribute("data-category")
    second.click()
    expect(page.locator("#id_category")).to_have_value(chosen)
    page.fill("#id_text", "公司拖欠我们农民工三个月工资，劳动监察大队不管，河水发黑")
    expect(page.locator("#category-suggestion [data-category]").first).to_be_visible()
    page.wait_for_timeout(800)
    expect(page.locator("#id_category")).to_have_value(chosen)
