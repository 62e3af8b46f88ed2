"""职能部门 raters: the county departments whose tasks were admitted to the ratee's unit during the cycle's
period, read from the tasks module, rate through their leaders (docs/appraisal.md, "Who rates whom")."""

import datetime as dt
from collections import Counter

import pytest
from django.db.models import F
from django.utils import timezone

from qingche.appraisal import indicators, services
from qingche.appraisal.models import AppraisalCycle, Rating
from qingche.core.models import Parameter
from qingche.org.models import Assignment, Person, Post, Unit
from qingche.tasks.models import Task

pytestmark = pytest.mark.django_db

PERIOD = (timezone.localdate() - dt.timedelta(days=365), timezone.localdate())  # the demo's year of tasks
GROUPS = {"superior": 40, "peer": 30, "department": 10, "public": 20}


def _scheme(user):
    return services.scheme_create(
        user=user,
        unit=Unit.objects.get(depth=1),
        name="含职能部门评价的方案",
        person_category="town_staff",
        period_type="annual",
        grade_scale="annual",
        dimension_weights={"de": 20, "neng": 20, "qin": 20, "ji": 30, "lian": 10},
        group_weights=GROUPS,
        indicator_weights={"volume": 50, "on_time": 50},
        subjective_weight=60,
        min_raters=3,
        excellent_quota=20,
        quota_group="town",
    )


def _cycle(user, unit, period=PERIOD, scheme=None):
    return services.cycle_create(
        user=user,
        scheme=scheme or _scheme(user),
        name="职能部门评价测试",
        year=period[0].year,
        period_start=period[0],
        period_end=period[1],
        unit=unit,
    )


def _departments_of(unit, period=PERIOD):
    """The departments whose tasks were admitted to `unit` in the period, with how many: read here straight
    from the tasks table, independently of the selector under test."""
    return Counter(
        Task.objects.filter(
            unit=unit, admitted_on__range=period, request__requester_unit__kind="department"
        ).values_list("request__requester_unit_id", flat=True)
    )


def _leaders(department_ids, on=PERIOD[1]):
    current = Assignment.objects.filter(start_date__lte=on).exclude(end_date__lt=on)
    return set(
        current.filter(unit_id__in=department_ids, post__kind=Post.Kind.LEADER).values_list("person_id", flat=True)
    )


def _department_raters(cycle, appraisee):
    return set(Rating.objects.filter(ratee=appraisee, group="department").values_list("rater_person_id", flat=True))


@pytest.fixture
def busy_town():
    """The town that received tasks from the most departments in the demo's year."""
    towns = Unit.objects.filter(kind__in=Unit.TOWN_LEVEL)
    return max(towns, key=lambda town: (len(_departments_of(town)), -town.pk))


def test_the_requesting_departments_selector_counts_admitted_tasks_per_unit(busy_town):
    from qingche.tasks import selectors

    expected = _departments_of(busy_town)
    assert expected, "the demo county sends tasks to its towns"
    found = selectors.requesting_departments([busy_town.pk], *PERIOD)
    assert found == {busy_town.pk: dict(expected)}
    assert selectors.requesting_departments([busy_town.pk], dt.date(2020, 1, 1), dt.date(2020, 12, 31)) == {}


def test_departments_that_sent_tasks_rate_through_their_leaders(org_user, busy_town):
    Parameter.objects.update_or_create(key="appraisal.department_raters_max_departments", defaults={"value": 100})
    cycle = _cycle(org_user, busy_town)
    departments = _departments_of(busy_town)
    expected = _leaders(departments)
    assert len(expected) >= 3
    appraisees = list(cycle.appraisees.all())
    assert appraisees
    for appraisee in appraisees:
        others = set(
            Rating.objects.filter(ratee=appraisee).exclude(group="department").values_list("rater_person", flat=True)
        )
        assert _department_raters(cycle, appraisee) == expected - others - {appraisee.person_id}


def test_at_most_the_configured_number_of_departments_those_that_sent_most(org_user, busy_town):
    Parameter.objects.update_or_create(key="appraisal.department_raters_max_departments", defaults={"value": 2})
    departments = _departments_of(busy_town)
    assert len(departments) > 2
    top = sorted(departments, key=lambda department: (-departments[department], department))[:2]
    cycle = _cycle(org_user, busy_town)
    appraisee = cycle.appraisees.order_by("id").first()
    assert _department_raters(cycle, appraisee) == _leaders(top) - {appraisee.person_id}


def test_the_default_keeps_five_departments(org_user, busy_town):
    departments = _departments_of(busy_town)
    top = sorted(departments, key=lambda department: (-departments[department], department))[:5]
    cycle = _cycle(org_user, busy_town)
    appraisee = cycle.appraisees.order_by("id").first()
    assert _department_raters(cycle, appraisee) == _leaders(top) - {appraisee.person_id}


