"""The index tells the truth on the demo county: standing duties + imposed work over capacity, towns above the
red line in the demo's last complete month with alerts raised, and every input adding up."""

import datetime as dt

import pytest
from django.db.models import Q, Sum

from qingche.burden import rules, selectors, sources
from qingche.burden.models import BurdenAlert, RequiredApp
from qingche.core.calendar import work_calendar
from qingche.core.models import Parameter
from qingche.duties import services as duties_services
from qingche.duties.models import DutyItem
from qingche.org.models import Assignment, Post, Unit

pytestmark = pytest.mark.django_db


def _last_complete_month() -> dt.date:
    """The demo's last complete month: the month before the day it was built for."""
    built = dt.date.fromisoformat(Parameter.objects.get(key="demo.county").value["built"])
    return rules.add_months(built.replace(day=1), -1)


def _period():
    month = _last_complete_month()
    return rules.Period.month(month.year, month.month)


def _towns():
    return list(Unit.objects.filter(kind__in=Unit.TOWN_LEVEL).order_by("path"))


def test_the_last_complete_month_has_towns_above_the_red_line_with_alerts():
    period, towns = _period(), _towns()
    results = selectors.index_results([town.pk for town in towns], period)
    values = [results[town.pk].value for town in towns]
    line = selectors.red_line()
    above = [town for town in towns if results[town.pk].value > line]
    assert above and len(above) < len(towns), values  # some towns, not all
    assert len(above) <= max(1, round(len(towns) * 0.4)), values  # about a quarter, not most
    assert 0.5 <= min(values) and max(values) <= 1.6, values  # spread roughly 0.6–1.4
    for town in towns:  # the imposed share is the smaller second figure
        assert 0 < results[town.pk].imposed_share < results[town.pk].value
    alerted = set(BurdenAlert.objects.filter(month=period.first).values_list("unit_id", flat=True))
    assert {town.pk for town in above} <= alerted


def test_the_index_inputs_add_up():
    period, towns = _period(), _towns()
    calendar = work_calendar()
    days = calendar.working_days_in(period.first, period.last)
    results = selectors.index_results([town.pk for town in towns], period)
    assert set(selectors.weights().values()) == {1.0}  # the demo keeps every weight at 1: hours are the load
    for town in towns:
        result = results[town.pk]
        assert result.standing + result.imposed == pytest.approx(result.load, abs=0.01)
        assert sum(result.loads.values()) == pytest.approx(result.load, abs=0.01)
        assert sum(result.by_sender.values()) == pytest.approx(result.load, abs=0.01)
        # standing: the hours a month of the town's published list (shared out below it, adding up to the whole)
        listed = DutyItem.objects.filter(duty_list__unit=town, duty_list__status="published").exclude(kind="taken_back")
        hours = float(listed.aggregate(total=Sum("standing_hours"))["total"])
        assert result.standing == pytest.approx(hours, abs=0.01) and hours > 0
        # apps and work groups: minutes a day × working days × people in post in each unit required to use them
        in_units = Unit.objects.filter(path__startswith=town.path)
        apps_hours = 0.0
        for app in RequiredApp.objects.filter(targets__in=in_units).distinct():
            for unit in app.targets.filter(pk__in=in_units):
                people = selectors.people_in_post([unit.pk], period.last)[unit.pk]
                apps_hours += app.minutes_per_day / 60 * days * people
        assert result.loads["apps"] == pytest.approx(apps_hours, abs=0.01)
        # capacity: people in post in the town and below it × working days × hours a day; vacancies against 编制
        in_post = (
            Assignment.objects.filter(unit__path__startswith=town.path, start_date__lte=period.last)
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=period.last))
            .values("person")
            .distinct()
            .count()
        )
        quota = Post.objects.filter(unit__path__startswith=town.path).aggregate(q=Sum("quota"))["q"]
        assert result.in_post == in_post and result.working_days == days
        assert result.capacity == in_post * days * calendar.hours_per_day
        assert result.quota == quota and result.vacancy == quota - in_post > 0
        assert result.lost_capacity == (quota - in_post) * days * calendar.hours_per_day
        assert result.value == pytest.approx(result.load / result.capacity, abs=1e-4)
        assert result.imposed_share == pytest.approx(result.imposed / result.capacity, abs=1e-4)


def test_standing_duties_are_shared_below_the_town_by_staffing_quota():
    town = _towns()[0]
    below = list(Unit.objects.filter(path__startswith=town.path))
    rates = selectors.standing_duty_rates([unit.pk for unit in below], _period())
    quotas = dict(Post.objects.filter(unit__in=below).values("unit").annotate(q=Sum("quota")).values_list("unit", "q"))
    total = sum(rates.values())
    village = next(unit for unit in below if unit.pk != town.pk and quotas.get(unit.pk))
    assert rates[village.pk] / total == pytest.approx(quotas[village.pk] / sum(quotas.values()), rel=1e-6)
    # a village's own index (its subtree) carries its share; the village and the town agree on the whole
    village_result = selectors.index_results([village.pk], _period())[village.pk]
    assert village_result.standing == pytest.approx(rates[village.pk], abs=0.01)


def test_a_change_of_standing_hours_moves_the_index_at_once(accounts):
    town, period = _towns()[0], _period()
    before = selectors.index_results([town.pk], period)[town.pk]
    item = DutyItem.objects.filter(duty_list__unit=town, duty_list__status="published", kind="basic").first()
    duties_services.duty_item_standing_set(
        user=accounts["jianfuban"], item=item, hours=float(item.standing_hours) + 500, reason="重新核定"
    )
    after = selectors.index_results([town.pk], period)[town.pk]
    assert after.standing == pytest.approx(before.standing + 500, abs=0.01)
    assert after.imposed == pytest.approx(before.imposed, abs=0.01)
    assert after.value == pytest.approx((before.load + 500) / before.capacity, abs=1e-4)


def test_the_sources_run_at_a_rate_and_are_read_once_for_a_trend():
    registered = sources.registered()
    assert registered["standing"].sender == sources.STANDING and registered["standing"].per == sources.MONTH
    assert registered["apps"].sender == sources.UPPER and registered["apps"].per == sources.WORKING_DAY
    with pytest.raises(ValueError):
        sources.register("x", lambda ids, period: {}, label="x", per="week")


def test_the_unit_page_and_ranking_show_both_parts_and_lost_capacity(client_as):
    town, period = _towns()[0], _period()
    result = selectors.index_results([town.pk], period)[town.pk]
    month = f"{period.first:%Y-%m}"
    html = client_as("jianfuban").get(f"/burden/units/{town.pk}/?month={month}").content.decode()
    assert f'id="input-standing">{result.standing:.1f}<' in html
    assert f'id="input-imposed">{result.imposed:.1f}<' in html
    assert f'id="input-lost-capacity">{result.lost_capacity:.1f}<' in html
    assert 'id="imposed-share"' in html and "下派占比" in html and "常态履职事项" in html
    assert 'data-source="standing"' in html and 'data-source="apps"' in html
    ranking = client_as("jianfuban").get(f"/burden/ranking/?month={month}").content.decode()
    assert f'data-imposed-share="{result.imposed_share}"' in ranking
    assert f'data-lost-capacity="{result.lost_capacity}"' in ranking
    assert "缺编损失的工时" in ranking and "常态履职事项" in ranking
