"""Building, publishing, answering and closing surveys on the demo county: anonymity of what is stored, one
answer per person, targeting, permissions, the audit trail."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from qingche.core.models import AuditEvent
from qingche.org.models import Person
from qingche.surveys import rules, selectors, services
from qingche.surveys.models import AnsweredMark, Response, Survey

pytestmark = pytest.mark.django_db


def _survey(user, today, *, anonymous=True, **extra):
    survey = services.survey_create(
        user=user,
        unit=selectors.units_for_builder(user).first(),
        title="测试问卷",
        opens_on=today,
        closes_on=today + dt.timedelta(days=7),
        anonymous=anonymous,
        **extra,
    )
    services.question_add(user=user, survey=survey, kind="single", text="是否满意？", choices=["是", "否"])
    services.question_add(user=user, survey=survey, kind="text", text="建议", required=False)
    return services.survey_publish(user=user, survey=survey)


@pytest.fixture
def today():
    from django.utils import timezone

    return timezone.localdate()


def _first_question(survey):
    return str(selectors.questions(survey)[0].pk)


def test_an_anonymous_answer_keeps_no_link_to_its_person(accounts, today):
    survey = _survey(accounts["zuzhibu"], today)
    yixian = accounts["yixian"]
    before = AuditEvent.objects.count()
    services.response_submit(user=yixian, survey=survey, answers={_first_question(survey): 0})
    response = Response.objects.get(survey=survey)
    assert response.person_id is None
    assert {field.name for field in Response._meta.concrete_fields} == {
        "id",
        "survey",
        "person",
        "unit",
        "category",
        "answers",
    }
    assert response.id.version == 4  # a random key: no order of answering
    assert response.unit.depth == 2  # the town, never the village or office
    mark = AnsweredMark.objects.get(survey=survey)
    assert str(yixian.person.pk) not in mark.key and len(mark.key) == 64
    events = AuditEvent.objects.order_by("id")[before:]
    assert [event.action for event in events] == ["answer"]
    assert str(response.pk) not in str(events[0].after) and events[0].object_id == str(survey.pk)
    with pytest.raises(ValidationError):
        services.response_submit(user=yixian, survey=survey, answers={_first_question(survey): 1})
    assert Response.objects.filter(survey=survey).count() == 1


def test_a_named_answer_is_once_per_person(accounts, today):
    survey = _survey(accounts["jianfuban"], today, anonymous=False)
    services.response_submit(user=accounts["xiangzhen"], survey=survey, answers={_first_question(survey): 1})
    assert Response.objects.get(survey=survey).person == accounts["xiangzhen"].person
    assert not AnsweredMark.objects.filter(survey=survey).exists()
    with pytest.raises(ValidationError):
        services.response_submit(user=accounts["xiangzhen"], survey=survey, answers={_first_question(survey): 1})


def test_answers_are_checked_and_only_the_targeted_answer(accounts, today):
    yixian = accounts["yixian"]
    other = [c for c in Person.Category.values if c != yixian.person.category][0]
    survey = _survey(accounts["zuzhibu"], today, target_categories=[other])
    with pytest.raises(PermissionDenied):
        services.response_submit(user=yixian, survey=survey, answers={_first_question(survey): 0})
    survey = _survey(accounts["zuzhibu"], today)
    with pytest.raises(ValidationError) as error:
        services.response_submit(user=yixian, survey=survey, answers={_first_question(survey): 5})
    assert f"q{_first_question(survey)}" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.response_submit(user=yixian, survey=survey, answers={})
    assert survey.pk in {s.pk for s in selectors.inbox(yixian)}


def test_only_builders_build_and_a_published_survey_is_frozen(accounts, today):
    with pytest.raises(PermissionDenied):
        services.survey_create(
            user=accounts["xiangzhen"],
            unit=accounts["xiangzhen"].person.unit,
            title="x",
            opens_on=today,
            closes_on=today,
        )
    survey = _survey(accounts["zuzhibu"], today)
    with pytest.raises(ValidationError):
        services.question_add(user=accounts["zuzhibu"], survey=survey, kind="text", text="再加一题")
    with pytest.raises(PermissionDenied):  # a town does not run surveys
        services.survey_close(user=accounts["xiangzhen"], survey=survey)
    with pytest.raises(ValidationError):
        services.question_add(
            user=accounts["zuzhibu"], survey=survey, kind="single", text="只有一个选项", choices=["是"]
        )


def test_results_only_after_closing_and_closing_reshuffles(accounts, today):
    survey = _survey(accounts["zuzhibu"], today)
    services.response_submit(user=accounts["yixian"], survey=survey, answers={_first_question(survey): 0})
    assert selectors.results(survey) is None
    key = Response.objects.get(survey=survey).pk
    survey = services.survey_close(user=accounts["zuzhibu"], survey=survey)
    assert Response.objects.filter(survey=survey).count() == 1 and Response.objects.get(survey=survey).pk != key
    result = selectors.results(survey)
    assert result is not None and not result["shown"]  # one respondent: nothing shown
    with pytest.raises(ValidationError):
        services.response_submit(user=accounts["xiangzhen"], survey=survey, answers={_first_question(survey): 0})


def test_from_template_and_the_demo_surveys(accounts, today):
    survey = services.survey_from_preset(
        user=accounts["zuzhibu"],
        unit=selectors.units_for_builder(accounts["zuzhibu"]).first(),
        preset="town_cadre",
        opens_on=today,
        closes_on=today,
    )
    texts = [q.text for q in selectors.questions(survey)]
    assert any("县直机关" in text for text in texts) and any("培训" in text for text in texts)
    assert any("工作时间" in text for text in texts)
    with pytest.raises(ValidationError):
        services.survey_from_preset(
            user=accounts["zuzhibu"], unit=survey.unit, preset="nope", opens_on=today, closes_on=today
        )
    cadre = Survey.objects.get(preset="town_cadre", anonymous=True, status="closed")
    assert selectors.state(cadre) == rules.CLOSED
    assert not Response.objects.filter(survey=cadre, person__isnull=False).exists()
    assert AnsweredMark.objects.filter(survey=cadre).count() == Response.objects.filter(survey=cadre).count() > 20
    result = selectors.results(cadre)
    assert result["shown"]
    rows = result["questions"][0]["by_unit"]
    assert any(row["figures"] is None for row in rows) and any(row["figures"] for row in rows)
    burden = Survey.objects.get(preset="burden")
    assert selectors.state(burden) == rules.OPEN and not burden.anonymous
    assert Response.objects.filter(survey=burden, person__isnull=False).count() > 20


def test_a_survey_past_its_date_is_sealed_before_its_results_are_read(accounts, today, client_as):
    survey = _survey(accounts["zuzhibu"], today)
    services.response_submit(user=accounts["yixian"], survey=survey, answers={_first_question(survey): 0})
    key = Response.objects.get(survey=survey).pk
    Survey.objects.filter(pk=survey.pk).update(
        opens_on=today - dt.timedelta(days=9), closes_on=today - dt.timedelta(days=1)
    )
    assert client_as("zuzhibu").get(f"/surveys/{survey.pk}/results/").status_code == 200
    assert Survey.objects.get(pk=survey.pk).status == "closed"
    assert Response.objects.get(survey=survey).pk != key
