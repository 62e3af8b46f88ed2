"""In a real browser: a rater fills the form on a phone-sized screen (draft, resume, submit), and the
organization department scores, calibrates and publishes a cycle, with its grade chart."""

import re

import pytest
from playwright.sync_api import expect

from conftest import TEST_PASSWORD

pytestmark = pytest.mark.browser
DIMS = ("de", "neng", "qin", "ji", "lian")


def _sign_in(page, username):
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("#login-submit")
    expect(page.locator("#current-user")).to_have_attribute("data-username", username)


def _fits(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_a_rater_fills_the_form_on_a_phone(phone):
    page = phone
    _sign_in(page, "yixian")
    page.goto("/appraisal/rate/")
    pending = page.locator('#my-ratings a[data-status="pending"]').first
    expect(pending).to_be_visible()
    name = pending.locator("strong").inner_text()
    pending.click()
    expect(page.locator("h2.page-title")).to_have_text(name)
    assert _fits(page), "the rating form must fit a phone screen without sideways scrolling"
    assert page.locator("#id_score_ji").get_attribute("inputmode") == "numeric"
    page.fill("#id_score_de", "88")
    page.fill("#id_score_neng", "84")
    page.click("#rating-draft")  # save and come back later
    expect(page.locator(".alert-success")).to_be_visible()
    draft = page.locator('#my-ratings a[data-status="draft"]', has_text=name)
    expect(draft).to_have_count(1)
    draft.click()
    expect(page.locator("#id_score_de")).to_have_value("88")
    page.fill("#id_score_ji", "130")  # out of range: refused, nothing kept
    for dimension in ("qin", "lian"):
        page.fill(f"#id_score_{dimension}", "80")
    page.click("#rating-submit")
    expect(page.locator(".alert-danger")).to_contain_text("130")
    page.fill("#id_score_de", "88")
    page.fill("#id_score_neng", "84")
    page.fill("#id_score_ji", "90")
    page.fill("#id_score_qin", "80")
    page.fill("#id_score_lian", "80")
    page.click("#rating-submit")
    expect(page.locator('#my-ratings a[data-status="submitted"]', has_text=name)).to_have_count(1)
    page.locator('#my-ratings a[data-status="submitted"]', has_text=name).click()
    expect(page.locator("#rating-locked")).to_be_visible()  # submitted once: no more changes
    expect(page.locator("#rating-submit")).to_have_count(0)


def test_the_organization_department_scores_calibrates_and_publishes(page, login):
    login("zuzhibu")
    page.goto("/appraisal/")
    page.locator("#cycle-table a", has_text="平时考核").click()
    expect(page.locator("#progress-table tr[data-group='peer']")).to_be_visible()
    expect(page.locator("#indicator-sources li[data-source='tasks']")).to_have_attribute("data-connected", "1")
    page.click("#action-score")
    expect(page.locator("#cycle-status")).to_have_attribute("data-status", "scored")
    expect(page.locator(".alert-success")).to_contain_text("已计算得分")  # says what was done
    page.click("#action-calibrate")
    expect(page.locator("#cycle-status")).to_have_attribute("data-status", "calibration")
    cycle_url = page.url

    page.click("#results-link")
    expect(page.locator("#grade-chart")).to_have_attribute("data-ready", "1")
    rows = page.locator("#result-table tbody tr")
    assert rows.count() > 5
    top = page.locator("#result-table tbody tr[data-grade='good']").first
    top.locator("a").click()
    expect(page.locator("#explanation")).to_be_visible()
    expect(page.locator("#group-lines tr[data-group='superior']")).to_be_visible()
    page.select_option("#id_grade", "fairly_good")
    page.click("#calibrate-form button")  # no reason: refused
    expect(page.locator("#calibrate-form .invalid-feedback")).to_be_visible()
    page.select_option("#id_grade", "fairly_good")
    page.fill("#id_reason", "考核委员会复议：季度内有一次工作失误")
    page.click("#calibrate-form button")
    expect(page.locator("#result-grade")).to_have_attribute("data-grade", "fairly_good")
    expect(page.locator("#calibration-note")).to_contain_text("季度内有一次工作失误")

    page.goto(cycle_url)
    page.click("#action-publish")
    expect(page.locator("#cycle-status")).to_have_attribute("data-status", "publicity")
    expect(page.locator("#publicity")).to_have_attribute("data-end", re.compile(r"^\d{4}-\d{2}-\d{2}$"))

    # Published: the person appraised now sees their own explained result, and nothing about raters.
    page.click("#logout")
    login("yixian")
    page.goto("/appraisal/")
    mine = page.locator("#my-results tr", has_text="平时考核")
    expect(mine).to_have_count(1)
    mine.locator("a").click()
    expect(page.locator("#explanation")).to_be_visible()
    expect(page.locator("#appeal-form")).to_be_visible()
    expect(page.locator("#rater-flags")).to_have_count(0)
