"""Where the request classifier is used (docs/classify.md, "Where it is used"): the hotline's intake form
pre-selects the suggested category, the citizens' form offers the three most likely in plain words, Open311's
generic service code gets the predicted category, and imported rows without a category get it too, marked
as predicted. Each works, and each degrades to "no suggestion" when no model is built.

The suggestions come from the model `make model` built under var/classifier/ (skipped without it, failed
under CI); "no model" is a var directory without one."""

import csv
import io
import re

import pytest
from django.test import Client

from qingche.service import services
from qingche.service.importers import COLUMNS, import_requests
from qingche.service.models import Category, ServiceRequest

POLLUTION = "村旁化工厂偷排污水，河水发黑发臭，鱼都死了"
WAGES = "公司拖欠我们农民工三个月工资，劳动监察大队不管"


@pytest.fixture
def built_model(db):
    from qingche.service.classify import store

    if store.current_name() is None:
        from conftest import require_or_skip

        require_or_skip("no classifier built: run `make model`")
    return store.load()


@pytest.fixture
def no_model(settings, tmp_path):
    settings.VAR_DIR = tmp_path


def _top(category: Category) -> str:
    return category.path_names[0]


def _suggested(html: str) -> Category | None:
    found = re.search(r'data-suggested="(\d+)"', html)
    return Category.objects.get(pk=found.group(1)) if found else None


# -- the hotline's intake form -------------------------------------------------------------------------------
def test_the_intake_form_asks_for_a_suggestion_as_the_operator_types(client_as, built_model):
    page = client_as("rexian").get("/service/intake/").content.decode()
    assert 'hx-post="/service/intake/suggest/"' in page and "delay:400ms from:#id_text" in page
    assert "service/category_suggestion.js" in page and "service/intake.js" in page
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)  # no inline script (Content-Security-Policy)


