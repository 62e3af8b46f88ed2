"""/track/: codes that cannot be guessed, kept only as a keyed hash (never in clear in any table, the audit
trail included), looked up by POST only, five wrong codes lock a number for the hour, and only someone who
types the code again can rate."""

import json
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client

from qingche.service import rules, services
from qingche.service.models import Open311Submission, ServiceRequest


@pytest.fixture(autouse=True)
def clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def answered(accounts, category, town):
    request = services.request_submit(
        user=None,
        channel="web",
        category_id=category.pk,
        text="路灯坏了很久了",
        town_id=town.pk,
        citizen_name="赵六",
        citizen_phone="13700001234",
    )
    code = request.issued_code
    services.request_dispatch(user=accounts["rexian"], request=request, unit_id=town.pk)
    services.request_accept(user=accounts["xiangzhen"], request=request)
    services.request_answer(user=accounts["xiangzhen"], request=request, reply="已更换灯泡，恢复照明。")
    return ServiceRequest.objects.get(pk=request.pk), code


def every_text_in_the_database() -> str:
    """The text of every row of every table: a clear code anywhere would be found here."""
    parts = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - table names from the schema
            parts.extend(json.dumps(row, default=str, ensure_ascii=False) for row in cursor.fetchall())
    return "\n".join(parts)


def test_codes_cannot_be_guessed():
    codes = {services.new_tracking_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(len(code) >= 10 and set(code) <= set(rules.CODE_ALPHABET) for code in codes)
    assert not set(rules.CODE_ALPHABET) & set("0O1IL")


def test_the_code_is_stored_nowhere_in_clear(accounts, category, town, client_as):
    from qingche.service.selectors import leaf_categories

    page = client_as("rexian").post(
        "/service/intake/",
        {"category": category.pk, "text": "东河镇自来水停水两天了", "town": town.pk, "idempotency_key": "clear-1"},
    )
    hotline_code = re.search(r'id="created-code">([^<]+)<', page.content.decode()).group(1)
    _entry, key = services.open311_key_issue(user=None, partner="测试伙伴")
    answer = Client().post(
        "/open311/v2/requests.json",
        {
            "api_key": key,
            "service_code": leaf_categories()[0].code,
            "lat": "28.1",
            "long": "112.2",
            "description": "路灯坏了一个月",
        },
    )
    partner_code = re.search(r"/track/: ([0-9A-Z-]+)", answer.json()[0]["service_notice"]).group(1)
    waiting = Open311Submission.objects.get(token=answer.json()[0]["token"])
    stored = every_text_in_the_database()
    services.open311_submissions_register()
    registered = every_text_in_the_database()
    for code in (hotline_code, partner_code):
        for shown in (code, rules.normalize_code(code)):
            assert shown not in stored and shown not in registered
    waiting.refresh_from_db()
    assert Client().post("/track/", {"number": waiting.request.number, "code": partner_code}).status_code == 200


def test_lookup_by_post_only(answered):
    request, code = answered
    citizen = Client()
    by_url = citizen.get("/track/", {"number": request.number, "code": code})
    html = by_url.content.decode()
    assert by_url.status_code == 200 and 'id="track-result"' not in html and code not in html
    assert request.number in html  # the number alone may be linked to
    page = citizen.post("/track/", {"number": request.number, "code": code.lower().replace("-", " ")})
    html = page.content.decode()
    assert page.status_code == 200 and 'id="track-result"' in html
    assert code not in html and rules.normalize_code(code) not in html  # not echoed back into the page
    assert "no-store" in page["Cache-Control"]


def test_five_wrong_codes_lock_the_number_for_the_hour(answered, category, town):
    request, code = answered
    other = services.request_submit(
        user=None, channel="web", category_id=category.pk, text="路灯坏了很久了", town_id=town.pk
    )
    citizen = Client()
    wrong = "2222222222" if rules.normalize_code(code) != "2222222222" else "3333333333"
    statuses = [citizen.post("/track/", {"number": request.number, "code": wrong}).status_code for _ in range(5)]
    assert statuses == [404] * 5
    locked = citizen.post("/track/", {"number": request.number, "code": code})
    assert locked.status_code == 429 and 'id="track-result"' not in locked.content.decode()
    rating = {"number": request.number, "code": code, "solved": "1", "satisfaction": "satisfied"}
    assert Client().post("/track/", rating).status_code == 429  # from anywhere, also the rating
    request.refresh_from_db()
    assert request.status == rules.ANSWERED
    assert citizen.post("/track/", {"number": other.number, "code": other.issued_code}).status_code == 200


def test_rating_needs_the_code_again(answered):
    request, code = answered
    citizen = Client()
    page = citizen.post("/track/", {"number": request.number, "code": code}).content.decode()
    form = page.split('id="rate-form"')[1].split("</form>")[0]
    assert 'name="code"' in form and code not in form and rules.normalize_code(code) not in form
    without = citizen.post("/track/", {"number": request.number, "solved": "1", "satisfaction": "unsatisfied"})
    assert without.status_code == 400
    wrong = citizen.post(
        "/track/", {"number": request.number, "code": "2222222222", "solved": "1", "satisfaction": "unsatisfied"}
    )
    assert wrong.status_code == 404
    request.refresh_from_db()
    assert request.status == rules.ANSWERED and request.satisfaction == ""
    rated = citizen.post(
        "/track/", {"number": request.number, "code": code, "solved": "1", "satisfaction": "satisfied"}
    )
    assert rated.status_code == 200
    request.refresh_from_db()
    assert request.status == rules.CLOSED and request.satisfaction == rules.SATISFIED


def test_the_confirmation_follows_by_post(category, town):
    from qingche.service.tests.test_pages import public_form

    citizen = Client()
    html = citizen.post("/service/submit/", public_form(citizen, category, town)).content.decode()
    code = re.search(r'id="created-code">([^<]+)<', html).group(1)
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{5}-[2-9A-HJKMNP-Z]{5}", code)
    for url in re.findall(r'(?:href|action)="([^"]*)"', html):
        assert code not in url and rules.normalize_code(code) not in url
    follow = html.split('id="track-link"')[0].rsplit("<form", 1)[1]
    assert 'method="post"' in follow
