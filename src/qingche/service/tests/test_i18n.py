"""Words of citizen requests in the reader's language: 签收 (a unit signing for a request) is never 验收
(a requester accepting finished work); refusals of the workflow rules and routing reasons are message ids
put into words when shown, so the English interface shows English and the Chinese one Chinese."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from qingche.service import rules, services
from qingche.service.models import RequestEvent, ServiceRequest
from qingche.tasks.models import Task

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(autouse=True)
def _language_restored():
    yield
    translation.deactivate()


def _speaking(user, language):
    user.language = language
    user.save(update_fields=["language"])
    return user


# -- 签收 and 验收 -----------------------------------------------------------------------------------
def test_accepted_is_signed_for_on_a_request_and_accepted_on_a_task():
    with translation.override("zh-hans"):
        assert str(ServiceRequest.Status.ACCEPTED.label) == "已签收"
        assert str(RequestEvent.Kind.ACCEPT.label) == "已签收"
        assert str(Task.Status.ACCEPTED.label) == "已验收"
    with translation.override("en"):
        assert str(ServiceRequest.Status.ACCEPTED.label) == "accepted"
        assert str(Task.Status.ACCEPTED.label) == "accepted"


@pytest.mark.django_db
def test_an_accepted_request_reads_signed_for_on_its_page(submit, accounts, town, client_as):
    request = submit()
    services.request_dispatch(user=accounts["rexian"], request=request, unit_id=town.pk)
    services.request_accept(user=accounts["xiangzhen"], request=request)
    page = client_as("xiangzhen").get(f"/service/requests/{request.pk}/").content.decode()
    assert 'data-status="accepted">已签收</span>' in page
    assert re.search(r'data-kind="accept">.*?<strong>已签收</strong>', page, re.S)
    assert "已验收" not in page


# -- refusals of the rules ----------------------------------------------------------------------------
def test_a_refused_transition_names_status_and_step_in_the_active_language():
    with pytest.raises(rules.RuleError) as error:
        rules.next_status(rules.CLOSED, "accept")
    with translation.override("zh-hans"):
        assert str(error.value) == "诉求当前为“已办结”，不能签收。"
    with translation.override("en"):
        assert str(error.value) == "Not possible while the request is “closed”: accept."


@pytest.mark.parametrize(
    "call",
    [
        lambda: rules.next_status(rules.DISPATCHED, "return", reason=" "),
        lambda: rules.next_status(rules.DISPATCHED, "return", reason="x", binding=True),
        lambda: rules.next_status(rules.ACCEPTED, "answer"),
        lambda: rules.next_status(rules.ANSWERED, "callback"),
        lambda: rules.next_status(rules.ANSWERED, "callback", solved=True, satisfaction="?"),
        lambda: rules.next_status(rules.CLOSED, "reopen", solved=True, satisfaction="satisfied"),
        lambda: rules.next_status(rules.NEW, "fly"),
        lambda: rules.clean_text("短"),
        lambda: rules.clean_text("长" * 6000),
        lambda: rules.check_coordinates(28.1, None, (27.0, 112.0, 29.0, 114.0)),
        lambda: rules.check_coordinates("x", "y", (27.0, 112.0, 29.0, 114.0)),
        lambda: rules.check_coordinates(40.0, 100.0, (27.0, 112.0, 29.0, 114.0)),
        lambda: rules.extend(None, 31, None),
    ],
)
def test_every_refusal_is_english_in_english_and_chinese_in_chinese(call):
    with pytest.raises(rules.RuleError) as error:
        call()
    with translation.override("en"):
        assert not CJK.search(str(error.value)), str(error.value)
    with translation.override("zh-hans"):
        assert CJK.search(str(error.value)), str(error.value)


@pytest.mark.django_db
def test_a_service_refusal_is_put_into_words_when_read(submit, accounts):
    request = submit()
    with translation.override("zh-hans"), pytest.raises(ValidationError) as error:  # not answered yet
        services.request_callback(user=accounts["rexian"], request=request, solved=True, satisfaction="satisfied")
    with translation.override("en"):
        assert error.value.message_dict["status"] == [
            "Not possible while the request is “waiting for dispatch”: callback."
        ]
    with translation.override("zh-hans"):
        assert error.value.message_dict["status"] == ["诉求当前为“待派单”，不能回访。"]


@pytest.mark.django_db
def test_the_api_refuses_in_the_language_asked_for(submit, api_as, accounts, town):
    request = submit()
    services.request_dispatch(user=accounts["rexian"], request=request, unit_id=town.pk)
    services.request_accept(user=accounts["xiangzhen"], request=request)
    api = api_as("xiangzhen")
    url = f"/api/v1/service/requests/{request.pk}/accept/"
    english = api.post(url, HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 400
    assert english.json()["status"] == ["Not possible while the request is “accepted”: accept."]
    chinese = api.post(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert chinese.status_code == 400 and chinese.json()["status"] == ["诉求当前为“已签收”，不能签收。"]


# -- routing reasons ------------------------------------------------------------------------------------
def _route():
    items = [rules.DutyMatch("JB-901", "村庄保洁和生活垃圾收集转运", "basic", ("垃圾", "保洁", "清运"))]
    return rules.suggest_route(
        text="村口垃圾没人清运",
        category_words=[],
        town_id=1,
        town_name="东河镇",
        items=items,
        county_office_id=9,
        county_office_name="县政府办公室",
    )


def test_a_routing_reason_is_made_in_the_active_language():
    route = _route()
    assert route.basis == "basic" and route.stored()["params"]["matched"] == ["垃圾", "清运"]
    with translation.override("zh-hans"):
        assert route.reason == (
            "东河镇职责清单 JB-901「村庄保洁和生活垃圾收集转运」为基本履职事项（匹配：垃圾、清运），由东河镇办理。"
        )
    with translation.override("en"):
        assert route.reason == (
            "Item JB-901 “村庄保洁和生活垃圾收集转运” of the duty list of 东河镇 is a basic duty "
            "(matched: 垃圾, 清运): 东河镇 handles it."
        )


def test_every_routing_basis_has_english_words():
    with translation.override("en"):
        for basis, template in rules.ROUTE_REASONS.items():
            text = rules.route_reason(
                basis, {"town": "T", "office": "O", "code": "C", "name": "N", "lead": "L", "matched": ["w"]}
            )
            assert text and not CJK.search(text), (basis, text)
            assert "%(" not in str(template) % {k: "" for k in ("town", "office", "code", "name", "lead", "words")}
    assert rules.route_reason("unknown", {}) == ""


@pytest.mark.django_db
def test_pages_show_the_routing_reason_in_the_readers_language(submit, duty_list, accounts, client_as, api_as):
    with translation.override("en"):  # submitted from an English page: the stored text is still Chinese
        request = submit()
    assert "基本履职事项" in request.route_reason and request.route_basis["basis"] == "basic"
    client = client_as("rexian")
    page = client.get(f"/service/requests/{request.pk}/").content.decode()
    assert re.search(r'id="route-reason">东河镇职责清单 JB-901「[^<]*」为基本履职事项', page)
    assert "route-reason" in client.get("/service/queue/", {"q": request.number}).content.decode()
    _speaking(accounts["rexian"], "en")
    page = client.get(f"/service/requests/{request.pk}/").content.decode()
    assert re.search(r'id="route-reason">Item JB-901 “[^<]*” of the duty list of 东河镇 is a basic duty', page)
    queue = client.get("/service/queue/", {"q": request.number}).content.decode()
    assert "of the duty list of 东河镇 is a basic duty" in queue
    data = api_as("rexian").get(f"/api/v1/service/requests/{request.pk}/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert data["route_reason"].startswith("Item JB-901")


@pytest.mark.django_db
def test_a_request_routed_before_the_basis_was_kept_shows_its_stored_reason(submit):
    request = submit()
    ServiceRequest.objects.filter(pk=request.pk).update(route_basis={}, route_reason="旧的派单理由")
    request.refresh_from_db()
    assert request.route_reason_shown == "旧的派单理由"