def test_the_suggestion_preselects_the_category_and_offers_three(client_as, built_model):
    response = client_as("rexian").post("/service/intake/suggest/", {"text": POLLUTION, "title": "污水"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-preselect="1"' in html and _top(_suggested(html)) == "环境保护"
    candidates = [Category.objects.get(pk=pk) for pk in re.findall(r'data-category="(\d+)"', html)]
    assert len(candidates) == 3 and len({_top(c) for c in candidates}) == 3
    assert all(not c.children.exists() for c in candidates)  # leaves, that a request can be filed under
    assert "%" in html  # the operator sees the confidences


def test_the_suggestion_is_for_accounts_that_register_requests(client, client_as, built_model):
    assert client.post("/service/intake/suggest/", {"text": POLLUTION}).status_code == 302
    assert client_as("shenji").post("/service/intake/suggest/", {"text": POLLUTION}).status_code == 403
    assert client_as("rexian").get("/service/intake/suggest/").status_code == 405


def test_without_a_model_the_forms_still_work_and_suggest_nothing(client_as, no_model, accounts, category):
    client = client_as("rexian")
    assert client.get("/service/intake/").status_code == 200
    response = client.post("/service/intake/suggest/", {"text": POLLUTION})
    assert response.status_code == 200 and "data-suggested" not in response.content.decode()
    assert Client().post("/service/submit/suggest/", {"text": POLLUTION}).status_code == 200
    registered = client.post("/service/intake/", {"category": category.pk, "text": POLLUTION})
    assert registered.status_code == 200 and "created-number" in registered.content.decode()


def test_too_little_text_suggests_nothing(client_as, built_model):
    response = client_as("rexian").post("/service/intake/suggest/", {"text": "你好"})
    assert response.status_code == 200 and "data-suggested" not in response.content.decode()


# -- the citizens' web form ------------------------------------------------------------------------------------
def test_the_public_form_offers_the_three_most_likely_in_plain_words(built_model, db):
    citizen = Client()
    page = citizen.get("/service/submit/").content.decode()
    assert 'hx-post="/service/submit/suggest/"' in page and "service/category_suggestion.js" in page
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)
    citizen.get("/service/submit/")  # the CSRF cookie, as a browser has it
    response = Client(enforce_csrf_checks=True).post("/service/submit/suggest/", {"text": WAGES})
    assert response.status_code == 403  # a cross-site POST is refused
    html = citizen.post("/service/submit/suggest/", {"text": WAGES}).content.decode()
    assert "data-preselect" not in html and "%" not in html  # a citizen chooses; no figures
    buttons = re.findall(r'data-category="(\d+)">([^<]+)</button>', html)
    assert len(buttons) == 3
    first = Category.objects.get(pk=buttons[0][0])
    assert _top(first) == "劳动和社会保障" and buttons[0][1] == first.full_name


# -- Open311's generic service code ----------------------------------------------------------------------------
@pytest.fixture
def api_key(db):
    _entry, key = services.open311_key_issue(user=None, partner="测试伙伴")
    return key


def test_open311_lists_the_generic_code_and_predicts_the_category(api_key, built_model):
    anon = Client()
    codes = [service["service_code"] for service in anon.get("/open311/v2/services.json").json()]
    assert codes[-1] == "general"
    assert anon.get("/open311/v2/services/general.json").json()["service_code"] == "general"
    response = anon.post(
        "/open311/v2/requests.json",
        {"api_key": api_key, "service_code": "general", "lat": "28.1", "long": "112.2", "description": WAGES},
    )
    assert response.status_code == 200, response.content
    services.open311_submissions_register()
    request = ServiceRequest.objects.get(token=response.json()[0]["token"])
    assert request.category_predicted and _top(request.category) == "劳动和社会保障"
    assert not request.category.children.exists()
    # a request with a chosen code is not marked
    code = Category.objects.filter(children__isnull=True, is_active=True).order_by("code").first().code
    chosen = anon.post(
        "/open311/v2/requests.json",
        {"api_key": api_key, "service_code": code, "lat": "28.1", "long": "112.2", "description": WAGES},
    )
    services.open311_submissions_register()
    assert not ServiceRequest.objects.get(token=chosen.json()[0]["token"]).category_predicted


def test_open311_generic_code_without_a_description_is_a_400(api_key, built_model):
    before = ServiceRequest.objects.count()
    response = Client().post(
        "/open311/v2/requests.xml",
        {"api_key": api_key, "service_code": "general", "lat": "28.1", "long": "112.2", "description": ""},
    )
    assert response.status_code == 400 and b"general" in response.content
    services.open311_submissions_register()
    assert ServiceRequest.objects.count() == before


def test_open311_without_a_model_has_no_generic_code(api_key, no_model):
    anon = Client()
    assert "general" not in [s["service_code"] for s in anon.get("/open311/v2/services.json").json()]
    assert anon.get("/open311/v2/services/general.json").status_code == 404
    response = anon.post(
        "/open311/v2/requests.json",
        {"api_key": api_key, "service_code": "general", "lat": "28.1", "long": "112.2", "description": WAGES},
    )
    assert response.status_code == 404


# -- the history import ----------------------------------------------------------------------------------------
def _history(category, *rows) -> io.BytesIO:
    handle = io.StringIO()
    writer = csv.DictWriter(handle, fieldnames=COLUMNS)
    writer.writeheader()
    for number, override in enumerate(rows, start=1):
        row = dict.fromkeys(COLUMNS, "")
        row.update(
            number=f"HP{number:011d}", submitted_at="2026-03-02 09:00", category_code=category.code, text=POLLUTION
        )
        row.update(override)
        writer.writerow(row)
    return io.BytesIO(handle.getvalue().encode())


def test_imported_rows_without_a_category_get_the_predicted_one(accounts, category, built_model):
    source = _history(category, {}, {"category_code": "", "text": WAGES, "title": "讨薪"})
    assert import_requests(user=accounts["rexian"], source=source, name="history.csv") == 2
    given, predicted = (
        ServiceRequest.objects.get(number="HP00000000001"),
        ServiceRequest.objects.get(number="HP00000000002"),
    )
    assert given.category == category and not given.category_predicted
    assert predicted.category_predicted and _top(predicted.category) == "劳动和社会保障"
    assert not predicted.category.children.exists()


def test_without_a_model_a_row_without_a_category_fails_the_import(accounts, category, no_model):
    from django.core.exceptions import ValidationError

    before = ServiceRequest.objects.count()
    with pytest.raises(ValidationError, match="category_code"):
        import_requests(
            user=accounts["rexian"], source=_history(category, {}, {"category_code": ""}), name="history.csv"
        )
    assert ServiceRequest.objects.count() == before


def test_the_dispatcher_sees_that_a_category_was_predicted(client_as, submit):
    request = submit()
    ServiceRequest.objects.filter(pk=request.pk).update(category_predicted=True)
    client = client_as("rexian")
    assert 'id="category-predicted"' in client.get(f"/service/requests/{request.pk}/").content.decode()
    ServiceRequest.objects.filter(pk=request.pk).update(category_predicted=False)
    assert 'id="category-predicted"' not in client.get(f"/service/requests/{request.pk}/").content.decode()


def test_the_api_says_whether_a_category_was_predicted(api_as, submit):
    request = submit()
    ServiceRequest.objects.filter(pk=request.pk).update(category_predicted=True)
    body = api_as("rexian").get(f"/api/v1/service/requests/{request.pk}/").json()
    assert body["category_predicted"] is True
