"""Every demo account sees exactly its share of surveys: the builders the surveys their grants reach, everyone
else only the published surveys sent to their person; never a draft, never another unit's."""

import pytest
from django.urls import reverse
from django.utils import timezone

from qingche.surveys import selectors, services
from qingche.surveys.tests.scope_expectations import EXPECTATIONS
from qingche.tasks.tests.test_scope import ACCOUNTS, listed_ids


@pytest.fixture
def draft(accounts):
    """A draft survey sent to everyone: in the builders' list, in nobody's inbox."""
    user, today = accounts["zuzhibu"], timezone.localdate()
    return services.survey_create(
        user=user, unit=selectors.units_for_builder(user).first(), title="草稿", opens_on=today, closes_on=today
    )


@pytest.mark.django_db
@pytest.mark.parametrize("basename", sorted(EXPECTATIONS))
def test_list_endpoints_match_expectations(basename, accounts, api_as, draft):
    every = EXPECTATIONS[basename](accounts["admin"]) | {draft.pk}
    url = reverse(f"{basename}-list")
    for name in ACCOUNTS:
        expected = EXPECTATIONS[basename](accounts[name])
        assert listed_ids(api_as(name), url) == expected, (basename, name)
        if basename == "surveyinbox":
            assert draft.pk not in expected
        hidden = sorted(every - expected)
        if hidden:
            assert api_as(name).get(reverse(f"{basename}-detail", args=[hidden[0]])).status_code == 404
    assert EXPECTATIONS["survey"](accounts["zuzhibu"]) and EXPECTATIONS["surveyinbox"](accounts["yixian"])
