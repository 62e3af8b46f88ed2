"""Every demo account × every appraisal list endpoint returns exactly the hand-computed set, and the
detail of anything outside it is 404."""

import pytest
from django.urls import reverse

from qingche.appraisal.models import Appeal, AppraisalCycle, AppraisalScheme, Appraisee, RaterFlag, Rating
from qingche.appraisal.tests.scope_expectations import EXPECTATIONS

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
MODELS = {
    "appraisal-scheme": AppraisalScheme,
    "appraisal-cycle": AppraisalCycle,
    "appraisal-result": Appraisee,
    "appraisal-rating": Rating,
    "appraisal-appeal": Appeal,
    "appraisal-rater-flag": RaterFlag,
}


def _listed(api, basename):
    url, ids = reverse(f"{basename}-list") + "?page_size=1000", set()
    while url:
        response = api.get(url)
        assert response.status_code == 200, (url, response.status_code)
        ids |= {row["id"] for row in response.data["results"]}
        url = response.data["next"]
    return ids


@pytest.fixture
def an_appeal(accounts):
    """yixian appeals their own annual result, so that the appeal endpoint has a row to scope."""
    from qingche.appraisal import services

    own = Appraisee.objects.filter(person__account=accounts["yixian"], cycle__status="publicity").first()
    return services.appeal_file(user=accounts["yixian"], appraisee=own, reason="我本年度承担了两项重点工作，请求复核")


@pytest.mark.django_db
@pytest.mark.parametrize("username", ACCOUNTS)
def test_every_list_endpoint_shows_exactly_the_expected_set(api_as, accounts, username, an_appeal):
    user = accounts[username]
    api = api_as(username)
    for basename, expected in EXPECTATIONS.items():
        want = expected(user)
        got = _listed(api, basename)
        assert got == want, (username, basename, sorted(got ^ want)[:10])
        outside = MODELS[basename].objects.exclude(pk__in=want).values_list("pk", flat=True).first()
        if outside is not None:
            response = api.get(reverse(f"{basename}-detail", args=[outside]))
            assert response.status_code == 404, (username, basename, outside, response.status_code)


@pytest.mark.django_db
def test_expectations_are_not_trivial(accounts, an_appeal):
    """The demo gives every rule something to decide."""
    assert EXPECTATIONS["appraisal-result"](accounts["zuzhibu"]) > EXPECTATIONS["appraisal-result"](
        accounts["xiangzhen"]
    )
    town = EXPECTATIONS["appraisal-result"](accounts["xiangzhen"])
    assert town and all(Appraisee.objects.get(pk=pk).cycle.status == "publicity" for pk in town)
    assert len(EXPECTATIONS["appraisal-result"](accounts["yixian"])) == 1
    assert EXPECTATIONS["appraisal-rating"](accounts["yixian"])
    assert EXPECTATIONS["appraisal-rater-flag"](accounts["zuzhibu"])
    assert not EXPECTATIONS["appraisal-rater-flag"](accounts["xiangzhen"])
    assert EXPECTATIONS["appraisal-cycle"](accounts["cungan"]) == EXPECTATIONS["appraisal-cycle"](accounts["zuzhibu"])
    assert EXPECTATIONS["appraisal-appeal"](accounts["yixian"]) == {an_appeal.pk}
    assert EXPECTATIONS["appraisal-appeal"](accounts["zuzhibu"]) == {an_appeal.pk}
    assert not EXPECTATIONS["appraisal-appeal"](accounts["xiangzhen"])
