"""Every demo account sees exactly its share of care records; a talk's note only the talker and 组织部."""

import pytest
from django.urls import reverse
from django.utils import timezone

from qingche.people import services
from qingche.people.tests.scope_expectations import EXPECTATIONS
from qingche.tasks.tests.test_scope import ACCOUNTS, listed_ids


@pytest.fixture
def own_talk(accounts):
    """A talk held by the town leader with the front-line account's person: the talker, 组织部 and the person
    talked with each see it differently."""
    return services.talk_record(
        user=accounts["xiangzhen"], person=accounts["yixian"].person, date=timezone.localdate(), kind="heart", note="n"
    )


@pytest.mark.django_db
@pytest.mark.parametrize("basename", sorted(EXPECTATIONS))
def test_list_endpoints_match_expectations(basename, accounts, api_as, own_talk):
    every = EXPECTATIONS[basename](accounts["admin"])
    url = reverse(f"{basename}-list")
    for name in ACCOUNTS:
        expected = EXPECTATIONS[basename](accounts[name])
        assert listed_ids(api_as(name), url) == expected, (basename, name)
        hidden = sorted(every - expected)
        if hidden:
            assert api_as(name).get(reverse(f"{basename}-detail", args=[hidden[0]])).status_code == 404


@pytest.mark.django_db
def test_notes_reach_only_talkers_and_org_department(accounts, own_talk):
    readers = {name for name in ACCOUNTS if own_talk.note.pk in EXPECTATIONS["talknote"](accounts[name])}
    assert readers <= {"xiangzhen", "zuzhibu", "admin"}
    assert {"xiangzhen", "zuzhibu"} <= readers
