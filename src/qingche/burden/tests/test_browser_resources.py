"""In a real browser: the county page 资源与负担 at desktop and phone width (a table on a desktop, cards on a
phone, never sideways scrolling), and a staffing request from the town to 减负办's decision and back."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[4] / "var" / "screenshots"
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def _shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)


def test_county_page_ranks_towns_on_a_desktop_and_a_phone(page, login):
    login("jianfuban")
    page.set_viewport_size(DESKTOP)
    page.goto("/burden/resources/")
    table = page.locator("#resources-table")
    expect(table).to_be_visible()
    rows = table.locator("tbody tr")
    assert rows.count() >= 2
    values = [float(v) for v in table.locator("[data-index]").evaluate_all("els => els.map(e => e.dataset.index)")]
    assert values == sorted(values, reverse=True), "towns are ranked by their index, highest first"
    expect(page.locator("#resources-table [data-flagged]:not([data-flagged='0'])").first).to_be_visible()
    assert _fits(page)
    _shot(page, "burden-resources-desktop.png")

    page.set_viewport_size(PHONE)
    page.reload()
    expect(table).to_be_hidden()
    cards = page.locator("#resources-cards .card")
    expect(cards.first).to_be_visible()
    assert cards.count() == rows.count()
    assert _fits(page), "the county page must fit a 390-px phone without sideways scrolling"
    _shot(page, "burden-resources-phone.png")
    cards.first.locator("a").first.click()
    expect(page.locator("#funds [data-fund]").first).to_be_visible()
    assert _fits(page)


def test_a_town_files_a_staffing_request_and_sees_the_decision(page, login):
    login("xiangzhen")
    page.goto("/burden/staffing/")
    pending = page.locator("#staffing-requests [data-status='pending']")
    if pending.count():  # the demo's own request still waits: 减负办 decides it first
        href = pending.first.get_attribute("href")
        page.click("#logout")
        login("jianfuban")
        page.goto(href)
        page.select_option("#id_decision", "refused")
        page.fill("#id_reason", "请先补齐现有空编")
        page.click("#decide")
        page.click("#logout")
        login("xiangzhen")
        page.goto("/burden/staffing/")
    page.click("#file-request")
    expect(page.locator("#citations")).to_contain_text("东河镇")
    page.fill("#id_posts_asked", "3")
    page.fill("#id_reason", "缺人")
    page.click("#file-submit")
    expect(page.locator(".invalid-feedback")).to_contain_text("至少10个字")
    page.fill("#id_reason", "防汛和网格任务增加，人员长期加班，申请增加三个岗位。")
    page.click("#file-submit")
    expect(page.locator("#request-status")).to_have_text("待决定")
    url = page.url
    page.click("#logout")

    login("zuzhibu")
    page.goto(url)
    page.select_option("#id_decision", "partly")
    page.fill("#id_posts_granted", "2")
    page.fill("#id_reason", "先增加2名，其余下半年统筹")
    page.click("#decide")
    expect(page.locator("#request-status")).to_have_text("部分同意")
    page.click("#logout")

    login("xiangzhen")
    page.set_viewport_size(PHONE)
    page.goto(url)
    expect(page.locator("#posts-granted")).to_have_text("2")
    expect(page.locator("#decision-reason")).to_contain_text("先增加2名")
    decided_by = page.locator("#decided-by").inner_text()
    assert "zuzhibu" not in decided_by and "县委组织部" in decided_by
    assert _fits(page)
