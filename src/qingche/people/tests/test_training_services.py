"""The training flow through the services, as 组织部, a town and a front-line worker would go through it:
a plan published, a person nominated and confirmed, attendance by list, by Excel and by check-in — each
refused for someone not enrolled — the assessment, and what it counts for in coverage and appraisal.
Also compensatory rest against confirmed overtime, leave carried over, and the daily overload command."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from openpyxl import Workbook

from qingche.burden.models import OvertimeEntry
from qingche.core import parameters
from qingche.org.models import Person
from qingche.people import selectors, selectors_training
from qingche.people import services_training as services
from qingche.people.models import CompensatoryRest, Enrolment, TrainingSession

pytestmark = pytest.mark.django_db


@pytest.fixture
def org_unit(accounts):
    return selectors_training.organiser_unit(accounts["zuzhibu"])


@pytest.fixture
def flow(accounts, org_unit):
    """A published plan with one session tomorrow; yixian nominated by the town and confirmed by 组织部; then
    the session is moved to today (so attendance can be taken)."""
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    org, town = accounts["zuzhibu"], accounts["xiangzhen"]
    plan = services.plan_create(user=org, unit=org_unit, year=tomorrow.year, title="测试计划")
    session = services.session_add(
        user=org, plan=plan, topic="测试专题", mode="central", hours=6, start=tomorrow, end=tomorrow, capacity=5
    )
    with pytest.raises(ValidationError):
        services.enrolment_nominate(user=town, session=session, person=accounts["yixian"].person)  # not published
    services.plan_publish(user=org, plan=plan)
    enrolment = services.enrolment_nominate(user=town, session=session, person=accounts["yixian"].person)
    services.enrolment_decide(user=org, enrolment=enrolment, confirm=True)
    today = timezone.localdate()
    TrainingSession.objects.filter(pk=session.pk).update(start=today, end=today)
    session.refresh_from_db()
    return session


def _outsider(session, accounts):
    """Someone in the town who is not on the session."""
    enrolled = session.enrolments.values("person_id")
    return selectors.people(accounts["xiangzhen"]).exclude(pk__in=enrolled).exclude(account__isnull=False).first()


def test_only_the_organiser_plans_and_a_town_cannot(accounts, org_unit):
    with pytest.raises(PermissionDenied):
        services.plan_create(user=accounts["xiangzhen"], unit=org_unit, year=2026, title="越权")


def test_nomination_is_refused_outside_the_target_group_and_beyond_capacity(accounts, org_unit):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    org, town = accounts["zuzhibu"], accounts["xiangzhen"]
    plan = services.plan_create(user=org, unit=org_unit, year=tomorrow.year, title="村干部")
    session = services.session_add(
        user=org,
        plan=plan,
        topic="村干部专题",
        mode="spread",
        hours=4,
        start=tomorrow,
        end=tomorrow,
        capacity=1,
        target_categories=["village_cadre"],
    )
    services.plan_publish(user=org, plan=plan)
    with pytest.raises(ValidationError, match="不在本期培训的对象范围内"):
        services.enrolment_nominate(user=town, session=session, person=accounts["yixian"].person)
    cadres = list(selectors.people(town).filter(category="village_cadre")[:2])
    services.enrolment_nominate(user=town, session=session, person=cadres[0])
    with pytest.raises(ValidationError, match="已满"):
        services.enrolment_nominate(user=town, session=session, person=cadres[1])


def test_attendance_by_list_refuses_someone_not_enrolled(flow, accounts):
    outsider = _outsider(flow, accounts)
    with pytest.raises(ValidationError, match="未报名"):
        services.attendance_record(user=accounts["zuzhibu"], session=flow, people=[outsider])
    assert not Enrolment.objects.filter(session=flow, attended=True).exists()
    rows = services.attendance_record(user=accounts["zuzhibu"], session=flow, people=[accounts["yixian"].person])
    assert rows[0].attended and rows[0].attended_via == "list"


def test_check_in_refuses_a_wrong_or_expired_code_and_someone_not_enrolled(flow, accounts):
    yixian = accounts["yixian"]
    session = services.checkin_code_issue(user=accounts["zuzhibu"], session=flow)
    with pytest.raises(ValidationError, match="签到码不正确"):
        services.check_in(user=yixian, code="000000")
    TrainingSession.objects.filter(pk=flow.pk).update(checkin_until=timezone.now() - dt.timedelta(minutes=1))
    with pytest.raises(ValidationError, match="已过期"):
        services.check_in(user=yixian, code=session.checkin_code)
    TrainingSession.objects.filter(pk=flow.pk).update(checkin_until=timezone.now() + dt.timedelta(minutes=5))
    with pytest.raises(ValidationError, match="未报名"):
        services.check_in(user=accounts["xiangzhen"], code=session.checkin_code)
    enrolment = services.check_in(user=yixian, code=" " + session.checkin_code + " ")
    assert enrolment.attended and enrolment.attended_via == "checkin"


def test_assessment_from_a_score_counts_for_coverage_and_appraisal(flow, accounts):
    org, person = accounts["zuzhibu"], accounts["yixian"].person
    Enrolment.objects.filter(person=person).exclude(session=flow).delete()  # the demo's training of the year
    enrolment = Enrolment.objects.get(session=flow, person=person)
    with pytest.raises(ValidationError, match="未参加"):
        services.assessment_record(user=org, enrolment=enrolment, score=80)
    services.attendance_record(user=org, session=flow, people=[person])
    with pytest.raises(ValidationError):
        services.assessment_record(user=org, enrolment=enrolment, score=130)
    enrolment = services.assessment_record(user=org, enrolment=enrolment, score=Decimal("59.5"))
    assert enrolment.passed is False  # below the pass mark (60)
    assert person.pk not in selectors_training.trained_ids(flow.plan.year, [person.pk])
    enrolment = services.assessment_record(user=org, enrolment=enrolment, score=Decimal("85"))
    assert enrolment.passed is True
    assert person.pk in selectors_training.trained_ids(flow.plan.year, [person.pk])

    from qingche.appraisal import indicators

    assert {row["name"]: row["connected"] for row in indicators.status()}["training"] is True
    figures, _triggers, used = indicators.collect([person.pk], flow.start, flow.end)
    assert "training" in used
    assert figures[person.pk]["workload"] >= 6.0


def _workbook(rows) -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "单位", "成绩", "是否合格"])
    for row in rows:
        sheet.append(row)
    data = io.BytesIO()
    book.save(data)
    return SimpleUploadedFile("a.xlsx", data.getvalue())


def test_excel_import_is_checked_whole_and_refuses_someone_not_enrolled(flow, accounts):
    org, person = accounts["zuzhibu"], accounts["yixian"].person
    outsider = _outsider(flow, accounts)
    bad = _workbook([[person.name, person.unit.name, 90, ""], [outsider.name, outsider.unit.name, 70, ""]])
    with pytest.raises(ValidationError, match="第3行"):
        services.attendance_import(user=org, session=flow, upload=bad)
    assert not Enrolment.objects.filter(session=flow, attended=True).exists()  # nothing saved
    good = _workbook([[person.name, person.unit.name, None, "合格"]])
    assert services.attendance_import(user=org, session=flow, upload=good) == 1
    enrolment = Enrolment.objects.get(session=flow, person=person)
    assert enrolment.attended and enrolment.attended_via == "import" and enrolment.passed is True


def test_survey_answers_are_counted_never_shown_and_small_counts_hidden(accounts, org_unit):
    org, yixian = accounts["zuzhibu"], accounts["yixian"]
    survey = services.survey_create(
        user=org,
        unit=org_unit,
        year=timezone.localdate().year,
        title="需求调查",
        topics=["应急管理", "信访"],
        closes_on=timezone.localdate() + dt.timedelta(days=10),
    )
    services.survey_answer(user=yixian, survey=survey, topics=["应急管理"], modes=["online"])
    results = selectors_training.survey_results(org, survey)
    assert results["answers"] is None  # 1 answer < the anonymity minimum (5)
    assert dict(results["topics"]) == {"应急管理": None, "信访": 0}
    from qingche.people.models import NeedsAnswer

    assert not NeedsAnswer.objects.visible_to(accounts["xiangzhen"]).filter(survey=survey).exists()
    assert NeedsAnswer.objects.visible_to(yixian).filter(survey=survey).count() == 1
    closed_only_for_cadres = services.survey_create(
        user=org,
        unit=org_unit,
        year=timezone.localdate().year,
        title="村干部需求",
        topics=["党建"],
        closes_on=timezone.localdate(),
        target_categories=["village_cadre"],
    )
    with pytest.raises(PermissionDenied):
        services.survey_answer(user=yixian, survey=closed_only_for_cadres, topics=["党建"])


def test_compensatory_rest_only_against_confirmed_overtime(accounts):
    town, person = accounts["xiangzhen"], accounts["yixian"].person
    today = timezone.localdate()
    OvertimeEntry.objects.filter(person=person).delete()
    CompensatoryRest.objects.filter(person=person).delete()  # the demo's own rest, against its overtime
    with pytest.raises(ValidationError, match="只剩"):
        services.compensatory_rest_record(user=town, person=person, date=today, hours=4)
    OvertimeEntry.objects.create(
        person=person, unit=person.unit, date=today.replace(day=1), hours=6, note="防汛", status="confirmed"
    )
    OvertimeEntry.objects.create(person=person, unit=person.unit, date=today.replace(day=1), hours=8, note="未确认")
    services.compensatory_rest_record(user=town, person=person, date=today, hours=4)
    assert selectors_training.rest_balance(person, today.year)["left"] == 2.0
    with pytest.raises(ValidationError):
        services.compensatory_rest_record(user=town, person=person, date=today, hours=3)
    with pytest.raises(PermissionDenied):
        services.compensatory_rest_record(user=accounts["yixian"], person=person, date=today, hours=1)


def test_leave_carried_over_follows_the_parameters(accounts):
    person = accounts["yixian"].person
    year = timezone.localdate().year
    plain = selectors.leave_balance(person, year)
    if plain["entitled"] is None or selectors.entitled_days(plain["started_on"], year - 1) in (None, 0):
        pytest.skip("the demo person has no leave of last year")
    from qingche.core.models import Parameter

    Parameter.objects.update_or_create(key="people.leave_carry_over_days", defaults={"value": 3})
    Parameter.objects.update_or_create(key="people.leave_carry_over_until_month", defaults={"value": 0})
    assert parameters.get("people.leave_carry_over_days") == 3  # the cache is cleared by the write
    carried = selectors.leave_balance(person, year)
    assert carried["carried"] == 3 and carried["entitled"] == plain["entitled"] + 3


def test_the_overload_command_runs_the_rule_and_refuses_a_bad_day():
    from django.core.management import CommandError

    out = io.StringIO()
    call_command("people_overload", stdout=out)
    assert out.getvalue().startswith("overload flags raised: ")
    with pytest.raises(CommandError):
        call_command("people_overload", "--today", "2026-13-01", stdout=out)


def test_people_outside_scope_cannot_be_nominated(accounts, flow):
    outside = Person.objects.exclude(unit__path__startswith=accounts["yixian"].person.unit.path[:8]).first()
    with pytest.raises(PermissionDenied):
        services.enrolment_nominate(user=accounts["xiangzhen"], session=flow, person=outside)
