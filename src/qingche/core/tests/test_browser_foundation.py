"""The foundation in a real browser: a town leader's day, and a lockout."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_town_leader_browses_tree_and_person_then_switches_language_and_logs_out(page, login):
    login("xiangzhen")
    expect(page.locator("h2.page-title")).to_have_text("工作台")

    page.click("text=单位树")
    tree = page.locator("#unit-tree")
    town = tree.locator("li").first
    expect(town).to_contain_text("东河镇")
    # The town's villages load into the tree (htmx) without leaving the page.
    expect(town.locator("ul li").first).to_be_visible()
    village_link = town.locator("ul li a").first
    village_name = village_link.inner_text()
    assert village_name.startswith("东河镇")
    # Nothing outside the town's subtree is offered.
    assert "西山镇" not in tree.inner_text()

    village_link.click()
    expect(page.locator("h2.page-title")).to_contain_text(village_name)
    page.click("#unit-people-link")  # the people of this village
    first_person = page.locator("#person-table tbody tr a").first
    first_person.click()
    id_number = page.locator("#id-number").inner_text()
    assert re.fullmatch(r"\d{4}\*{13}[\dX]", id_number), id_number
    phone = page.locator("#phone").inner_text()
    assert re.fullmatch(r"1\d{2}\*{4}\d{4}", phone), phone
    expect(page.locator("#unmask-form")).to_have_count(0)  # a town leader may not unmask

    page.click("#switch-language")
    expect(page.locator("#logout")).to_have_text("Log out")
    expect(page.locator("#person-facts")).to_contain_text("ID number")
    page.goto("/")
    expect(page.locator("h2.page-title")).to_have_text("Workbench")  # the choice stays with the account
    page.click("#switch-language")  # back to Chinese: later tests sign in as this account
    expect(page.locator("h2.page-title")).to_have_text("工作台")

    page.click("#logout")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.goto("/org/people/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))


def test_repeated_failed_logins_lock_the_account(page, login, demo_command):
    for _attempt in range(5):
        login("cungan", password="wrong-password")
    expect(page.locator("#locked-out")).to_be_visible()
    # Even the right password is refused while the lockout lasts.
    login("cungan")
    expect(page.locator("#locked-out")).to_be_visible()
    demo_command("axes_reset_username", "cungan")  # what the security administrator does; later tests sign in
    login("cungan")
    expect(page.locator("#locked-out")).to_have_count(0)
