"""Awards from nomination to conferral, the reserve pool and secondment, through the services, on the demo
county: quotas, the publicity period in working days, objections, reasons, scope and the demo's own state."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from qingche.core.models import AuditEvent
from qingche.org.models import Person, Unit
from qingche.people import selectors_awards, services_awards
from qingche.people.models_awards import AwardRound, AwardType, Nomination, ReserveEntry, Secondment

pytestmark = pytest.mark.django_db


@pytest.fixture
def award_round(accounts):
    award_type = services_awards.award_type_create(
        user=accounts["zuzhibu"], name="测试奖", quota=2, candidates_from=AwardType.Source.UNITS
    )
    return services_awards.award_round_open(user=accounts["zuzhibu"], award_type=award_type, year=2026)


@pytest.fixture
def town_people(accounts):
    me = accounts["xiangzhen"].person.pk
    return list(Person.objects.visible_to(accounts["xiangzhen"]).exclude(pk=me).order_by("pk")[:3])


def _nominate(accounts, award_round, people):
    return [
        services_awards.nomination_submit(
            user=accounts["xiangzhen"], award_round=award_round, person=person, reason="事迹突出", evidence="材料"
        )
        for person in people
    ]


def test_an_award_from_nomination_to_the_person_record(accounts, award_round, town_people):
    org = accounts["zuzhibu"]
    first, second, third = _nominate(accounts, award_round, town_people)
    assert first.unit_id == town_people[0].unit_id and first.source == "unit"
    services_awards.nomination_review(user=org, nomination=first, approve=True)
    services_awards.nomination_review(user=org, nomination=second, approve=True)
    with pytest.raises(ValidationError, match="名额"):
        services_awards.nomination_review(user=org, nomination=third, approve=True)
    with pytest.raises(ValidationError, match="理由"):
        services_awards.nomination_review(user=org, nomination=third, approve=False)
    services_awards.nomination_review(user=org, nomination=third, approve=False, note="事迹不够突出")
    assert AuditEvent.objects.filter(object_type="people.nomination", object_id=str(third.pk), reason="事迹不够突出")

    today = timezone.localdate()
    services_awards.publicity_start(user=org, award_round=award_round, start=today)
    award_round.refresh_from_db()
    assert award_round.status == "publicity" and award_round.publicity_end >= today
    with pytest.raises(ValidationError, match="不再接受推荐|no longer"):
        _nominate(accounts, award_round, [accounts["yixian"].person])

    objection = services_awards.objection_raise(user=accounts["yixian"], nomination=first, text="请核实其值班情况")
    with pytest.raises(ValidationError, match="公示期"):
        services_awards.objection_raise(user=accounts["yixian"], nomination=third, text="x")
    with pytest.raises(ValidationError):
        services_awards.award_round_confer(user=org, award_round=award_round, document_number="县委发〔2026〕1号")
    with pytest.raises(PermissionDenied):
        services_awards.objection_answer(user=accounts["xiangzhen"], objection=objection, upheld=True, answer="x")
    services_awards.objection_answer(user=org, objection=objection, upheld=True, answer="经查属实")
    first.refresh_from_db()
    assert first.status == "withdrawn"

    AwardRound.objects.filter(pk=award_round.pk).update(  # the publicity period has run its course
        publicity_start=today - dt.timedelta(days=20), publicity_end=today - dt.timedelta(days=10)
    )
    award_round.refresh_from_db()
    services_awards.award_round_confer(user=org, award_round=award_round, document_number="县委发〔2026〕1号")
    second.refresh_from_db()
    assert second.status == "conferred"
    assert [n.pk for n in selectors_awards.awards_of_person(second.person_id)][:1] == [second.pk]
    assert all(n.round_id != award_round.pk for n in selectors_awards.awards_of_person(first.person_id))


def test_only_the_organisation_department_reviews_and_towns_nominate_only_their_people(
    accounts, award_round, town_people
):
    (nomination,) = _nominate(accounts, award_round, town_people[:1])
    with pytest.raises(PermissionDenied):
        services_awards.nomination_review(user=accounts["xiangzhen"], nomination=nomination, approve=True)
    outsider = Person.objects.exclude(pk__in=Person.objects.visible_to(accounts["xiangzhen"])).first()
    with pytest.raises(PermissionDenied):
        _nominate(accounts, award_round, [outsider])
    with pytest.raises(ValidationError, match="理由|reason"):
        services_awards.nomination_submit(
            user=accounts["xiangzhen"], award_round=award_round, person=town_people[1], reason=" "
        )
    with pytest.raises(ValidationError, match="已被推荐|already"):
        _nominate(accounts, award_round, town_people[:1])


def test_publicity_needs_every_nomination_reviewed_and_one_approved(accounts, award_round, town_people):
    org = accounts["zuzhibu"]
    with pytest.raises(ValidationError):
        services_awards.publicity_start(user=org, award_round=award_round)
    (nomination,) = _nominate(accounts, award_round, town_people[:1])
    with pytest.raises(ValidationError):
        services_awards.publicity_start(user=org, award_round=award_round)
    services_awards.nomination_review(user=org, nomination=nomination, approve=False, note="不符合条件")
    with pytest.raises(ValidationError):
        services_awards.publicity_start(user=org, award_round=award_round)


def test_demo_has_a_conferred_round_and_one_in_publicity_with_objections(accounts):
    rounds = {r.status: r for r in AwardRound.objects.all()}
    assert {"conferred", "publicity"} <= set(rounds)
    in_publicity = rounds["publicity"]
    assert in_publicity.award_type.candidates_from == "excellent"
    nominations = Nomination.objects.filter(round=in_publicity)
    assert nominations.filter(source="appraisal").exists()
    assert nominations.filter(status="approved").count() <= in_publicity.award_type.quota
    findings = set(
        selectors_awards.objections(accounts["zuzhibu"])
        .filter(nomination__round=in_publicity)
        .values_list("upheld", flat=True)
    )
    assert findings == {False, None}
    conferred = Nomination.objects.filter(round=rounds["conferred"], status="conferred")
    assert conferred.exists()


def test_appraisal_candidates_are_the_years_top_grades(accounts):
    org = accounts["zuzhibu"]
    award_type = services_awards.award_type_create(
        user=org, name="测试优秀", quota=50, candidates_from=AwardType.Source.EXCELLENT
    )
    year = timezone.localdate().year - 1
    award_round = services_awards.award_round_open(user=org, award_type=award_type, year=year)
    created = services_awards.nominations_from_appraisal(user=org, award_round=award_round)
    from qingche.appraisal import selectors as appraisal_selectors

    expected = {line["person_id"] for line in appraisal_selectors.award_nominations(org, year)}
    assert {n.person_id for n in created} == expected and expected
    assert services_awards.nominations_from_appraisal(user=org, award_round=award_round) == []  # no duplicates


def test_reserve_pool_entry_and_leaving_with_a_reason(accounts, town_people):
    org = accounts["zuzhibu"]
    person = town_people[0]
    ReserveEntry.objects.filter(person=person).delete()
    entry = services_awards.reserve_enter(
        user=org, person=person, category="young", plan="轮岗两年", mentor=town_people[1]
    )
    with pytest.raises(ValidationError, match="已在后备|already"):
        services_awards.reserve_enter(user=org, person=person, category="young", plan="x")
    with pytest.raises(PermissionDenied):
        services_awards.reserve_leave(user=accounts["xiangzhen"], entry=entry, reason="x")
    services_awards.reserve_task_add(
        user=accounts["xiangzhen"], entry=entry, title="牵头防汛", start=timezone.localdate()
    )
    with pytest.raises(ValidationError):
        services_awards.reserve_review(user=org, entry=entry, year=timezone.localdate().year, conclusion="leave")
    with pytest.raises(ValidationError, match="理由|reason"):
        services_awards.reserve_leave(user=org, entry=entry, reason="  ")
    services_awards.reserve_leave(user=org, entry=entry, reason="调离本县")
    entry.refresh_from_db()
    assert entry.status == "left" and entry.leave_reason == "调离本县"
    town = Unit.objects.get(pk=accounts["xiangzhen"].person.unit_id)
    pool = selectors_awards.reserve_pool(org, town_id=town.pk, status="left", today=timezone.localdate())
    assert entry.pk in {row["entry"].pk for row in pool}


def test_secondment_outcome_follows_assessment_and_wish(accounts, town_people):
    org = accounts["zuzhibu"]
    host = Unit.objects.filter(kind=Unit.Kind.DEPARTMENT).first()
    today = timezone.localdate()
    secondment = services_awards.secondment_start(
        user=org,
        person=town_people[2],
        host_unit=host,
        start=today - dt.timedelta(days=300),
        end=today + dt.timedelta(days=200),
        goals="熟悉业务",
    )
    with pytest.raises(ValidationError, match="期满考核须在"):
        services_awards.secondment_assess(user=org, secondment=secondment, assessment="excellent", wish="stay")
    Secondment.objects.filter(pk=secondment.pk).update(end=today)
    secondment.refresh_from_db()
    services_awards.secondment_assess(user=org, secondment=secondment, assessment="basically_competent", wish="stay")
    with pytest.raises(ValidationError):
        services_awards.secondment_decide(user=org, secondment=secondment, outcome="appointed")
    services_awards.secondment_decide(user=org, secondment=secondment, outcome="returned")
    with pytest.raises(ValidationError):
        services_awards.secondment_start(
            user=org,
            person=town_people[2],
            host_unit=Unit.objects.get(pk=town_people[2].unit_id),
            start=today,
            end=today + dt.timedelta(days=9),
            goals="x",
        )
