"""Every API list answers in a bounded number of queries: a page of 50 rows costs no more queries than a
page of 5 (no query per row), and no list needs more than a fixed handful. Endpoints are taken from the
router itself, so a new list is checked without being named here."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import mark_otp_verified
from qingche.api_urls import router

MAX_QUERIES = 20  # session, account, grants, count, page, related rows and per-unit index sources, with room
# Lists whose cost grows with something other than rows, and by how much at most between the two pages.
GROWTH_ALLOWED = {
    # each person source is read once per unit on the page (2 units more), and the rate sources (standing
    # duties, apps) once per unit too: batching them over units is left to do (issue 15)
    "/api/v1/burden/person-index/": 6,
}


def _list_urls():
    urls = []
    for prefix, viewset, _basename in router.registry:
        if "list" in getattr(viewset, "http_method_names", ["get"]) or hasattr(viewset, "list"):
            urls.append(f"/api/v1/{prefix}/")
    return urls


def _queries(api, url):
    with CaptureQueriesContext(connection) as captured:
        response = api.get(url)
    return response, len(captured.captured_queries)


@pytest.mark.parametrize("url", _list_urls())
def test_api_list_costs_the_same_queries_for_5_or_50_rows(url, accounts):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_login(accounts["admin"])
    mark_otp_verified(api, accounts["admin"])
    api.get(url)  # warm the per-process caches (parameters, permissions) that a served worker keeps
    small, small_count = _queries(api, url + "?page_size=5")
    large, large_count = _queries(api, url + "?page_size=50")
    assert small.status_code == large.status_code == 200, url
    rows = large.json().get("results", large.json()) if isinstance(large.json(), dict) else large.json()
    growth = GROWTH_ALLOWED.get(url, 1)
    assert large_count <= small_count + growth, f"{url}: {small_count} queries, 5 rows; {large_count}, {len(rows)}"
    assert large_count <= MAX_QUERIES + growth - 1, f"{url}: {large_count} queries"


def test_the_router_lists_the_endpoints_this_test_walks():
    assert len(_list_urls()) >= 20


def _page_queries(client, url) -> int:
    assert client.get(url).status_code == 200  # warm the per-process caches
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_the_task_page_reads_a_fixed_handful_of_queries(client_as, accounts):
    from qingche.tasks.models import Task

    task = Task.objects.visible_to(accounts["xiangzhen"]).order_by("id").first()
    assert _page_queries(client_as("xiangzhen"), f"/tasks/task/{task.pk}/") <= 16  # 12 today


def test_the_burden_unit_page_reads_a_fixed_handful_of_queries(client_as):
    from qingche.org.models import Unit

    client = client_as("jianfuban")
    for unit in (Unit.objects.filter(depth=1).first(), Unit.objects.filter(kind="town").order_by("path").first()):
        assert _page_queries(client, f"/burden/units/{unit.pk}/") <= 20  # 16 today, county and town alike


# -- pages of issue 15 (bench/pages.py): a fixed handful of queries whatever the number of rows shown --------
def test_the_callback_page_reads_a_fixed_handful_of_queries(client_as):
    # Three lists of requests, each one query with its units and category (none per row: the fields a
    # list leaves out are never read), and the callback list is paged.
    client = client_as("rexian")
    assert _page_queries(client, "/service/callbacks/") <= 12  # 8 today
    assert _page_queries(client, "/service/callbacks/?page=2") <= 12


def test_the_dispatch_queue_reads_a_fixed_handful_of_queries(client_as):
    assert _page_queries(client_as("rexian"), "/service/queue/") <= 10  # 6 today


def test_the_appraisal_cycle_pages_read_a_fixed_handful_of_queries(client_as):
    from qingche.appraisal.models import AppraisalCycle

    client = client_as("zuzhibu")
    for cycle in AppraisalCycle.objects.all():
        assert _page_queries(client, f"/appraisal/cycles/{cycle.pk}/") <= 20  # 15 today
        assert _page_queries(client, f"/appraisal/cycles/{cycle.pk}/results/") <= 14  # 10 today


def test_the_people_export_reads_a_fixed_handful_of_queries_and_decrypts_nothing(client_as, monkeypatch):
    from qingche.core import pii

    def refuse(value):
        raise AssertionError("the people export decrypted a value: it shows the masked copies")

    client = client_as("zuzhibu")
    monkeypatch.setattr(pii, "decrypt", refuse)
    # 6 and one chunk of people, and the export's audit event with its place in the hash chain
    assert _page_queries(client, "/org/people/?export=xlsx") <= 12


def test_the_county_burden_dashboard_and_ranking_read_a_fixed_handful_of_queries(client_as):
    # Every town's index from one rollup query, whatever the number of towns and sources.
    client = client_as("jianfuban")
    assert _page_queries(client, "/burden/") <= 20  # 12, and the standing duties, apps and quota of every town
    assert _page_queries(client, "/burden/ranking/") <= 14  # 7, the months of the picker and the rate sources


def test_the_appraisal_outcomes_decrypt_nothing(client_as, monkeypatch):
    # Four tables of names and grades for a whole county: decrypting each person's ID number and phone
    # cost more than everything else on the page.
    from qingche.core import pii

    def refuse(value):
        raise AssertionError("the outcomes page decrypted a value: it shows names only")

    client = client_as("zuzhibu")
    monkeypatch.setattr(pii, "decrypt", refuse)
    assert _page_queries(client, "/appraisal/outcomes/") <= 24  # 16 today


LEAVE_PLAN_QUERIES = 16  # 11 (zuzhibu) and 12 (admin) today
TALKS_QUERIES = 17  # 13 today: flags, recent talks and the overdue people, two lists paged
MY_RATINGS_QUERIES = 14  # 10 today
ACCOUNTS_QUERIES = 19  # 14 today, with the select of every person without an account


def _refuse_decrypting(monkeypatch, page: str):
    from qingche.core import pii

    def refuse(value):
        raise AssertionError(f"{page} decrypted a value: it shows names only")

    monkeypatch.setattr(pii, "decrypt", refuse)


def test_the_leave_plan_and_talks_read_a_fixed_handful_of_queries_and_decrypt_nothing(client_as, monkeypatch):
    # Every person the organisation department sees is read once (with their unit), never their ID number
    # or phone; the leave parameters are read once, not per person; the open flags are paged.
    _refuse_decrypting(monkeypatch, "the leave plan or talks page")
    for username in ("zuzhibu", "admin"):
        client = client_as(username)
        assert _page_queries(client, "/people/leave/") <= LEAVE_PLAN_QUERIES
        assert _page_queries(client, "/people/leave/?page=2") <= LEAVE_PLAN_QUERIES
        assert _page_queries(client, "/people/talks/") <= TALKS_QUERIES
        assert _page_queries(client, "/people/talks/?flags_page=2&page=2") <= TALKS_QUERIES


def test_my_ratings_are_paged_in_a_fixed_handful_of_queries(client_as):
    from qingche.appraisal import selectors

    client = client_as("admin")
    assert _page_queries(client, "/appraisal/rate/") <= MY_RATINGS_QUERIES
    response = client.get("/appraisal/rate/")
    shown = response.content.decode().count("data-rating=")
    assert shown == min(selectors.open_ratings(response.wsgi_request.user).count(), 50)


def test_the_accounts_page_reads_a_fixed_handful_of_queries(client_as):
    # The person select holds every person without an account: one query, written in one pass.
    assert _page_queries(client_as("admin"), "/org/accounts/") <= ACCOUNTS_QUERIES


def test_the_outcome_tables_are_paged_each_on_its_own(client_as):
    client = client_as("zuzhibu")
    assert _page_queries(client, "/appraisal/outcomes/?pay_page=2&rank_page=2") <= 24  # 18 today
    page = client.get("/appraisal/outcomes/").content.decode()
    assert page.count("<tr>") <= 4 * 51  # a heading and at most 50 lines a table
