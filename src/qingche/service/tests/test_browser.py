"""In a real browser: a citizen submits on the public form, the hotline dispatches, the town accepts and
answers, the citizen reads the reply on /track/ and rates it, and the town's rates change."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def _month() -> str:
    from zoneinfo import ZoneInfo

    return dt.datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")


def test_citizen_to_town_and_back(page, login):
    # the citizen, without an account
    page.goto("/service/submit/")
    page.select_option("#id_category", index=1)
    page.fill("#id_text", "东河镇中心街路灯坏了一个月，晚上<b>很黑</b>，请尽快修理。")
    page.select_option("#id_town", label="东河镇")
    page.fill("#id_citizen_name", "赵六")
    page.fill("#id_citizen_phone", "13700001234")
    a, b = re.findall(r"\d+", page.locator("#challenge-question").inner_text())
    page.fill("#id_answer", str(int(a) + int(b)))
    page.click("#public-submit")
    number = page.locator("#created-number").inner_text()
    code = page.locator("#created-code").inner_text()
    assert re.fullmatch(r"\d{14}", number) and re.fullmatch(r"[2-9A-HJKMNP-Z]{5}-[2-9A-HJKMNP-Z]{5}", code)

    # the town's rates this month before
    login("xiangzhen")
    page.goto(f"/service/rates/mine/?month={_month()}")
    before = int(page.locator("#rate-score").get_attribute("data-called-back"))
    page.context.clear_cookies()

    # the hotline dispatches to the town
    login("rexian")
    page.goto("/service/queue/")
    page.fill("#queue-filter input[name=q]", number)
    page.click("#queue-filter button")
    row = page.locator(f'tr[data-request="{number}"]')
    expect(row.locator(".route-reason")).not_to_be_empty()
    expect(row.locator("select[name=unit]")).to_have_count(0)  # the choice of any unit loads on demand
    row.locator(".dispatch-other").click()
    row.locator("select[name=unit]").select_option(label="东河镇")
    row.locator(".dispatch-form button").click()
    expect(page.locator(".alert-success")).to_contain_text(f"已派单 {number} 至东河镇")
    expect(page.locator(f'tr[data-request="{number}"]')).to_have_count(0)
    page.context.clear_cookies()

    # the town accepts and answers
    login("xiangzhen")
    page.goto("/service/inbox/")
    page.locator(f'tr[data-request="{number}"] a').click()
    expect(page.locator("#request-text")).to_contain_text("<b>很黑</b>")  # markup shown as text
    expect(page.locator("#citizen")).to_contain_text("137****1234")
    page.click("#accept-submit")
    expect(page.locator("#request-status")).to_have_attribute("data-status", "accepted")
    page.fill("#answer-reply", "已更换路灯灯头，恢复照明，感谢监督。")
    page.click("#answer-submit")
    expect(page.locator("#request-status")).to_have_attribute("data-status", "answered")
    page.context.clear_cookies()

    # the citizen reads the reply and rates it
    page.goto("/track/")
    page.fill("#id_number", number)
    page.fill("#id_code", code)
    page.click("#track-submit")
    expect(page.locator("#track-reply")).to_contain_text("已更换路灯灯头")
    expect(page.locator("#track-unit")).to_have_text("东河镇")
    body = page.locator("body").inner_text()
    assert "赵六" not in body and "13700001234" not in body and "137****1234" not in body
    assert "xiangzhen" not in body and "rexian" not in body
    page.locator("#rate-form input[name=solved][value='1']").check()
    page.locator("#rate-form input[name=satisfaction][value=satisfied]").check()
    page.fill("#rate-code", code.lower().replace("-", ""))  # the code again; case and dash do not matter
    page.click("#rate-submit")
    expect(page.locator("#track-rating")).to_have_attribute("data-satisfaction", "satisfied")
    expect(page.locator("#rate-form")).to_have_count(0)

    # the town's rates have moved
    login("xiangzhen")
    page.goto(f"/service/rates/mine/?month={_month()}")
    expect(page.locator("#rate-score")).to_have_attribute("data-called-back", str(before + 1))
    expect(page.locator("#rate-satisfaction")).not_to_have_text("—")
