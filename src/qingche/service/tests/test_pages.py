"""Pages: the public form (challenge, honeypot, rate limit, idempotent double submit), /track/ (nothing
personal, rating once), hotline intake, queue, inbox, detail actions, rankings."""

import re

import pytest
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client

from qingche.org.models import Unit
from qingche.service import selectors, services
from qingche.service.forms import CHALLENGE_SALT
from qingche.service.models import ServiceRequest


@pytest.fixture(autouse=True)
def clear_cache():
    cache.clear()
    yield
    cache.clear()


def public_form(client, category, town, **changes):
    page = client.get("/service/submit/")
    assert page.status_code == 200
    html = page.content.decode()
    challenge = re.search(r'name="challenge" value="([^"]+)"', html).group(1)
    key = re.search(r'name="idempotency_key" value="([^"]+)"', html).group(1)
    numbers = signing.loads(challenge, salt=CHALLENGE_SALT)
    data = {
        "category": category.pk,
        "text": "村口路灯坏了两个月，晚上很黑。",
        "town": town.pk,
        "citizen_name": "李四",
        "citizen_phone": "13912345678",
        "challenge": challenge,
        "answer": numbers["a"] + numbers["b"],
        "idempotency_key": key,
        "website": "",
    }
    data.update(changes)
    return data


def test_public_submit_and_track(category, town):
    citizen = Client()
    data = public_form(citizen, category, town, text="<script>alert('x')</script>村口路灯坏了")
    response = citizen.post("/service/submit/", data)
    assert response.status_code == 200
    created = ServiceRequest.objects.get(idempotency_key=data["idempotency_key"])
    assert created.channel == "web" and created.number.encode() in response.content
    again = citizen.post("/service/submit/", data)  # a double submit
    assert again.status_code == 200 and created.number.encode() in again.content
    assert ServiceRequest.objects.filter(idempotency_key=data["idempotency_key"]).count() == 1
    first, code = shown_code(response), shown_code(again)  # the repeat's answer is the one the browser shows
    assert first != code
    assert citizen.post("/track/", {"number": created.number, "code": first}).status_code == 404
    page = citizen.post("/track/", {"number": created.number, "code": code})
    html = page.content.decode()
    assert page.status_code == 200 and 'id="track-status"' in html
    assert "李四" not in html and "13912345678" not in html and "李*" not in html and "139****5678" not in html
    assert "<script>alert" not in html
    wrong = citizen.post(
        "/track/", {"number": created.number, "code": "2222222222" if code != "22222-22222" else "3333333333"}
    )
    assert wrong.status_code == 404 and 'id="track-result"' not in wrong.content.decode()


@pytest.mark.parametrize(
    "changes,field",
    [
        ({"answer": 999}, "answer"),
        ({"text": ""}, "text"),
        ({"text": "字" * 100_000}, "text"),
        ({"lat": "39.9", "long": "116.4"}, "lat"),
        ({"website": "http://spam"}, None),
        ({"challenge": "forged"}, None),
    ],
)
def test_public_submit_refuses_bad_input(category, town, changes, field):
    citizen = Client()
    before = ServiceRequest.objects.count()
    response = citizen.post("/service/submit/", public_form(citizen, category, town, **changes))
    assert response.status_code == 400
    assert ServiceRequest.objects.count() == before
    if field:
        assert f'data-error-for="{field}"'.encode() in response.content


