"""Opening a case, where the duty lies, naming the responsible unit, determinations and the appraisal trigger."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from qingche.accountability import selectors, services
from qingche.accountability.models import Case, Outcome
from qingche.appraisal import indicators
from qingche.core.models import AuditEvent
from qingche.org.models import Person

IN_FAVOUR = {key: (True, "出于公心的探索") for key in ("inexperience", "trial", "public_interest")}
AGAINST = {key: (False, "制度规定明确") for key in ("inexperience", "trial", "public_interest")}


@pytest.fixture
def open_case(accounts, town, demo_today):
    items = list(selectors.items_for_unit(town).filter(kind="cooperation")[:1])
    person = Person.objects.filter(unit=town, account=None).order_by("-id").first()
    case = services.case_open(
        user=accounts["jijian"],
        unit=town,
        title="测试案件",
        facts="事实",
        source="inspection",
        opened_on=demo_today,
        duty_items=items,
        people=[(person, "直接责任")],
    )
    return case, items[0], person


@pytest.mark.django_db
def test_department_led_items_flag_the_case_and_name_the_lead(open_case, accounts, town):
    case, item, _person = open_case
    assert case.duty_flag and case.lead_unit_id == item.lead_unit_id
    with pytest.raises(ValidationError) as refused:
        services.case_assign_responsibility(user=accounts["jijian"], case=case, responsible_unit=town)
    assert "reason" in refused.value.message_dict
    services.case_assign_responsibility(user=accounts["jijian"], case=case, responsible_unit=item.lead_unit)
    services.case_assign_responsibility(
        user=accounts["jijian"], case=case, responsible_unit=town, reason="镇级属地巡查确有疏漏，经研究由镇承担属地责任"
    )
    case.refresh_from_db()
    assert case.responsible_unit == town and case.responsible_reason
    assert AuditEvent.objects.filter(object_type="accountability.case", object_id=str(case.pk)).exists()


@pytest.mark.django_db
def test_no_sanction_before_the_analysis_and_the_responsible_unit(open_case, accounts, demo_today):
    case, item, _person = open_case
    case_person = case.people.get()
    sanction = {"sanction_kind": "demerit", "sanction_from": demo_today, "sanction_until": demo_today}
    with pytest.raises(ValidationError):  # no responsible unit yet
        services.determination_record(
            user=accounts["jijian"],
            case_person=case_person,
            objective_causes="客观",
            subjective_causes="主观",
            distinctions=AGAINST,
            outcome=Outcome.ACCOUNTABLE,
            **sanction,
        )
    services.case_assign_responsibility(user=accounts["jijian"], case=case, responsible_unit=item.lead_unit)
    with pytest.raises(ValidationError) as refused:
        services.determination_record(
            user=accounts["jijian"],
            case_person=case_person,
            objective_causes="",
            subjective_causes="主观",
            distinctions={**AGAINST, "trial": (None, "")},
            outcome=Outcome.ACCOUNTABLE,
            **sanction,
        )
    assert {"objective_causes", "distinction_trial"} <= set(refused.value.message_dict)
    determination = services.determination_record(
        user=accounts["jijian"],
        case_person=case_person,
        objective_causes="客观",
        subjective_causes="主观",
        distinctions=AGAINST,
        outcome=Outcome.ACCOUNTABLE,
        **sanction,
    )
    case.refresh_from_db()
    assert case.status == Case.Status.DETERMINED and not determination.tolerated


@pytest.mark.django_db
def test_only_discipline_and_org_department_open_cases(accounts, town):
    for name in ("xiangzhen", "bumen", "jianfuban"):
        with pytest.raises(PermissionDenied):
            services.case_open(user=accounts[name], unit=town, title="t", facts="f", source="hand")


@pytest.mark.django_db
def test_a_sanction_in_force_is_a_bottom_grade_trigger_and_tolerance_counts_in_favour(open_case, accounts, demo_today):
    case, item, person = open_case
    services.case_assign_responsibility(user=accounts["zuzhibu"], case=case, responsible_unit=item.lead_unit)
    start, end = demo_today - dt.timedelta(days=30), demo_today + dt.timedelta(days=60)
    services.determination_record(
        user=accounts["zuzhibu"],
        case_person=case.people.get(),
        objective_causes="客观",
        subjective_causes="主观",
        distinctions=AGAINST,
        outcome=Outcome.ACCOUNTABLE,
        sanction_kind="demerit",
        sanction_from=start,
        sanction_until=end,
    )
    year = (dt.date(demo_today.year, 1, 1), dt.date(demo_today.year, 12, 31))
    figures = indicators.registered()["accountability"].fn([person.pk], *year)
    assert figures[person.pk]["bottom_grade"] == "basically_competent"
    assert "测试案件" in figures[person.pk]["reason"]
    source = indicators.registered()["accountability"].fn
    after = source([person.pk], end + dt.timedelta(days=1), end + dt.timedelta(days=90))
    assert "bottom_grade" not in after.get(person.pk, {})  # the sanction has ended by date
    assert indicators.trigger_grade("basically_competent", ("good", "fairly_good", "average", "poor")) == "average"

    other = Person.objects.filter(unit=case.unit, account=None).exclude(pk=person.pk).order_by("-id").first()
    case2 = services.case_open(
        user=accounts["jijian"], unit=case.unit, title="容错", facts="f", source="hand", people=[(other, "")]
    )
    services.case_assign_responsibility(user=accounts["jijian"], case=case2, responsible_unit=case.unit)
    exempt = services.determination_record(
        user=accounts["jijian"],
        case_person=case2.people.get(),
        objective_causes="客观",
        subjective_causes="主观",
        distinctions=IN_FAVOUR,
        outcome=Outcome.EXEMPT,
        decided_on=demo_today,
    )
    assert exempt.tolerated and not exempt.sanction_kind
    figures, triggers, _used = indicators.collect([other.pk], *year)
    assert other.pk not in triggers and figures[other.pk]["errors"] >= 0
    assert indicators.registered()["accountability"].fn([other.pk], *year)[other.pk]["errors"] == -1


@pytest.mark.django_db
def test_a_person_concerned_cannot_determine_their_own_case(accounts, town, demo_today):
    me = accounts["zuzhibu"].person
    case = services.case_open(
        user=accounts["jijian"], unit=me.unit, title="t", facts="f", source="hand", people=[(me, "")]
    )
    services.case_assign_responsibility(user=accounts["jijian"], case=case, responsible_unit=me.unit)
    with pytest.raises(PermissionDenied):
        services.determination_record(
            user=accounts["zuzhibu"],
            case_person=case.people.get(),
            objective_causes="客观",
            subjective_causes="主观",
            distinctions=IN_FAVOUR,
            outcome=Outcome.EXEMPT,
        )
