"""Scope matrix of the requests API and pages: each demo account sees exactly what its grants reach,
and the public tracking page shows nothing personal."""

import pytest

from qingche.service.models import ServiceRequest
from qingche.service.tests.scope_expectations import EXPECTATIONS

ACCOUNTS = [
    "admin",
    "xitong",
    "anquan",
    "shenji",
    "jianfuban",
    "zuzhibu",
    "bumen",
    "xiangzhen",
    "cungan",
    "yixian",
    "rexian",
]


def listed_ids(api, url):
    ids, page = set(), url + "?page_size=1000"
    while page:
        response = api.get(page)
        if response.status_code == 403:
            return set()
        assert response.status_code == 200
        body = response.json()
        ids |= {row["id"] for row in body["results"]}
        page = body["next"]
    return ids


@pytest.mark.parametrize("username", ACCOUNTS)
def test_request_list_matches_the_grants(api_as, accounts, username):
    user = accounts[username]
    expected = EXPECTATIONS["service-request"](user)
    api = api_as(username)
    # the whole list is long: compare every open request exactly, the total by count, and one detail outside
    seen = set()
    for status in ("new", "dispatched", "accepted", "in_progress", "answered", "returned", "arbitration"):
        seen |= listed_ids(api, f"/api/v1/service/requests/?status={status}")
    open_expected = set(
        ServiceRequest.objects.filter(pk__in=expected)
        .exclude(status__in=("closed", "merged"))
        .values_list("pk", flat=True)
    )
    assert seen == open_expected
    count = api.get("/api/v1/service/requests/").json().get("count", 0) if expected else 0
    assert count == len(expected)
    outside = ServiceRequest.objects.exclude(pk__in=expected).order_by("pk").first()
    if outside is not None:
        assert api.get(f"/api/v1/service/requests/{outside.pk}/").status_code in (403, 404)


def test_town_sees_only_its_requests(api_as, accounts, town):
    rows = api_as("xiangzhen").get("/api/v1/service/requests/?status=in_progress").json()["results"]
    assert rows
    found = ServiceRequest.objects.filter(pk__in=[r["id"] for r in rows]).values_list("unit__path", "intake_unit__path")
    assert all(
        (handled or "").startswith(town.path) or (registered or "").startswith(town.path)
        for handled, registered in found
    )
    assert all("*" in row["citizen_phone"] for row in rows)


def test_page_detail_out_of_scope_is_404(client_as, other_town):
    outside = ServiceRequest.objects.filter(unit=other_town).first()
    assert client_as("xiangzhen").get(f"/service/requests/{outside.pk}/").status_code == 404