def test_public_submit_rate_limit(category, town, settings):
    from qingche.core.models import Parameter

    Parameter.objects.create(key="service.public_rate_per_hour", value=2)
    citizen = Client()
    codes = [citizen.post("/service/submit/", public_form(citizen, category, town)).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def shown_code(response) -> str:
    return re.search(r'id="created-code">([^<]+)<', response.content.decode()).group(1)


def test_track_callback_once(accounts, category, town):
    request = services.request_submit(
        user=None, channel="web", category_id=category.pk, text="路灯坏了很久了", town_id=town.pk
    )
    code = request.issued_code
    services.request_dispatch(user=accounts["rexian"], request=request, unit_id=town.pk)
    services.request_accept(user=accounts["xiangzhen"], request=request)
    services.request_answer(user=accounts["xiangzhen"], request=request, reply="已更换灯泡，恢复照明。")
    citizen = Client()
    page = citizen.post("/track/", {"number": request.number, "code": code}).content.decode()
    in_url = citizen.get("/track/", {"number": request.number, "code": code}).content.decode()
    assert 'id="track-result"' not in in_url  # a tracking code in the address is not looked up
    assert "已更换灯泡" in page and 'id="rate-form"' in page
    assert "xiangzhen" not in page
    rating = {"number": request.number, "code": code, "solved": "1", "satisfaction": "satisfied"}
    assert citizen.post("/track/", rating).status_code == 200
    request.refresh_from_db()
    assert request.status == "closed" and request.satisfaction == "satisfied"
    twice = citizen.post("/track/", {**rating, "satisfaction": "unsatisfied"})
    assert twice.status_code == 400
    request.refresh_from_db()
    assert request.satisfaction == "satisfied"


def test_a_citizen_who_rates_unsolved_is_told_what_happens_next_and_by_when(accounts, category, town):
    request = services.request_submit(
        user=None, channel="web", category_id=category.pk, text="路灯坏了很久了", town_id=town.pk
    )
    code = request.issued_code
    services.request_dispatch(user=accounts["rexian"], request=request, unit_id=town.pk)
    services.request_accept(user=accounts["xiangzhen"], request=request)
    services.request_answer(user=accounts["xiangzhen"], request=request, reply="已安排维修。")
    citizen = Client()
    rating = {"number": request.number, "code": code, "solved": "0", "satisfaction": "unsatisfied"}
    page = citizen.post("/track/", rating).content.decode()
    request.refresh_from_db()
    review_by = selectors.reopen_review_by(request)
    assert review_by is not None and review_by > request.callback_at
    assert 'id="track-next"' in page and "复核" in page
    assert f"{review_by:%Y-%m-%d}" in page[page.index('id="track-next"') :]


def test_hotline_intake_and_dispatch_pages(client_as, category, town):
    client = client_as("rexian")
    assert client.get("/service/intake/").status_code == 200
    response = client.post(
        "/service/intake/",
        {
            "category": category.pk,
            "text": "居民反映东河镇自来水停水两天",
            "town": town.pk,
            "citizen_phone": "13800001111",
            "idempotency_key": "intake-1",
        },
    )
    assert response.status_code == 200 and 'id="detail-link"' in response.content.decode()
    created = ServiceRequest.objects.get(idempotency_key="intake-1")
    assert selectors.track(created.number, shown_code(response)) == created  # read to the caller, once
    queue = client.get("/service/queue/", {"q": created.number}).content.decode()
    assert created.number in queue and "route-reason" in queue
    detail = client.get(f"/service/requests/{created.pk}/").content.decode()
    assert "138****1111" in detail and "13800001111" not in detail
    assert client.post(f"/service/requests/{created.pk}/dispatch/", {"unit": town.pk}).status_code == 302
    created.refresh_from_db()
    assert created.status == "dispatched" and created.unit_id == town.pk
    inbox = client_as("xiangzhen").get("/service/inbox/").content.decode()
    assert created.number in inbox


def test_action_errors_are_messages_not_500(accounts, client_as, category, town):
    request = services.request_submit(
        user=None, channel="web", category_id=category.pk, text="路灯坏了很久了", town_id=town.pk
    )
    client = client_as("xiangzhen")
    assert client.post(f"/service/requests/{request.pk}/accept/").status_code == 404  # not routed to it yet
    services.request_dispatch(user=accounts["rexian"], request=request, unit_id=town.pk)
    response = client.post(f"/service/requests/{request.pk}/answer/", {"reply": ""}, follow=True)
    assert response.status_code == 200 and b"alert-danger" in response.content
    response = client.post(f"/service/requests/{request.pk}/return/", {"reason": ""}, follow=True)
    assert b"alert-danger" in response.content
    request.refresh_from_db()
    assert request.status == "dispatched"
    assert client.post(f"/service/requests/{request.pk}/nope/").status_code == 404


def test_pages_for_each_role(client_as):
    for username, url in [
        ("rexian", "/service/callbacks/"),
        ("jianfuban", "/service/arbitration/"),
        ("rexian", "/service/rates/"),
        ("rexian", "/service/rates/?group=departments"),
        ("xiangzhen", "/service/rates/mine/"),
        ("xitong", "/service/open311-keys/"),
        ("xiangzhen", "/service/inbox/"),
        ("bumen", "/service/inbox/"),
    ]:
        assert client_as(username).get(url).status_code == 200, url
    assert client_as("xiangzhen").get("/service/queue/").status_code == 403
    assert client_as("yixian").get("/service/inbox/").status_code == 403


def test_ranking_reads_rollups(client_as, demo_month):
    html = client_as("rexian").get(f"/service/rates/?month={demo_month}").content.decode()
    assert 'id="ranking-table"' in html and 'id="trend-data"' in html and "东河镇" in html


def test_flash_messages_say_what_was_done(accounts, client_as, category, town):
    request = services.request_submit(
        user=None, channel="web", category_id=category.pk, text="路灯坏了很久了", town_id=town.pk
    )
    dispatched = (
        client_as("rexian")
        .post(f"/service/requests/{request.pk}/dispatch/", {"unit": town.pk}, follow=True)
        .content.decode()
    )
    assert f"已派单 {request.number} 至{town.name}" in dispatched
    accepted = client_as("xiangzhen").post(f"/service/requests/{request.pk}/accept/", follow=True).content.decode()
    assert f"已签收 {request.number}" in accepted and "操作完成" not in accepted


def test_the_dispatch_queue_pages_filters_and_loads_the_unit_choice_on_demand(accounts, client_as, category, town):
    created = services.request_submit(
        user=None, channel="web", category_id=category.pk, text="路灯坏了很久了", town_id=town.pk
    )
    client = client_as("rexian")
    first = client.get("/service/queue/").content.decode()
    assert 1 <= first.count("<tr data-request=") <= 20
    assert first.count("<option") < 40  # no select of every unit per row
    found = client.get("/service/queue/", {"q": created.number}).content.decode()
    assert found.count("<tr data-request=") == 1
    other_town = Unit.objects.filter(kind="town").exclude(pk=town.pk).first()
    elsewhere = client.get("/service/queue/", {"q": created.number, "town": other_town.pk}).content.decode()
    assert "<tr data-request=" not in elsewhere
    form = client.get(f"/service/queue/{created.pk}/dispatch-form/", {"next": "/service/queue/?q=x"}).content.decode()
    assert f'value="{town.pk}"' in form and 'name="next" value="/service/queue/?q=x"' in form
    assert client_as("xiangzhen").get(f"/service/queue/{created.pk}/dispatch-form/").status_code == 403


def test_a_town_passes_a_request_on_to_a_village_which_handles_it(accounts, client_as, category, town):
    from qingche.org.models import RoleGrant

    village = RoleGrant.objects.filter(user=accounts["cungan"]).first().unit
    assert village.path.startswith(town.path)
    request = services.request_submit(
        user=None, channel="web", category_id=category.pk, text="村口路灯坏了很久了", town_id=town.pk
    )
    services.request_dispatch(user=accounts["rexian"], request=request, unit_id=town.pk)
    services.request_accept(user=accounts["xiangzhen"], request=request)
    leader = client_as("xiangzhen")
    page = leader.get(f"/service/requests/{request.pk}/").content.decode()
    assert 'id="pass-on-form"' in page and f'value="{village.pk}"' in page
    elsewhere = Unit.objects.filter(kind="village").exclude(path__startswith=town.path).first()
    refused = leader.post(f"/service/requests/{request.pk}/pass_on/", {"unit": elsewhere.pk}, follow=True)
    assert "请选择" in refused.content.decode()
    request.refresh_from_db()
    assert request.unit_id == town.pk
    done = leader.post(f"/service/requests/{request.pk}/pass_on/", {"unit": village.pk}, follow=True)
    assert f"已将 {request.number} 转交{village.name}办理" in done.content.decode()
    request.refresh_from_db()
    assert request.unit_id == village.pk and request.passed_on_by_id == town.pk and request.status == "accepted"

    # The village finds it in its 待办诉求 and handles it; it cannot return it to the dispatcher.
    village_client = client_as("cungan")
    assert request.number in village_client.get("/service/inbox/").content.decode()
    assert request.number in leader.get("/service/inbox/").content.decode()  # the town still follows it
    with pytest.raises(ValidationError):
        services.request_return(user=accounts["cungan"], request=request, reason="不归我们管")
    village_client.post(f"/service/requests/{request.pk}/answer/", {"reply": "已联系供电所更换灯泡。"})
    request.refresh_from_db()
    assert request.status == "answered"
    services.request_callback(user=accounts["rexian"], request=request, solved="1", satisfaction="satisfied")
    request.refresh_from_db()
    assert request.callback_unit_id == town.pk  # the town stays the unit of record of the three rates
