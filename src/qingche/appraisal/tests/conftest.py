import datetime as dt
import random

import pytest

DIMENSIONS = {"de": 20, "neng": 20, "qin": 20, "ji": 30, "lian": 10}
INDICATORS = {"volume": 30, "on_time": 30, "accuracy": 20, "satisfaction": 20}


@pytest.fixture
def org_user(accounts):
    return accounts["zuzhibu"]


@pytest.fixture
def scheme(org_user):
    from qingche.appraisal import services
    from qingche.org.models import Unit

    return services.scheme_create(
        user=org_user,
        unit=Unit.objects.get(depth=1),
        name="测试方案",
        person_category="town_staff",
        period_type="annual",
        grade_scale="annual",
        dimension_weights=DIMENSIONS,
        group_weights={"superior": 50, "peer": 30, "public": 20},
        indicator_weights=INDICATORS,
        subjective_weight=60,
        min_raters=3,
        excellent_quota=20,
        quota_group="town",
    )


@pytest.fixture
def town():
    """Overrides the root fixture: appraisal tests need a town where no demo account works."""
    from qingche.org.models import Unit

    return Unit.objects.filter(kind="town").order_by("path")[1]  # 西山镇: nobody's demo account works there


@pytest.fixture
def demo_cycle(db, demo_today):
    """The demo's published annual cycle (of the latest complete year before the demo's today)."""
    from qingche.appraisal.models import AppraisalCycle

    return AppraisalCycle.objects.get(status="publicity", year=demo_today.year - 1)


@pytest.fixture
def cycle(org_user, scheme, town, demo_today):
    """A cycle of the demo's current year: the year after the demo's own annual cycle."""
    from qingche.appraisal import services

    year = demo_today.year
    return services.cycle_create(
        user=org_user,
        scheme=scheme,
        name="测试周期",
        year=year,
        period_start=dt.date(year, 1, 1),
        period_end=dt.date(year, 12, 31),
        unit=town,
    )


def rate_everything(cycle, seed=1, skip=()):
    """Submit every assigned rating with scores that follow a hidden truth per person."""
    from qingche.appraisal import services

    rng = random.Random(seed)
    truth = {pk: rng.gauss(0, 1) for pk in cycle.appraisees.values_list("pk", flat=True)}
    rows = []
    for rating in cycle.ratings.exclude(pk__in=skip).order_by("id"):
        base = 80 + 6 * truth[rating.ratee_id]
        rows.append(
            (rating.pk, {d: float(min(100, max(0, round(base + rng.gauss(0, 3))))) for d in DIMENSIONS}, "", True)
        )
    services.ratings_bulk_load(cycle=cycle, rows=rows)
    figures = {}
    for pk, t in truth.items():
        done = 60 + int(10 * t) if t > -5 else 1
        figures[pk] = {"workload": 1500 + 200 * t, "done": max(1, done), "on_time": max(0, done - 5), "errors": 2}
    return figures


@pytest.fixture
def scored(org_user, cycle):
    from qingche.appraisal import services

    figures = rate_everything(cycle)
    services.figures_set(user=org_user, cycle=cycle, rows=figures, source="测试")
    services.cycle_score(user=org_user, cycle=cycle)
    cycle.refresh_from_db()
    return cycle


@pytest.fixture(autouse=True)
def _language_restored():
    """A page served in English leaves English active in this thread: back to the default after each test."""
    yield
    from django.utils import translation

    translation.deactivate()
