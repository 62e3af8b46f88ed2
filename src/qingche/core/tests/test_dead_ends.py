"""No dead ends: whoever lands on a page finds the way on (issue 15 §6)."""

import pytest

pytestmark = pytest.mark.django_db

STAFF = (
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


@pytest.mark.parametrize("username", STAFF)
def test_every_staff_role_finds_the_anonymous_burden_report_in_its_menu(client_as, username):
    page = client_as(username).get("/").content.decode()
    assert 'href="/burden/voice/"' in page
    assert "反映基层负担问题（减负直通车）" in page


def test_the_login_page_links_to_the_citizens_pages_and_the_anonymous_report(client):
    page = client.get("/accounts/login/").content.decode()
    links = page[page.index('id="public-links"') :]
    for url in ('href="/service/submit/"', 'href="/track/"', 'href="/burden/voice/"'):
        assert url in links


def test_the_tracking_page_links_to_the_citizens_form(client):
    page = client.get("/track/").content.decode()
    assert 'href="/service/submit/" id="submit-link"' in page


def _card(page: str, key: str) -> str:
    start = page.index(f'data-card="{key}"')
    return page[start : page.index('<div class="card-footer">', start)]


def test_every_role_home_shows_what_waits_for_it(client_as, accounts):
    from qingche.burden import selectors as burden
    from qingche.tasks import selectors as tasks

    office = client_as("jianfuban").get("/").content.decode()
    waiting = tasks.approval_queue(accounts["jianfuban"]).count()
    assert waiting > 0
    assert "待您审批" in _card(office, "tasks") and f">{waiting}<" in _card(office, "tasks")
    assert "待答复的直通车反映" in _card(office, "burden")
    assert "被退回" in _card(client_as("bumen").get("/").content.decode(), "tasks")
    for username in ("xiangzhen", "cungan"):
        home = client_as(username).get("/").content.decode()
        pending = burden.forms_to_fill(accounts[username]).filter(pending=True).count()
        assert "待填报的报表" in _card(home, "burden") and f">{pending}<" in _card(home, "burden")
    assert "分派给我的待办任务" in _card(client_as("yixian").get("/").content.decode(), "tasks")


def test_the_hotline_home_shows_its_queue_counts(client_as, accounts):
    from qingche.service import rules
    from qingche.service import selectors as service

    home = client_as("rexian").get("/").content.decode()
    card = _card(home, "service-queues")
    to_dispatch = service.requests(accounts["rexian"]).filter(status__in=(rules.NEW, rules.RETURNED)).count()
    assert "待派单" in card and f">{to_dispatch}<" in card and "待回访" in card
