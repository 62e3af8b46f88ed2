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
