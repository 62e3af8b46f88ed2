"""On a phone (390×844): the lists front-line staff work from turn into cards and nothing runs off the
screen sideways; every role's home page is kept as a screenshot at desktop and phone size (var/screenshots/)."""

import pytest
from playwright.sync_api import expect

from conftest import save_screenshot, sign_in

pytestmark = pytest.mark.browser

ROLES = (
    "admin",
    "xitong",
    "anquan",
    "shenji",
    "jianfuban",
    "zuzhibu",
    "bumen",
    "xiangzhen",
    "cungan",
    "yixian",
    "rexian",
)

# What sticks out past the right or left edge of the screen (a page that needs sideways scrolling, or a
# table wider than its card), as "tag#id.class" of the first few.
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll("body *")].filter((element) => {
    const box = element.getBoundingClientRect();
    return box.width > 0 && (box.right > width + 1 || box.left < -1);
  });
  return {
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: width,
    wide: wide.slice(0, 5).map((e) => `${e.tagName.toLowerCase()}#${e.id}.${e.className}`),
  };
}"""


def assert_fits(page):
    found = page.evaluate(OVERFLOW)
    assert found["scrollWidth"] <= found["clientWidth"], f"{page.url} scrolls sideways: {found}"
    assert not found["wide"], f"{page.url} has elements wider than the screen: {found['wide']}"


def assert_cards(page, table):
    """The table shows as a list of cards: no header row, each cell labelled and on its own line."""
    rows = page.locator(f"{table} tbody tr")
    expect(rows.first).to_be_visible()
    expect(page.locator(f"{table} thead")).to_be_hidden()
    labelled = page.locator(f"{table} tbody tr").first.locator("td[data-label]")
    assert labelled.count() >= 2
    for cell in labelled.all():
        box = cell.bounding_box()
        assert box["width"] > 300, f"a card's line in {table} is squeezed to {box['width']} px"


@pytest.mark.parametrize("username", ROLES)
def test_every_roles_home_page_fits_a_phone_and_is_kept_as_screenshots(browser, demo_server, phone, username):
    sign_in(phone, username)
    expect(phone.locator("h2.page-title")).to_have_text("工作台")
    assert_fits(phone)
    save_screenshot(phone, f"home-{username}-phone")
    desktop = browser.new_context(base_url=demo_server, locale="zh-CN", viewport={"width": 1440, "height": 900})
    try:
        page = sign_in(desktop.new_page(), username)
        expect(page.locator("h2.page-title")).to_have_text("工作台")
        save_screenshot(page, f"home-{username}-desktop")
    finally:
        desktop.close()


def test_a_town_works_its_lists_on_a_phone(phone):
    page = sign_in(phone, "xiangzhen")
    for url, table in (
        ("/service/inbox/", "#inbox-table"),
        ("/tasks/inbox/", "#inbox"),
        ("/burden/forms/", "#form-table"),
        ("/burden/me/", "#person-source-table"),
    ):
        page.goto(url)
        assert_cards(page, table)
        assert_fits(page)
        save_screenshot(page, "phone-xiangzhen-" + url.strip("/").replace("/", "-"))
    # The index breakdown of the town, reached from the leader's own index.
    page.click("#person-unit a")
    assert_cards(page, "#source-table")
    assert_fits(page)
    save_screenshot(page, "phone-xiangzhen-unit-index")


def test_front_line_staff_work_their_tasks_and_index_on_a_phone(phone):
    page = sign_in(phone, "yixian")
    page.goto("/tasks/mine/")
    assert_cards(page, "#my-tasks")
    assert_fits(page)
    save_screenshot(page, "phone-yixian-tasks-mine")
    page.locator("#my-tasks tbody tr a").first.click()
    assert_cards(page, "#assignments")
    assert_fits(page)
    page.goto("/burden/me/")
    assert_cards(page, "#person-source-table")
    assert_fits(page)


def test_a_village_works_its_lists_on_a_phone(phone):
    page = sign_in(phone, "cungan")
    # The demo sends the village no forms and no tasks: its pages are checked for fitting the phone.
    for url in ("/burden/forms/", "/tasks/mine/", "/tasks/inbox/", "/service/inbox/", "/burden/me/"):
        page.goto(url)
        assert_fits(page)


def test_the_hotline_dispatches_on_a_phone(phone):
    page = sign_in(phone, "rexian")
    page.goto("/service/queue/")
    assert_cards(page, "#queue-table")
    assert_fits(page)
    save_screenshot(page, "phone-rexian-service-queue")
