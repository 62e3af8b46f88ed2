"""Every demo account sees exactly its share of accountability records: 纪检/组织部 by unit, the person concerned
their own, nobody else anything (the scope matrix in org/tests runs the same expectations over every endpoint)."""

import pytest
from django.urls import reverse

from qingche.accountability.tests.scope_expectations import EXPECTATIONS
from qingche.demo.builder import DEMO_ACCOUNTS
from qingche.tasks.tests.test_scope import listed_ids

ACCOUNTS = [username for username, _role, _where in DEMO_ACCOUNTS]


@pytest.mark.django_db
@pytest.mark.parametrize("basename", sorted(EXPECTATIONS))
def test_list_endpoints_match_expectations(basename, accounts, api_as):
    every = EXPECTATIONS[basename](accounts["admin"])
    url = reverse(f"{basename}-list")
    for name in ACCOUNTS:
        expected = EXPECTATIONS[basename](accounts[name])
        assert listed_ids(api_as(name), url) == expected, (basename, name)
        hidden = sorted(every - expected)
        if hidden:
            assert api_as(name).get(reverse(f"{basename}-detail", args=[hidden[0]])).status_code == 404


@pytest.mark.django_db
def test_cases_are_read_only_by_discipline_org_department_and_the_people_concerned(accounts):
    every = EXPECTATIONS["accountabilitycase"](accounts["admin"])
    assert len(every) >= 12  # the demo's dozen
    readers = {name for name in ACCOUNTS if EXPECTATIONS["accountabilitycase"](accounts[name]) == every}
    assert readers == {"admin", "jijian", "zuzhibu"}
    # the demo town leader and front-line account each read exactly the case that concerns them
    for name in ("xiangzhen", "yixian"):
        assert len(EXPECTATIONS["accountabilitycase"](accounts[name])) == 1, name
    # nobody else reads any
    for name in set(ACCOUNTS) - {"admin", "jijian", "zuzhibu", "xiangzhen", "yixian"}:
        assert not EXPECTATIONS["accountabilitycase"](accounts[name]), name
