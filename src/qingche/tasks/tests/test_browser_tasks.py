"""The issue's browser story: bumen sends a task on an item the town's lists don't hold and sees the block and
its reason; jianfuban approves it; xiangzhen splits it to yixian; yixian uploads evidence and marks it done;
bumen accepts."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from qingche.tasks.tests.helpers import PNG

pytestmark = pytest.mark.browser

TITLE = "关于报送辖区企业用工情况统计表的通知（浏览器测试）"


def logout(page):
    page.click("#logout")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def test_blocked_task_is_approved_split_done_and_accepted(page, login):
    login("yixian")
    me = page.request.get("/api/v1/people/").json()["results"][0]["name"]
    logout(page)

    # bumen: the live admission check shows the block and its reason as the form is filled
    login("bumen")
    page.goto("/tasks/new/")
    deadline = dt.datetime.now() + dt.timedelta(days=21)
    page.fill("#id_title", TITLE)
    page.fill("#id_content", "请各乡镇（街道）逐户摸排辖区企业用工情况并填报统计表。")
    page.fill("#id_deadline", deadline.strftime("%Y-%m-%dT17:00"))
    page.fill("#id_effort_hours", "4")
    page.select_option("#id_targets", label="东河镇")
    preview = page.locator("#admission-preview .preview-target")
    expect(preview).to_have_attribute("data-verdict", "pending")
    expect(preview.locator('li[data-code="not_on_list"]')).to_have_attribute("data-outcome", "block")
    expect(page.locator("#burden-period-note")).to_be_visible()  # the measured index of the last whole month
    # a task on no list goes with a written application (read by 减负办 when it decides)
    page.fill("#id_off_list_application", "企业用工摸排属县里统一部署的临时重点工作，须各乡镇配合逐户摸排。")
    page.click("#send-task")
    expect(page).to_have_url(re.compile(r"/tasks/request/\d+/"))
    expect(page.locator("#off-list-application")).to_contain_text("临时重点工作")
    request_id = re.search(r"/tasks/request/(\d+)/", page.url).group(1)
    admission = page.locator(".admission").first
    expect(admission).to_have_attribute("data-verdict", "pending")
    block = admission.locator('li[data-code="not_on_list"]')
    expect(block).to_have_attribute("data-outcome", "block")
    assert len(block.inner_text()) > 10  # the reason is written out
    logout(page)

    # jianfuban approves it from the queue
    login("jianfuban")
    page.goto("/tasks/queue/")
    page.fill("#queue-filter input[name=q]", TITLE)
    page.click("#queue-filter button")
    item = page.locator(f'.queue-item[data-request="{request_id}"]')
    item.locator("input[name=reason]").fill("企业用工摸排属县里统一部署的临时重点工作，同意下达")
    item.locator('button[value="approve"]').click()
    expect(page.locator(".alert-success")).to_contain_text("已批准")
    expect(page.locator(f'.queue-item[data-request="{request_id}"]')).to_have_count(0)
    logout(page)

    # bumen reads the decision, who made it and why
    login("bumen")
    page.goto(f"/tasks/request/{request_id}/")
    decision = page.locator(".admission .alert").first
    expect(decision).to_contain_text("同意下达")
    expect(decision).to_contain_text("吴柳")
    logout(page)

    # xiangzhen splits it to yixian
    login("xiangzhen")
    page.goto("/tasks/inbox/")
    page.locator("#inbox a", has_text=TITLE).first.click()
    expect(page.locator("#split-form")).to_be_visible()
    task_url = page.url
    value = page.locator("#split-form #id_person option", has_text=me).first.get_attribute("value")
    page.select_option("#split-form #id_person", value=value)
    page.fill("#split-form #id_part", "摸排并填报统计表")
    page.fill("#split-form #id_deadline", (deadline - dt.timedelta(days=2)).strftime("%Y-%m-%dT17:00"))
    page.click("#split-submit")
    expect(page.locator("#assignments")).to_contain_text(me)
    logout(page)

    # yixian uploads evidence and marks the part done
    login("yixian")
    page.goto("/tasks/mine/")
    page.locator("#my-tasks a", has_text=TITLE).first.click()
    page.fill("#progress-form #id_text", "已完成摸排，统计表见附件照片。")
    page.set_input_files(
        "#progress-form #id_files", files=[{"name": "统计表.png", "mimeType": "image/png", "buffer": PNG}]
    )
    page.check("#progress-form #id_mark_done")
    page.click("#progress-submit")
    expect(page.locator("#task-status")).to_have_attribute("data-status", "done")
    expect(page.locator(".evidence-link", has_text="统计表.png")).to_be_visible()
    logout(page)

    # bumen accepts
    login("bumen")
    page.goto(task_url)
    page.click("#accept-task")
    expect(page.locator("#task-status")).to_have_attribute("data-status", "accepted")
