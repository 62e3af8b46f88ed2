"""Every demo account sees exactly its share of duty lists and items; a draft stays within scope."""

import pytest
from django.urls import reverse

from qingche.duties import services
from qingche.duties.models import DutyList
from qingche.duties.tests.scope_expectations import EXPECTATIONS
from qingche.tasks.tests.test_scope import ACCOUNTS, listed_ids


@pytest.fixture
def with_draft(accounts):
    town = DutyList.objects.filter(status="published").order_by("-unit__path").first().unit
    return services.duty_list_draft(user=accounts["jianfuban"], unit=town)


@pytest.mark.django_db
@pytest.mark.parametrize("basename", sorted(EXPECTATIONS))
def test_list_endpoints_match_expectations(basename, accounts, api_as, with_draft):
    model_ids = EXPECTATIONS[basename](accounts["admin"])
    url = reverse(f"{basename}-list")
    for name in ACCOUNTS:
        expected = EXPECTATIONS[basename](accounts[name])
        if basename == "dutyitem":  # walk one list's items only: the same rule, a fraction of the pages
            ids, page = set(), 1
            while True:
                body = api_as(name).get(url, {"duty_list": with_draft.pk, "page": page}).json()
                ids |= {row["id"] for row in body.get("results", [])}
                if not body.get("next"):
                    break
                page += 1
            draft_items = set(with_draft.items.values_list("id", flat=True))
            assert ids == expected & draft_items, (basename, name)
        else:
            assert listed_ids(api_as(name), url) == expected, (basename, name)
        hidden = sorted(model_ids - expected)
        if hidden:
            assert api_as(name).get(reverse(f"{basename}-detail", args=[hidden[0]])).status_code == 404
