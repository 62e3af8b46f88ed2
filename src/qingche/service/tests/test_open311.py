"""Open311 GeoReport v2: every endpoint in .json and .xml (XML parsed with a real parser), the error
format, api keys and the default window."""

import datetime as dt
import re

import pytest
from defusedxml import ElementTree
from django.test import Client
from django.utils import timezone

from qingche.core.models import AuditEvent
from qingche.service import selectors, services
from qingche.service.models import Open311Submission, RequestEvent, ServiceRequest

BASE = "/open311/v2/"


@pytest.fixture
def api_key(db):
    _entry, key = services.open311_key_issue(user=None, partner="测试伙伴")
    return key


@pytest.fixture
def anon():
    return Client()


def xml(response):
    assert response["Content-Type"].startswith("text/xml")
    return ElementTree.fromstring(response.content)


def leaf_code():
    from qingche.service.selectors import leaf_categories

    return leaf_categories()[0].code


def test_discovery(anon, db):
    data = anon.get(BASE + "discovery.json").json()
    assert data["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert "application/json" in data["endpoints"][0]["formats"]
    root = xml(anon.get(BASE + "discovery.xml"))
    assert root.tag == "discovery"
    assert [f.text for f in root.find("endpoints/endpoint/formats")] == ["text/xml", "application/json"]


def test_services_and_definition(anon, db):
    services_json = anon.get(BASE + "services.json").json()
    assert services_json and {"service_code", "service_name", "metadata", "type", "group"} <= set(services_json[0])
    root = xml(anon.get(BASE + "services.xml"))
    assert root.tag == "services" and len(root.findall("service")) == len(services_json)
    code = services_json[0]["service_code"]
    definition = anon.get(f"{BASE}services/{code}.json").json()
    assert definition["service_code"] == code
    assert {a["code"] for a in definition["attributes"]} == {"anonymous", "subject", "publish"}
    root = xml(anon.get(f"{BASE}services/{code}.xml"))
    assert root.tag == "service_definition"
    assert root.find("attributes/attribute/values/value/key").text == "0"


def test_errors_are_the_spec_list(anon, db):
    for fmt in ("json", "xml"):
        response = anon.get(f"{BASE}services/NOPE.{fmt}")
        assert response.status_code == 404
        if fmt == "json":
            body = response.json()
            assert body[0]["code"] == 404 and "NOPE" in body[0]["description"]
        else:
            root = xml(response)
            assert root.tag == "errors" and root.find("error/code").text == "404"


def post(anon, fmt="json", **fields):
    return anon.post(f"{BASE}requests.{fmt}", fields)


def test_post_request_needs_a_valid_key(anon, api_key, db):
    code = leaf_code()
    missing = post(anon, service_code=code, lat="28.1", long="112.2", description="路灯坏了很久")
    assert missing.status_code == 403 and missing.json()[0]["code"] == 403
    wrong = post(anon, api_key="nope", service_code=code, lat="28.1", long="112.2", description="路灯坏了很久")
    assert wrong.status_code == 403


@pytest.mark.parametrize(
    "fields,status",
    [
        ({"service_code": "NOPE", "lat": "28.1", "long": "112.2", "description": "路灯坏了很久"}, 404),
        ({"lat": "28.1", "long": "112.2", "description": "路灯坏了很久"}, 400),
        ({"service_code": None, "description": "路灯坏了很久"}, 400),
        ({"service_code": None, "lat": "39.9", "long": "116.4", "description": "路灯坏了很久"}, 400),
        ({"service_code": None, "lat": "28.1", "long": "112.2", "description": ""}, 400),
        ({"service_code": None, "lat": "28.1", "long": "112.2", "description": "x" * 100_000}, 400),
        ({"service_code": None, "address_id": "000", "description": "路灯坏了很久"}, 400),
        (
            {
                "service_code": None,
                "address_string": "东河镇",
                "description": "路灯坏了很久",
                "attribute[colour]": "red",
            },
            400,
        ),
    ],
)
def test_post_request_bad_input(anon, api_key, fields, status):
    before = ServiceRequest.objects.count(), Open311Submission.objects.count()
    fields = {key: (leaf_code() if value is None else value) for key, value in fields.items()}
    for fmt in ("json", "xml"):
        response = post(anon, fmt, api_key=api_key, **fields)
        assert response.status_code == status
        if fmt == "xml":
            assert xml(response).find("error/description").text
    assert (ServiceRequest.objects.count(), Open311Submission.objects.count()) == before


def test_post_then_token_then_request(anon, api_key, town):
    code = leaf_code()
    response = post(
        anon,
        api_key=api_key,
        service_code=code,
        address_string=f"{town.name}中心街",
        description="<b>路灯</b>坏了很久",
        first_name="明",
        last_name="王",
        phone="13900001111",
        **{"attribute[anonymous]": "1", "attribute[subject]": "路灯不亮"},
    )
    assert response.status_code == 200, response.content
    created = response.json()[0]
    assert "service_request_id" not in created  # deferred creation: the token now, the number from tokens/
    assert services.open311_submissions_register() == 1  # what `qingche open311_register --follow` does
    root = xml(anon.get(f"{BASE}tokens/{created['token']}.xml"))
    request = ServiceRequest.objects.get(number=root.find("request/service_request_id").text)
    assert request.channel == "open311" and request.anonymous and request.title == "路灯不亮"
    assert request.town_id == town.pk and request.citizen_name == "王明" and request.token == created["token"]
    assert created["service_notice"].endswith(f"tokens/{created['token']}")
    tracking = re.search(r"/track/: ([0-9A-Z-]+)", created["service_notice"]).group(1)
    assert selectors.track(request.number, tracking) == request
    assert request.events.get().kind == "submit"
    audit = AuditEvent.objects.get(object_type="service.servicerequest", object_id=str(request.pk))
    assert audit.action == "create" and audit.actor_name == "open311:测试伙伴" and audit.ip == "127.0.0.1"
    assert audit.after["citizen_phone"] == "139****1111"
    assert anon.get(f"{BASE}tokens/nope.json").status_code == 404
    detail = anon.get(f"{BASE}requests/{request.number}.json").json()[0]
    assert detail["status"] == "open" and detail["service_code"] == code
    assert detail["requested_datetime"].endswith("+08:00")
    assert "13900001111" not in str(detail) and "王" not in str(detail)
    root = xml(anon.get(f"{BASE}requests/{request.number}.xml"))
    assert root.find("request/status").text == "open"
    assert anon.get(f"{BASE}requests/NOPE.xml").status_code == 404
    # posting the same report from the same device twice gives one request
    again = post(
        anon,
        api_key=api_key,
        service_code=code,
        lat="28.1",
        long="112.2",
        description="同一设备重复提交",
        device_id="dev-1",
    )
    services.open311_submissions_register()
    twice = post(
        anon,
        api_key=api_key,
        service_code=code,
        lat="28.1",
        long="112.2",
        description="同一设备重复提交",
        device_id="dev-1",
    )
    assert again.json()[0]["token"] == twice.json()[0]["token"]
    assert twice.json()[0]["service_request_id"]  # the repeat came after the first was registered
    assert ServiceRequest.objects.filter(text="同一设备重复提交").count() == 1


def _submit(partner, text, **fields):
    from qingche.service.selectors import leaf_category_by_code

    return services.open311_submission_accept(
        partner=partner, category=leaf_category_by_code()[leaf_code()], text=text, lat="28.1", long="112.2", **fields
    )


def test_token_of_a_pending_submission_has_no_number_yet(anon, api_key):
    partner = selectors.open311_key_valid(api_key)
    submission = _submit(partner, "路灯坏了，还在排队登记")
    pending = anon.get(f"{BASE}tokens/{submission.token}.json").json()[0]
    assert pending == {"service_request_id": "", "token": submission.token}
    assert services.open311_submissions_register() == 1
    number = anon.get(f"{BASE}tokens/{submission.token}.json").json()[0]["service_request_id"]
    assert ServiceRequest.objects.get(number=number).text == "路灯坏了，还在排队登记"
    assert services.open311_submissions_register() == 0


def test_submissions_register_in_batches_with_numbers_of_their_day(api_key):
    partner = selectors.open311_key_valid(api_key)
    made = [_submit(partner, f"第{i}条批量诉求：垃圾没人清运", idempotency_key=f"batch-{i}") for i in range(7)]
    assert services.open311_submissions_register(batch=3) == 7
    numbers = [Open311Submission.objects.get(pk=s.pk).request.number for s in made]
    assert len(set(numbers)) == 7 and numbers == sorted(numbers)
    assert all(n.startswith(timezone.localtime(made[0].received_at).strftime("%Y%m%d")) for n in numbers)
    assert RequestEvent.objects.filter(request__number__in=numbers, kind="submit").count() == 7
    assert (
        AuditEvent.objects.filter(
            object_type="service.servicerequest", action="create", object_repr__in=numbers
        ).count()
        == 7
    )


def test_a_submission_that_cannot_be_registered_does_not_hold_up_the_others(anon, api_key):
    partner = selectors.open311_key_valid(api_key)
    good = _submit(partner, "路灯坏了，好的一条")
    bad = _submit(partner, "路灯坏了，坏的一条")
    Open311Submission.objects.filter(pk=bad.pk).update(fields={"text": "字段缺了"})  # e.g. written by an old version
    assert services.open311_submissions_register() == 2
    assert Open311Submission.objects.get(pk=good.pk).request is not None
    bad.refresh_from_db()
    assert bad.request is None and "KeyError" in bad.error
    response = anon.get(f"{BASE}tokens/{bad.token}.json")
    assert response.status_code == 404 and "again" in response.json()[0]["description"]
    assert services.open311_submissions_register() == 0  # not tried again


def test_get_requests_default_window_and_filters(anon, db):
    rows = anon.get(BASE + "requests.json").json()
    now = timezone.now()
    assert 0 < len(rows) <= 1000
    oldest = min(dt.datetime.fromisoformat(row["requested_datetime"]) for row in rows)
    assert oldest >= now - dt.timedelta(days=90, minutes=1)
    assert all({"service_request_id", "status", "agency_responsible", "expected_datetime"} <= set(r) for r in rows)
    closed = anon.get(
        BASE + "requests.json",
        {"status": "closed", "start_date": "2026-06-01T00:00:00+08:00", "end_date": "2026-07-01T00:00:00+08:00"},
    ).json()
    assert closed and all(row["status"] == "closed" for row in closed)
    assert all("2026-06" in row["requested_datetime"] for row in closed)
    code = closed[0]["service_code"]
    by_code = anon.get(
        BASE + "requests.xml",
        {"service_code": code, "start_date": "2026-06-01T00:00:00+08:00", "end_date": "2026-07-01T00:00:00+08:00"},
    )
    assert {e.text for e in xml(by_code).iter("service_code")} == {code}
    ids = ",".join(row["service_request_id"] for row in closed[:3])
    assert len(anon.get(BASE + "requests.json", {"service_request_id": ids}).json()) == min(3, len(closed))
    assert anon.get(BASE + "requests.json", {"start_date": "yesterday"}).status_code == 400
    assert anon.get(BASE + "requests.json", {"status": "pending"}).status_code == 400
    too_long = anon.get(
        BASE + "requests.json", {"start_date": "2026-01-01T00:00:00+08:00", "end_date": "2026-10-01T00:00:00+08:00"}
    )
    assert too_long.status_code == 400
    assert anon.get(BASE + "requests.yaml").status_code == 404


@pytest.mark.parametrize(
    "date",
    [
        "2026-02-30T00:00:00+08:00",
        "2026-02-29T00:00:00+08:00",
        "2026-13-01T00:00:00+08:00",
        "2026-10-01T25:00:00+08:00",
        "2026-10-01T00:60:00+08:00",
        "2026-10-01T00:00:00+25:00",
        "0000-10-01T00:00:00+08:00",
        "0001-01-01T00:00:00+08:00",
        "9999-12-31T23:59:59-12:00",
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_impossible_dates_are_a_400_with_a_chinese_message(anon, db, date, fmt):
    for name in ("start_date", "end_date"):
        response = anon.get(f"{BASE}requests.{fmt}", {name: date})
        assert response.status_code == 400, (name, date)
        if fmt == "json":
            description = response.json()[0]["description"]
        else:
            description = xml(response).find("error/description").text
        assert description.startswith(f"{name} 必须是真实存在的") and "ISO 8601" in description


def test_revoked_key_is_refused(anon, accounts):
    entry, key = services.open311_key_issue(user=accounts["xitong"], partner="即将吊销")
    services.open311_key_revoke(user=accounts["xitong"], entry=entry)
    response = post(anon, api_key=key, service_code=leaf_code(), lat="28.1", long="112.2", description="路灯坏了很久")
    assert response.status_code == 403


def test_commands_register_what_waits(api_key):
    import io
    import json

    from django.core.management import call_command

    partner = selectors.open311_key_valid(api_key)
    first, second = _submit(partner, "命令登记的第一条诉求"), _submit(partner, "时钟登记的第二条诉求")
    out = io.StringIO()
    call_command("open311_register", stdout=out)
    assert json.loads(out.getvalue()) == {"registered": 2}
    assert all(Open311Submission.objects.get(pk=s.pk).request_id for s in (first, second))
    third = _submit(partner, "时钟登记的第三条诉求")
    out = io.StringIO()
    call_command("service_clock", stdout=out)
    assert json.loads(out.getvalue())["open311_registered"] == 1
    assert Open311Submission.objects.get(pk=third.pk).request.text == "时钟登记的第三条诉求"


def test_the_served_county_registers_a_partner_post_by_itself(demo_server):
    """`qingche serve` starts the registrar: a POST's token leads to a number without anyone running a command."""
    import json
    import time
    import urllib.parse
    import urllib.request

    from conftest import TEST_OPEN311_KEY

    with urllib.request.urlopen(demo_server + BASE + "services.json") as response:
        code = json.loads(response.read())[0]["service_code"]
    body = urllib.parse.urlencode(
        {
            "api_key": TEST_OPEN311_KEY,
            "service_code": code,
            "lat": "28.1",
            "long": "112.2",
            "description": "服务器自己登记的诉求：路灯坏了",
        }
    ).encode()
    with urllib.request.urlopen(demo_server + BASE + "requests.json", data=body) as response:
        token = json.loads(response.read())[0]["token"]
    deadline = time.monotonic() + 20
    number = ""
    while not number and time.monotonic() < deadline:
        with urllib.request.urlopen(f"{demo_server}{BASE}tokens/{token}.json") as response:
            number = json.loads(response.read())[0]["service_request_id"]
        time.sleep(0.1)
    assert number, "the registrar did not register the submission"
    with urllib.request.urlopen(f"{demo_server}{BASE}requests/{number}.json") as response:
        assert json.loads(response.read())[0]["status"] == "open"


def test_control_characters_echoed_in_an_xml_error_keep_it_well_formed(anon, db):
    response = anon.get(BASE + "services/A%01%0BB.xml")
    assert response.status_code == 404
    assert xml(response).find("error/description").text == "service_code A\ufffd\ufffdB not found"
    token = anon.get(BASE + "tokens/%1F.xml")
    assert token.status_code == 404 and xml(token).tag == "errors"


@pytest.mark.parametrize("path", ["discovery.0%C3%B9", "services.JSON", "requests", "nothing/here.json"])
def test_an_unknown_open311_address_is_the_spec_error_list_not_a_page(anon, db, path):
    response = anon.get(BASE + path)
    assert response.status_code == 404 and response["Content-Type"].startswith("application/json")
    assert response.json()[0]["code"] == 404


def test_a_nul_character_is_a_400_on_every_database(anon, db, api_key):
    for path, query in (
        ("requests.json", {"service_request_id": "A\x00B"}),
        ("requests.xml", {"service_code": "\x00"}),
        ("services/A%00B.json", {}),
        ("tokens/%00.json", {}),
        ("requests/%00.json", {}),
    ):
        response = anon.get(BASE + path, query)
        assert response.status_code == 400, path
        text = (
            response.json()[0]["description"] if path.endswith("json") else xml(response).find("error/description").text
        )
        assert text == "请求中含有不允许的空字符（\\x00）。"
    before = Open311Submission.objects.count()
    posted = anon.post(
        BASE + "requests.json",
        {
            "api_key": api_key,
            "service_code": leaf_code(),
            "lat": "28.1",
            "long": "112.2",
            "description": "路灯坏了\x00很久",
        },
    )
    assert posted.status_code == 400 and Open311Submission.objects.count() == before


def test_a_post_costs_a_fixed_handful_of_queries(anon, api_key, town, django_assert_max_num_queries):
    """Deferred creation: the POST checks the submission and writes one row; registration is the registrar's."""
    fields = {"api_key": api_key, "service_code": leaf_code(), "address_string": f"{town.name}中心街"}
    assert post(anon, description="先热身：缓存就位", **fields).status_code == 200
    with django_assert_max_num_queries(8):
        assert post(anon, description="路灯坏了很久", **fields).status_code == 200
