"""The service module's connections: answered requests as citizen-service load in burden's index (in the
answering transaction, and in bulk for the demo), and the appraisal indicator source."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils import timezone

from qingche.appraisal import indicators
from qingche.burden import rules as burden_rules
from qingche.burden import selectors as burden_selectors
from qingche.burden import sources as burden_sources
from qingche.burden.models import LoadRollup
from qingche.core.services import parameter_set
from qingche.service import rules, selectors, services
from qingche.service.models import Category, RateRollup, ServiceRequest


def _service_hours(unit, month):
    row = LoadRollup.objects.filter(unit=unit, month=month, source="service").first()
    return (row.hours, row.count) if row else (Decimal("0"), 0)


def _answered(submit, accounts, town, when, reply="已安排人员清运完毕，并增加清运频次。"):
    request = submit()
    services.request_dispatch(user=accounts["rexian"], request=request, unit_id=town.pk, now=when)
    services.request_accept(user=accounts["xiangzhen"], request=request, now=when + dt.timedelta(minutes=30))
    return services.request_answer(
        user=accounts["xiangzhen"], request=request, reply=reply, now=when + dt.timedelta(hours=1)
    )


def test_service_is_a_connected_citizen_source_of_burden():
    source = burden_sources.registered()["service"]
    assert source.sender == burden_rules.CITIZEN and source.rollup
    assert "service" not in {row["name"] for row in burden_sources.missing()}


def test_handling_hours_by_limit_kind_and_category_code(accounts, category):
    admin = accounts["admin"]
    kind = category.effective_limit_kind()
    assert (
        selectors.handling_hours(category) == {"emergency": 2.0, "utility": 2.0, "general": 3.0, "complex": 8.0}[kind]
    )
    top = category.parent.parent if category.parent and category.parent.parent else category
    weights = {"emergency": 1, "utility": 1, "general": 1, "complex": 1, top.code: 4.5}
    parameter_set(user=admin, key="service.handling_hours", value=weights)
    assert selectors.handling_hours(Category.objects.get(pk=category.pk)) == 4.5
    weights[category.code] = 0.5  # the category's own code wins over its parent's
    parameter_set(user=admin, key="service.handling_hours", value=weights)
    assert selectors.handling_hours(Category.objects.get(pk=category.pk)) == 0.5


def test_answering_adds_the_handling_to_the_units_month(submit, accounts, town, category):
    when = timezone.make_aware(dt.datetime(2026, 12, 7, 9, 0))
    month = dt.date(2026, 12, 1)
    before_hours, before_count = _service_hours(town, month)
    request = _answered(submit, accounts, town, when)
    weight = Decimal(str(selectors.handling_hours(category)))
    assert _service_hours(town, month) == (before_hours + weight, before_count + 1)
    # a reply refused as too short changes nothing (same transaction)
    second = submit()
    services.request_dispatch(user=accounts["rexian"], request=second, unit_id=town.pk, now=when)
    services.request_accept(user=accounts["xiangzhen"], request=second, now=when)
    with pytest.raises(ValidationError):
        services.request_answer(user=accounts["xiangzhen"], request=second, reply="好", now=when)
    assert _service_hours(town, month) == (before_hours + weight, before_count + 1)
    # the town's index counts it as citizen service
    result = burden_selectors.index_results([town.pk], burden_rules.Period.month(2026, 12))[town.pk]
    assert result.loads["service"] == float(before_hours + weight)
    assert result.by_sender["citizen"] >= float(weight)
    # the callback is not handling: no more load
    services.request_callback(
        user=accounts["rexian"], request=request, solved=True, satisfaction="satisfied", now=when + dt.timedelta(days=1)
    )
    assert _service_hours(town, month)[1] == before_count + 1


def test_the_demo_load_equals_the_answered_requests(db):
    weights = {c.pk: selectors.handling_hours(c) for c in Category.objects.select_related("parent__parent")}
    expected: dict[tuple[int, dt.date], list] = {}
    rows = ServiceRequest.objects.filter(answered_at__isnull=False, unit__isnull=False).values_list(
        "unit_id", "answered_at", "category_id"
    )
    for unit_id, answered, category_id in rows:
        entry = expected.setdefault((unit_id, timezone.localtime(answered).date().replace(day=1)), [0.0, 0])
        entry[0] += weights[category_id]
        entry[1] += 1
    stored = {(r.unit_id, r.month): [float(r.hours), r.count] for r in LoadRollup.objects.filter(source="service")}
    assert expected and set(stored) == set(expected)
    for key, (hours, count) in expected.items():
        assert stored[key][1] == count and stored[key][0] == pytest.approx(hours, abs=0.02)
    # the demo county's index includes citizen service
    total = LoadRollup.objects.filter(source="service").aggregate(h=Sum("hours"))["h"]
    assert total > 0


def test_service_is_a_connected_appraisal_source():
    assert {row["name"]: row["connected"] for row in indicators.status()}["service"] is True


def test_appraisal_figures_of_the_handler_and_of_the_unit(submit, accounts, town, category):
    from qingche.core.scope import user_person_id
    from qingche.org.models import Assignment

    handler = user_person_id(accounts["xiangzhen"])
    assert handler is not None
    when = timezone.make_aware(dt.datetime(2027, 3, 2, 9, 0))
    on_time = _answered(submit, accounts, town, when)
    late = _answered(submit, accounts, town, when)
    late.refresh_from_db()
    services.request_callback(
        user=accounts["rexian"], request=on_time, solved=True, satisfaction="satisfied", now=when + dt.timedelta(days=1)
    )
    services.request_callback(
        user=accounts["rexian"], request=late, solved=False, satisfaction="unsatisfied", now=when + dt.timedelta(days=1)
    )
    ServiceRequest.objects.filter(pk=late.pk).update(due_at=when)  # answered 1 h after its (changed) due time
    weight = selectors.handling_hours(category)
    # a colleague in the town who answered nothing themselves: a share of the town's answers
    colleague = (
        Assignment.objects.filter(unit=town, end_date__isnull=True)
        .exclude(person_id=handler)
        .values_list("person_id", flat=True)
        .first()
    )
    figures = selectors.appraisal_figures([handler, colleague], dt.date(2027, 3, 1), dt.date(2027, 3, 31))
    mine = figures[handler]
    assert (mine["done"], mine["on_time"], mine["errors"]) == (2, 1, 1)
    assert mine["workload"] == pytest.approx(2 * weight)
    # three rates of the two: response 2/2, resolution 1/2, satisfaction 1/2 → 0.10 + 0.225 + 0.225 = 0.55
    assert mine["satisfaction"] == pytest.approx(0.55)
    assert colleague is not None and colleague in figures
    counts = RateRollup.objects.filter(unit=town, month=dt.date(2027, 3, 1)).get().counts()
    assert figures[colleague]["satisfaction"] == pytest.approx(selectors.rates_of(counts).score / 100, abs=1e-4)
    # the answers were given by xiangzhen's unit (its grant's unit), shared by the people in post there
    people = Assignment.objects.filter(unit=town, end_date__isnull=True).values("person_id").distinct().count()
    assert figures[colleague]["done"] == round(2 / people, 2)
    assert figures[colleague]["workload"] == round(2 * weight / people, 2)
    assert selectors.appraisal_figures([], dt.date(2027, 3, 1), dt.date(2027, 3, 31)) == {}
    assert rules.SATISFIED == "satisfied"


def test_imported_answered_requests_add_their_load(tmp_path, accounts, category, town):
    import csv

    from qingche.service.importers import COLUMNS, import_requests

    row = {key: "" for key in COLUMNS}
    row.update(
        number="H000000000091",
        submitted_at="2026-05-06 09:00",
        category_code=category.code,
        text="历史诉求：村道破损",
        town_code=town.code,
        unit_name=town.name,
        dispatched_at="2026-05-06 09:30",
        accepted_at="2026-05-06 10:00",
        answered_at="2026-05-31 23:30",
        reply="已修复",
    )
    path = tmp_path / "history.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerow(row)
    before_hours, before_count = _service_hours(town, dt.date(2026, 5, 1))
    assert import_requests(user=accounts["rexian"], source=str(path)) == 1
    weight = Decimal(str(selectors.handling_hours(category)))
    assert _service_hours(town, dt.date(2026, 5, 1)) == (before_hours + weight, before_count + 1)  # local month
