"""Every demo account × every burden list endpoint returns exactly the hand-computed set; detail of
an out-of-scope record is 404."""

import pytest

from qingche.burden.tests.scope_expectations import EXPECTATIONS

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
PREFIX = {
    "burden-plan-item": "plan-items",
    "burden-inspection": "inspections",
    "burden-meeting": "meetings",
    "burden-document": "documents",
    "burden-app": "apps",
    "burden-overtime": "overtime",
    "burden-catalog-field": "catalog",
    "burden-report-form": "forms",
    "burden-form-fill": "fills",
    "burden-alert": "alerts",
    "burden-report": "reports",
    "burden-person-index": "person-index",
    "burden-fund": "funds",
    "burden-staffing-request": "staffing-requests",
}


def _ids(api, url):
    found, page = set(), url + "?page_size=1000"
    while page:
        response = api.get(page)
        if response.status_code == 403:
            return set()
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        body = response.json()
        found |= {row["id"] for row in body["results"]}
        page = body["next"]
    return found


@pytest.mark.django_db
@pytest.mark.parametrize("basename", sorted(EXPECTATIONS))
def test_each_account_sees_exactly_its_scope(basename, accounts, api_as):
    from qingche.burden.tests import scope_expectations as expectations

    model = expectations.EXPECTATIONS[basename]
    url = f"/api/v1/burden/{PREFIX[basename]}/"
    everything = set()
    for username in ACCOUNTS:
        user = accounts[username]
        expected = model(user)
        everything |= expected
        seen = _ids(api_as(username), url)
        assert seen == expected, (basename, username, len(seen), len(expected))
    # Detail of a record the account cannot see is 404 (or 403 without the permission at all).
    for username in ("bumen", "xiangzhen", "cungan", "yixian"):
        hidden = sorted(everything - model(accounts[username]))
        if hidden:
            response = api_as(username).get(f"{url}{hidden[0]}/")
            assert response.status_code in (403, 404), (basename, username, response.status_code)


@pytest.mark.django_db
def test_scope_is_not_trivial(accounts):
    """The demo data makes the matrix mean something: a department and a town each see some but not all."""
    inspections = EXPECTATIONS["burden-inspection"]
    every = inspections(accounts["admin"])
    for username in ("bumen", "xiangzhen"):
        seen = inspections(accounts[username])
        assert seen and seen < every, username
    assert EXPECTATIONS["burden-report"](accounts["xiangzhen"]) == set()
    funds = EXPECTATIONS["burden-fund"]
    assert funds(accounts["xiangzhen"]) and funds(accounts["xiangzhen"]) < funds(accounts["zuzhibu"])
