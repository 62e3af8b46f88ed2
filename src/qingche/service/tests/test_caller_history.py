"""The caller's history: earlier requests from the same phone, found through the blind index, within the
reader's scope, on the hotline form (as the number is typed) and on a request's page."""

import pytest

from qingche.service import selectors

PHONE = "13307310099"  # a number the demo county never uses


@pytest.fixture
def calls(submit, other_town):
    first = submit(text="村里的自来水停了三天，一直没人来修。", citizen_phone=PHONE)
    second = submit(text="路口的路灯坏了，晚上很黑。", citizen_phone=f" {PHONE[:3]} {PHONE[3:7]} {PHONE[7:]} ")
    elsewhere = submit(text="集市的垃圾很多天没人清运。", citizen_phone=PHONE, town_id=other_town.pk)
    stranger = submit(text="广场的健身器材坏了。", citizen_phone="13307310098")
    return first, second, elsewhere, stranger


def test_the_same_number_in_any_spelling_finds_the_earlier_requests(accounts, calls):
    first, second, elsewhere, stranger = calls
    found = selectors.caller_history(accounts["rexian"], phone=f"{PHONE[:3]}-{PHONE[3:]}".replace("-", " "))
    assert [row.pk for row in found] == [elsewhere.pk, second.pk, first.pk]
    assert stranger.pk not in {row.pk for row in found}


def test_a_town_sees_only_the_callers_requests_in_its_scope(accounts, calls, other_town):
    from qingche.service import services

    first, second, elsewhere, _stranger = calls
    services.request_dispatch(user=accounts["rexian"], request=first, unit_id=first.town_id)
    services.request_dispatch(user=accounts["rexian"], request=elsewhere, unit_id=other_town.pk)
    found = {row.pk for row in selectors.caller_history(accounts["xiangzhen"], phone=PHONE)}
    assert first.pk in found  # dispatched to the town
    assert elsewhere.pk not in found and second.pk not in found  # another town's; not yet dispatched


def test_what_is_not_a_phone_number_finds_nothing(accounts, calls):
    assert selectors.caller_history(accounts["rexian"], phone="1330731") == []
    assert selectors.caller_history(accounts["rexian"], phone="") == []


def test_the_hotline_form_shows_the_history_as_the_number_is_typed(client_as, calls):
    client = client_as("rexian")
    form = client.get("/service/intake/").content.decode()
    assert 'id="caller-history"' in form and "/service/intake/history/" in form
    answer = client.post("/service/intake/history/", {"citizen_phone": PHONE})
    assert answer.status_code == 200
    html = answer.content.decode()
    assert html.count("data-history=") == 3
    assert "13307310099" not in html  # the number itself is not echoed
    empty = client.post("/service/intake/history/", {"citizen_phone": "13307310097"}).content.decode()
    assert "data-history=" not in empty


def test_only_accounts_that_take_calls_may_look_a_caller_up(client_as, calls):
    assert client_as("cungan").post("/service/intake/history/", {"citizen_phone": PHONE}).status_code == 403


def test_a_request_page_lists_the_callers_other_requests(client_as, calls):
    first, second, elsewhere, _stranger = calls
    html = client_as("rexian").get(f"/service/requests/{first.pk}/").content.decode()
    assert f'data-history="{second.number}"' in html and f'data-history="{elsewhere.number}"' in html
    assert f'data-history="{first.number}"' not in html
