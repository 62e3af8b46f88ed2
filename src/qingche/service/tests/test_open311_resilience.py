"""The Open311 registrar and the database: a database that is away leaves submissions pending, any other
error sets one aside with its reason for the hotline, and /healthz says when submissions wait too long."""

import datetime as dt

import pytest
from django.db import OperationalError
from django.utils import timezone

from qingche.core import bulk
from qingche.core.models import Parameter
from qingche.service import services
from qingche.service.models import Open311Submission
from qingche.service.selectors import leaf_categories


@pytest.fixture
def partner(db):
    entry, _key = services.open311_key_issue(user=None, partner="测试伙伴")
    return entry


def submit(partner, text):
    return services.open311_submission_accept(
        partner=partner, category=leaf_categories()[0], text=text, lat="28.1", long="112.2"
    )


def test_a_database_away_leaves_every_submission_pending(partner, monkeypatch):
    made = [submit(partner, f"第{i}条：路灯坏了，数据库正在重启") for i in range(3)]

    def away(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(bulk, "insert_objects", away)
    with pytest.raises(OperationalError):  # the registrar's loop waits and tries again (core.background)
        services.open311_submissions_register()
    assert all(Open311Submission.objects.get(pk=s.pk).pending for s in made)
    monkeypatch.undo()
    assert services.open311_submissions_register() == 3
    assert not any(Open311Submission.objects.get(pk=s.pk).pending for s in made)


def test_the_hotline_sees_a_set_aside_submission_with_its_reason(partner, client_as):
    good = submit(partner, "路灯坏了，好的一条")
    bad = submit(partner, "路灯坏了，登记不了的一条")
    Open311Submission.objects.filter(pk=bad.pk).update(fields={"text": "字段缺了"})  # e.g. written by an old version
    assert services.open311_submissions_register() == 2
    assert Open311Submission.objects.get(pk=good.pk).request_id is not None

    page = client_as("rexian").get("/service/open311-intake/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "程序故障导致未能登记" in html and "KeyError" in html and "字段缺了" in html
    assert 'id="failed-count">1<' in html
    assert client_as("xiangzhen").get("/service/open311-intake/").status_code == 403


def test_healthz_is_503_when_a_submission_waits_longer_than_the_parameter(partner, client, settings, tmp_path):
    settings.VAR_DIR = tmp_path  # no supervisor here: only the backlog counts
    late = submit(partner, "路灯坏了，等了很久")
    Open311Submission.objects.filter(pk=late.pk).update(received_at=timezone.now() - dt.timedelta(minutes=10))
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["problems"] == ["open311"]
    assert body["open311"]["waiting"] == 1 and body["open311"]["oldest_wait_s"] >= 600
    assert body["open311"]["limit_s"] == 300

    Parameter.objects.create(key="service.open311_max_wait_minutes", value=15)
    assert client.get("/healthz").status_code == 200
    services.open311_submissions_register()
    Parameter.objects.filter(key="service.open311_max_wait_minutes").delete()
    emptied = client.get("/healthz").json()["open311"]
    assert emptied == {"ok": True, "waiting": 0, "oldest_wait_s": 0.0, "limit_s": 300.0}
