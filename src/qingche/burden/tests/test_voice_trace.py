"""直通车 stays anonymous against the database, the logs and the pages: a logged-in cadre's report writes the
report and nothing else (not even the session row), sets no cookie, leaves no access-log line; answers are
published only when the sender chose it; no page names a unit below a town or street."""

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from gunicorn.glogging import Logger

from qingche.burden import services
from qingche.burden.models import BurdenReport
from qingche.core.accesslog import AnonymousPathsLogger
from qingche.org.models import Unit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _every_table() -> dict[str, list]:
    """Every row of every table, as the database returns it."""
    snapshot = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            snapshot[table] = sorted(
                repr(tuple(bytes(value) if isinstance(value, memoryview) else value for value in row))
                for row in cursor.fetchall()
            )
    return snapshot


def test_a_logged_in_report_writes_the_report_and_nothing_else(client, accounts, settings):
    assert settings.SESSION_SAVE_EVERY_REQUEST  # every other page renews the idle clock
    client.force_login(accounts["xiangzhen"])
    assert client.get("/").status_code == 200
    town = Unit.objects.filter(kind=Unit.Kind.TOWN).first()
    before = _every_table()
    page = client.get("/burden/voice/", REMOTE_ADDR="10.20.30.40")
    response = client.post(
        "/burden/voice/",
        {"category": "meetings", "text": "周末连开三个会", "sender_unit": town.pk},
        REMOTE_ADDR="10.20.30.40",
        HTTP_X_REQUEST_ID="qc-voice-1",
    )
    after = _every_table()
    assert page.status_code == 200 and 'id="follow-up-code"' in response.content.decode()
    changed = {table for table in before.keys() | after.keys() if before.get(table) != after.get(table)}
    assert changed == {BurdenReport._meta.db_table}
    assert len(after[BurdenReport._meta.db_table]) == len(before[BurdenReport._meta.db_table]) + 1
    assert after["django_session"] == before["django_session"]  # byte for byte: not even the expiry moved
    # Nothing in the answer ties the browser to the report: no cookie, no request id.
    assert not response.cookies and "Set-Cookie" not in response
    assert "X-Request-ID" not in response
    # The session still works on the other pages, which renew it as before.
    assert client.get("/").status_code == 200
    assert _every_table()["django_session"] != after["django_session"]


def test_no_access_log_line_for_the_voice_pages_or_the_files_they_load(monkeypatch):
    written = []
    monkeypatch.setattr(Logger, "access", lambda self, resp, req, environ, request_time: written.append(environ))
    logger = AnonymousPathsLogger.__new__(AnonymousPathsLogger)
    for environ in (
        {"PATH_INFO": "/burden/voice/"},
        {"PATH_INFO": "/burden/voice/follow/"},
        {"PATH_INFO": "/static/core/app.css", "HTTP_REFERER": "https://qc.example/burden/voice/"},
    ):
        logger.access(None, None, environ, 0)
    assert written == []
    logger.access(None, None, {"PATH_INFO": "/burden/reports/"}, 0)
    assert len(written) == 1


def _answered(client, *, allowed: bool, text: str, accounts) -> BurdenReport:
    data = {"category": "forms", "text": text}
    if allowed:
        data["publication_allowed"] = "on"
    assert client.post("/burden/voice/", data).status_code == 200
    report = BurdenReport.objects.get(text=text)
    assert report.publication_allowed is allowed
    return report


def test_an_answer_is_published_only_when_the_sender_chose_it(client, client_as, accounts):
    refused = _answered(client, allowed=False, text="报表反复填，口径不一", accounts=accounts)
    agreed = _answered(client, allowed=True, text="打卡截图天天要", accounts=accounts)
    office = client_as("jianfuban")
    # The office's form cannot publish what the sender kept private, and defaults to the sender's choice.
    page = office.get(f"/burden/reports/{refused.pk}/").content.decode()
    assert "The sender did not allow publication." in page or "反映人未同意公开" in page
    office.post(f"/burden/reports/{refused.pk}/", {"answer": "已处理", "publish": "on"})
    refused.refresh_from_db()
    assert refused.status == BurdenReport.Status.ANSWERED and not refused.published
    with pytest.raises(ValidationError):
        services.burden_report_answer(user=accounts["jianfuban"], report=refused, answer="已处理", publish=True)
    services.burden_report_answer(user=accounts["jianfuban"], report=agreed, answer="已取消截图要求", publish=True)
    public = client.get("/burden/voice/answers/").content.decode()
    assert "打卡截图天天要" in public and "报表反复填" not in public


def test_no_unit_below_a_town_is_kept_or_shown(client, accounts):
    village = Unit.objects.filter(kind__in=Unit.GRASSROOTS).first()
    response = client.post("/burden/voice/", {"category": "apps", "text": "工作群太多", "sender_unit": village.pk})
    assert response.status_code == 400 and not BurdenReport.objects.filter(text="工作群太多").exists()
    with pytest.raises(ValidationError):
        services.burden_report_submit(category="apps", text="工作群太多", sender_unit=village)
    form_html = client.get("/burden/voice/").content.decode()
    assert f'value="{village.pk}"' not in form_html
