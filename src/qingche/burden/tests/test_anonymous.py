"""直通车: no login, nothing that identifies the sender, a follow-up code kept only as a hash, a rate
limit that lives in the cache, markup shown as text, 100 KB refused."""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import models

from qingche.burden import rules, services
from qingche.burden.models import BurdenReport
from qingche.core.models import AuditEvent

pytestmark = pytest.mark.django_db

ALLOWED_FIELDS = {
    "id",
    "category",
    "text",
    "sender_unit",
    "received_on",
    "code_hash",
    "status",
    "answer",
    "answered_on",
    "published",
    "publication_allowed",
}


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def test_the_model_holds_no_column_that_could_identify_the_sender():
    fields = {field.name: field for field in BurdenReport._meta.get_fields() if field.concrete}
    assert set(fields) == ALLOWED_FIELDS
    for name, field in fields.items():
        assert not isinstance(field, models.GenericIPAddressField), name
        assert not isinstance(field, models.DateTimeField), name  # the day only, never the time
        if isinstance(field, models.ForeignKey):
            assert field.related_model._meta.label == "org.Unit", name  # only the unit the sender chose to name
        for word in ("ip", "agent", "user", "account", "session", "person", "created_at", "time", "cookie"):
            assert word not in name.split("_") or name == "received_on", name
    assert not any(base.__name__ == "AuditedModel" for base in BurdenReport.__mro__)


def test_anyone_reports_without_login_and_follows_the_answer(client, accounts):
    audit_before = AuditEvent.objects.count()
    response = client.post(
        "/burden/voice/",
        {"category": "forms", "text": "同一数据三个部门各要一次", "publication_allowed": "on"},
        REMOTE_ADDR="10.1.2.3",
        HTTP_USER_AGENT="Secret-Browser/1.0",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="follow-up-code"' in html
    code = html.split('id="follow-up-code">')[1].split("<")[0].strip()
    report = BurdenReport.objects.order_by("-id").first()
    assert report.code_hash == rules.follow_up_code_hash(code, settings.SECRET_KEY) and code not in str(report.__dict__)
    # Nothing about the sender reached the audit trail.
    assert AuditEvent.objects.count() == audit_before
    assert not AuditEvent.objects.filter(ip="10.1.2.3").exists()
    row_text = str(BurdenReport.objects.filter(pk=report.pk).values().first())
    assert "10.1.2.3" not in row_text and "Secret-Browser" not in row_text
    # 减负办 answers; the answer is published and the sender sees it with the code.
    services.burden_report_answer(user=accounts["jianfuban"], report=report, answer="已统一口径", publish=True)
    followed = client.post("/burden/voice/follow/", {"code": code.lower()})
    assert "已统一口径" in followed.content.decode()
    assert "已统一口径" in client.get("/burden/voice/answers/").content.decode()
    assert 'id="follow-none"' in client.post("/burden/voice/follow/", {"code": "AAAA-BBBB-CCCC"}).content.decode()


def test_the_page_says_what_is_kept(client):
    html = client.get("/burden/voice/").content.decode()
    assert 'id="what-is-kept"' in html


def test_100_kb_is_refused_and_markup_is_shown_as_text(client, accounts):
    before = BurdenReport.objects.count()
    huge = client.post("/burden/voice/", {"category": "other", "text": "负" * 100_000})
    assert huge.status_code == 400 and BurdenReport.objects.count() == before
    marked = client.post(
        "/burden/voice/",
        {"category": "other", "text": "<script>alert(1)</script><b>打卡</b>太多", "publication_allowed": "on"},
    )
    assert marked.status_code == 200
    report = BurdenReport.objects.order_by("-id").first()
    services.burden_report_answer(user=accounts["jianfuban"], report=report, answer="<i>已处理</i>", publish=True)
    html = client.get("/burden/voice/answers/").content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;i&gt;已处理&lt;/i&gt;" in html


def test_rate_limit_lives_in_the_cache_not_the_database(client):
    limit = 5
    for index in range(limit):
        response = client.post(
            "/burden/voice/", {"category": "meetings", "text": f"会议太多了，第{index}次"}, REMOTE_ADDR="10.9.9.9"
        )
        assert response.status_code == 200
    blocked = client.post(
        "/burden/voice/", {"category": "meetings", "text": "会议太多了，再来一次"}, REMOTE_ADDR="10.9.9.9"
    )
    assert blocked.status_code == 429
    # Another sender is not blocked by the first one's flood.
    assert (
        client.post(
            "/burden/voice/", {"category": "meetings", "text": "另一个人的反映"}, REMOTE_ADDR="10.8.8.8"
        ).status_code
        == 200
    )


def test_only_the_office_reads_the_inbox(client_as, api_as):
    assert client_as("xiangzhen").get("/burden/reports/").status_code == 403
    assert client_as("jianfuban").get("/burden/reports/").status_code == 200
    assert api_as("bumen").get("/api/v1/burden/reports/").json()["results"] == []