def test_a_department_without_leaders_rates_through_its_department_accounts(org_user, busy_town):
    """With its leadership posts empty, a department rates through the people whose active accounts hold the
    county-department role there."""
    from qingche.org import services as org

    departments = _departments_of(busy_town)
    department = Unit.objects.get(pk=min(departments, key=lambda d: (-departments[d], d)))
    clerks = list(
        Person.objects.filter(
            account=None,
            assignments__unit=department,
            assignments__post__kind=Post.Kind.STAFF,
            assignments__end_date=None,
        ).order_by("id")[:2]
    )
    for number, clerk in enumerate(clerks):
        account = org.account_bootstrap(username=f"dept-clerk-{number}", password="Test-Pass-2026!", person=clerk)
        org.role_grant_bootstrap(account=account, role_code="county_department", unit=department)
    clerks[1].account.is_active = False
    clerks[1].account.save()
    # the leaders leave (an assignment may not end before it starts: each ends the day it began)
    Assignment.objects.filter(unit=department, post__kind=Post.Kind.LEADER).update(end_date=F("start_date"))
    Parameter.objects.update_or_create(key="appraisal.department_raters_max_departments", defaults={"value": 100})
    cycle = _cycle(org_user, busy_town)
    appraisee = cycle.appraisees.order_by("id").first()
    raters = _department_raters(cycle, appraisee)
    assert clerks[0].pk in raters and clerks[1].pk not in raters
    others = set(departments) - {department.pk}
    assert raters == (_leaders(others) | {clerks[0].pk}) - {appraisee.person_id}


def test_no_tasks_in_the_period_means_no_department_raters(org_user, busy_town):
    cycle = _cycle(org_user, busy_town, period=(dt.date(2024, 1, 1), dt.date(2024, 12, 31)))
    assert cycle.appraisees.exists()
    assert not cycle.ratings.filter(group="department").exists()
    assert cycle.ratings.filter(group="superior").exists()


def test_without_the_tasks_module_the_group_is_empty_and_the_page_says_why(org_user, busy_town, client_as, monkeypatch):
    monkeypatch.setattr(indicators, "_rater_sources", {})
    cycle = _cycle(org_user, busy_town)
    assert not cycle.ratings.filter(group="department").exists()
    figures = {"workload": 100, "done": 10, "on_time": 9, "errors": 0}
    services.figures_set(
        user=org_user,
        cycle=cycle,
        rows=dict.fromkeys(cycle.appraisees.values_list("pk", flat=True), figures),
        source="测试",
    )
    services.cycle_score(user=org_user, cycle=cycle)
    appraisee = cycle.appraisees.order_by("id").first()
    page = client_as("zuzhibu").get(f"/appraisal/results/{appraisee.pk}/").content.decode()
    assert 'data-group="department" data-shown="0"' in page and 'data-reason="not-connected"' in page


def test_a_group_without_weight_gets_no_department_raters(org_user, busy_town, scheme):
    cycle = _cycle(org_user, busy_town, scheme=scheme)  # superior, peer and public only
    assert not cycle.ratings.filter(group="department").exists()


def test_the_demo_annual_cycle_has_department_raters_shown_on_results(client_as, accounts, demo_cycle):
    annual = demo_cycle
    assert annual.ratings.filter(group="department").exists()
    person = accounts["yixian"].person
    own = annual.appraisees.get(person=person)
    page = client_as("yixian").get(f"/appraisal/results/{own.pk}/").content.decode()
    assert 'data-group="department" data-shown="1"' in page
    # the explanation never names the raters
    for rater in Person.objects.filter(pk__in=_department_raters(annual, own)):
        assert rater.name not in page


@pytest.mark.parametrize("value", ["five", -1, "", [3], {"n": 3}])
def test_a_broken_department_limit_is_refused_with_a_clear_message(org_user, busy_town, api_as, value):
    Parameter.objects.update_or_create(key="appraisal.department_raters_max_departments", defaults={"value": value})
    scheme = _scheme(org_user)
    response = api_as("zuzhibu").post(
        "/api/v1/appraisal/cycles/",
        {
            "scheme": scheme.pk,
            "name": "参数有误",
            "year": PERIOD[0].year,
            "period_start": PERIOD[0].isoformat(),
            "period_end": PERIOD[1].isoformat(),
            "unit": busy_town.pk,
        },
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "appraisal.department_raters_max_departments must be a whole number" in str(response.json())
    assert not AppraisalCycle.objects.filter(name="参数有误").exists()
