"""Pay tables reach only the unit's leaders and the organisation department (or a 人社 role given the
permission); rank histories reach the person themself, their unit's leaders and 组织部."""

import pytest
from django.urls import reverse

from qingche.people.models_careers import PayPool, RankChange
from qingche.people.tests.scope_expectations import EXPECTATIONS
from qingche.tasks.tests.test_scope import listed_ids


@pytest.mark.django_db
def test_pay_pools_only_for_leaders_and_org_department(accounts, api_as, client_as):
    every = set(PayPool.objects.values_list("pk", flat=True))
    assert every, "the demo has a pool per town"
    assert listed_ids(api_as("zuzhibu"), reverse("paypool-list")) == every
    town_pools = listed_ids(api_as("xiangzhen"), reverse("paypool-list"))
    town = accounts["xiangzhen"].role_grants.first().unit
    assert town_pools == set(PayPool.objects.filter(unit__path__startswith=town.path).values_list("pk", flat=True))
    assert len(town_pools) == 1
    for name in ("yixian", "cungan", "rexian", "jianfuban", "xitong"):
        assert EXPECTATIONS["paypool"](accounts[name]) == set()
        response = api_as(name).get(reverse("paypool-list"))
        assert response.status_code == 403 or not response.json()["results"], name
        assert client_as(name).get(reverse("people:careers_pay")).status_code == 403
    other = PayPool.objects.exclude(pk__in=town_pools).first()
    assert client_as("xiangzhen").get(reverse("people:careers_pay_detail", args=[other.pk])).status_code == 404


@pytest.mark.django_db
def test_a_person_sees_their_own_rank_history_only(accounts, api_as):
    me = accounts["yixian"].person
    mine = set(RankChange.objects.filter(person=me).values_list("pk", flat=True))
    assert listed_ids(api_as("yixian"), reverse("rankchange-list")) == mine
