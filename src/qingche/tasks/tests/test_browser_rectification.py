"""In a real browser: 减负办 raises a rectification item on a town, the town sets the measures and submits its
evidence (text and a photo), and 减负办 — not the town — verifies it and closes it (销号)."""

import re

import pytest
from playwright.sync_api import expect

from conftest import save_screenshot

pytestmark = pytest.mark.browser
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def test_closing_a_rectification_item_with_evidence(page, login, tmp_path):
    login("jianfuban")
    page.goto("/tasks/ledger/new/")
    page.fill("#id_problem", "村级组织门口挂牌过多，迎检负担重")
    page.select_option("#id_owner_unit", label="东河镇")
    page.fill("#id_evidence_required", "清理前后照片和清理清单")
    assert page.input_value("#id_deadline")  # the default deadline is offered
    page.click("#raise-form button[type=submit]")
    save_screenshot(page, "rectification-raised")
    expect(page.locator("#item-status")).to_contain_text("待制定整改措施")
    item_url = re.sub(r"^https?://[^/]+", "", page.url)
    assert re.fullmatch(r"/tasks/ledger/\d+/", item_url)

    page.context.clear_cookies()
    login("xiangzhen")
    page.goto(item_url)
    expect(page.locator("#verify-form")).to_have_count(0)  # the owner never verifies
    page.fill("#id_measures", "一周内清理村级组织门口挂牌，只保留规定牌子")
    page.click("#measures-form button")
    expect(page.locator("#item-measures")).to_contain_text("一周内清理")
    photo = tmp_path / "清理后.png"
    photo.write_bytes(PNG)
    page.fill("#id_text", "已清理挂牌18块，清单和照片附后")
    page.set_input_files("#id_files", str(photo))
    page.click("#submit-evidence")
    expect(page.locator("#item-status")).to_contain_text("待核验")
    expect(page.locator("#item-evidence")).to_contain_text("清理后.png")

    page.context.clear_cookies()
    login("jianfuban")
    page.goto(item_url)
    page.fill("#id_note", "经实地核查，整改到位")
    page.click("#verify-close")
    expect(page.locator("#item-status")).to_contain_text("已核验销号")
    expect(page.locator("#item-verified")).to_contain_text("经实地核查")
