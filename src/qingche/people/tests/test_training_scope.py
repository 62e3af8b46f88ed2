"""Training rows beyond the demo's: a draft plan shows only to its organiser, and an answer to a needs survey
only to the person who gave it — not their town leader, not 组织部 (they see counts)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from qingche.people import selectors_training
from qingche.people import services_training as services
from qingche.people.tests.scope_expectations import EXPECTATIONS
from qingche.tasks.tests.test_scope import listed_ids

pytestmark = pytest.mark.django_db


def test_draft_plans_and_answers_reach_only_their_owner(accounts, api_as):
    org, yixian = accounts["zuzhibu"], accounts["yixian"]
    unit = selectors_training.organiser_unit(org)
    draft = services.plan_create(user=org, unit=unit, year=timezone.localdate().year, title="草稿")
    survey = services.survey_create(
        user=org,
        unit=unit,
        year=timezone.localdate().year,
        title="调查",
        topics=["甲", "乙"],
        closes_on=timezone.localdate() + dt.timedelta(days=3),
    )
    answer = services.survey_answer(user=yixian, survey=survey, topics=["甲"])
    for name in ("zuzhibu", "xiangzhen", "yixian"):
        plans = listed_ids(api_as(name), reverse("trainingplan-list"))
        assert plans == EXPECTATIONS["trainingplan"](accounts[name])
        assert (draft.pk in plans) == (name == "zuzhibu")
        answers = listed_ids(api_as(name), reverse("needsanswer-list"))
        assert answers == EXPECTATIONS["needsanswer"](accounts[name])
        assert (answer.pk in answers) == (name == "yixian")
    assert api_as("xiangzhen").get(reverse("needsanswer-detail", args=[answer.pk])).status_code == 404


def test_check_in_through_the_api_refuses_a_wrong_code(api_as):
    response = api_as("yixian").post(reverse("enrolment-check-in"), {"code": "000000"}, format="json")
    assert response.status_code == 400 and "签到码" in str(response.json())
