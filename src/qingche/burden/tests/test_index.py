"""The index through the database: hand-computed inputs in October 2025 (National Day and 调休),
capacity 0, rollups kept with each event, the red-line alert, pluggable sources."""

import datetime as dt
from decimal import Decimal

import pytest

from qingche.burden import rules, selectors, services, sources
from qingche.burden.models import BurdenAlert, LoadRollup
from qingche.core.services import parameter_set

OCT = rules.Period.month(2025, 10)


def _at(day, hour, minute=0):
    return dt.datetime(2025, 10, day, hour, minute, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def _load_october(admin, town, department):
    services.inspection_create(
        user=admin,
        issuer=department,
        target=town,
        topic="安全生产",
        title="安全生产检查",
        date=dt.date(2025, 10, 14),
        unplanned_reason="事故后专项检查",
        preparation_hours=8,
        reception_hours=4,
    )  # 12 h
    services.meeting_create(
        user=admin,
        organiser=department,
        title="推进会",
        level="department",
        start=_at(15, 9),
        end=_at(15, 11, 30),
        attendances=[(town, 2)],
    )  # 2.5 h × 2 = 5 h
    from qingche.org.models import Assignment

    person = Assignment.objects.filter(unit=town).first().person
    entry = services._overtime_create(person, dt.date(2025, 10, 20), Decimal("6"), "防汛值守")
    services.overtime_decide(user=admin, entry=entry, confirm=True)  # 6 h


@pytest.mark.django_db
def test_index_of_a_town_in_october_2025_by_hand(admin, new_town, department):
    town = new_town()
    _load_october(admin, town, department)
    # load 12 + 5 + 6 = 23 person-hours; capacity 3 people × 18 working days × 7 h = 378
    result = selectors.index_results([town.pk], OCT)[town.pk]
    assert result.loads["inspections"] == 12 and result.loads["meetings"] == 5 and result.loads["overtime"] == 6
    assert result.in_post == 3 and result.working_days == 18 and result.capacity == 378
    assert result.value == round(23 / 378, 4) == 0.0608
    assert selectors.index_for_units([town.pk], OCT) == {town.pk: 0.0608}
    assert selectors.index_for_units([town.pk], "2025-10") == {town.pk: 0.0608}
    # The rollup rows were written with the events.
    rows = dict(LoadRollup.objects.filter(unit=town).values_list("source", "hours"))
    assert rows == {"inspections": Decimal("12.00"), "meetings": Decimal("5.00"), "overtime": Decimal("6.00")}


@pytest.mark.django_db
def test_weights_change_the_index(admin, new_town, department):
    town = new_town()
    _load_october(admin, town, department)
    services.index_settings_save(
        user=admin, red_line=1.5, weights={"inspections": 2, "meetings": 1, "forms": 1, "overtime": 0.5}
    )
    # 12 × 2 + 5 + 6 × 0.5 = 32 → 32 / 378
    assert selectors.index_for_units([town.pk], OCT)[town.pk] == round(32 / 378, 4)
    assert selectors.red_line() == 1.5


@pytest.mark.django_db
def test_capacity_zero_is_an_explicit_state(admin, new_town, department, client_as):
    empty = new_town("无人镇", people=0)
    services.inspection_create(
        user=admin,
        issuer=department,
        target=empty,
        topic="检查",
        title="检查",
        date=dt.date(2025, 10, 14),
        unplanned_reason="临时部署",
        preparation_hours=3,
    )
    result = selectors.index_results([empty.pk], OCT)[empty.pk]
    assert result.value is None and result.state == rules.NO_CAPACITY and result.load == 3
    assert selectors.index_for_units([empty.pk], OCT) == {empty.pk: None}
    page = client_as("jianfuban").get(f"/burden/units/{empty.pk}/?month=2025-10")
    assert page.status_code == 200
    assert 'data-state="no_capacity"' in page.content.decode()


@pytest.mark.django_db
def test_red_line_raises_an_alert_to_the_office(admin, new_town, department, api_as):
    parameter_set(user=admin, key="burden.red_line", value=0.05)
    town = new_town()
    _load_october(admin, town, department)
    alert = BurdenAlert.objects.get(unit=town, month=dt.date(2025, 10, 1))
    assert alert.value == Decimal("0.061")  # raised once the overtime pushed 23/378 over 0.05
    ids = {row["id"] for row in api_as("jianfuban").get("/api/v1/burden/alerts/").json()["results"]}
    assert alert.pk in ids


@pytest.mark.django_db
def test_unit_page_shows_formula_inputs_and_missing_sources(admin, new_town, department, client_as):
    town = new_town()
    _load_october(admin, town, department)
    html = client_as("jianfuban").get(f"/burden/units/{town.pk}/?month=2025-10").content.decode()
    assert 'id="input-days">18<' in html
    assert 'id="input-in-post">3<' in html
    assert 'id="input-capacity">378.0<' in html
    assert 'id="missing-sources"' not in html  # tasks and citizen requests are connected (their modules register)
    assert "not yet connected" not in html
    assert 'data-source="service"' in html
    assert 'data-source="inspections"' in html


@pytest.mark.django_db
def test_a_registered_source_is_counted_and_no_longer_missing(admin, new_town):
    town = new_town()
    calls = []

    def tasks_source(unit_ids, period):
        calls.append(period)
        return {town.pk: 37.8} if town.pk in unit_ids else {}

    installed = sources.registered().get("service")
    sources.register("service", tasks_source, label="citizen requests", sender=sources.CITIZEN)
    try:
        assert "service" not in {row["name"] for row in sources.missing()}
        result = selectors.index_results([town.pk], OCT)[town.pk]
        assert result.loads["service"] == 37.8
        assert result.value == 0.1  # 37.8 / 378
        assert calls[0] == OCT
    finally:
        sources.unregister("service")
        if installed is not None:
            sources.register(
                "service", installed.function, label=installed.label, sender=installed.sender, rollup=installed.rollup
            )
    assert ("service" in {row["name"] for row in sources.missing()}) is (installed is None)


@pytest.mark.django_db
def test_rollup_based_source_for_other_modules(admin, new_town):
    town = new_town()
    installed = sources.registered().get("service")
    sources.register(
        "service", sources.rollup_function("service"), label="citizen requests", sender=sources.CITIZEN, rollup=True
    )
    try:
        services.load_add(source="service", unit_id=town.pk, day=dt.date(2025, 10, 9), hours=Decimal("18.9"), count=9)
        result = selectors.index_results([town.pk], OCT)[town.pk]
        assert result.loads["service"] == 18.9 and result.by_sender["citizen"] == 18.9
        assert result.value == 0.05
    finally:
        sources.unregister("service")
        if installed is not None:
            sources.register(
                "service", installed.function, label=installed.label, sender=installed.sender, rollup=installed.rollup
            )


@pytest.mark.django_db
def test_correcting_inspection_hours_keeps_the_rollup_right(admin, new_town, department):
    town = new_town()
    inspection = services.inspection_create(
        user=admin,
        issuer=department,
        target=town,
        topic="t",
        title="t",
        date=dt.date(2025, 10, 14),
        unplanned_reason="临时部署",
        preparation_hours=8,
        reception_hours=4,
    )
    services.inspection_set_hours(user=admin, inspection=inspection, preparation_hours=2, reception_hours=1)
    assert LoadRollup.objects.get(unit=town, source="inspections").hours == Decimal("3.00")


@pytest.mark.django_db
def test_bulk_load_adds_to_the_rollups_and_raises_one_alert_per_town_and_month(admin, new_town, county):
    """load_add_many (imports, demo) sums into the same rows as load_add and checks the red line per town:
    a village's load counts for its town."""
    from qingche.org import services as org

    parameter_set(user=admin, key="burden.red_line", value=0.05)
    town = new_town()
    village = org.unit_create(user=admin, parent=town, name="测试村", kind="village")
    services.load_add(source="overtime", unit_id=town.pk, day=dt.date(2025, 10, 2), hours=1, check_red_line=False)
    touched = services.load_add_many(
        source="overtime",
        entries=[
            (town.pk, dt.date(2025, 10, 3), 4, 1),
            (town.pk, dt.date(2025, 10, 20), 5, 2),
            (village.pk, dt.date(2025, 10, 9), 20, 1),
            (village.pk, dt.date(2025, 11, 9), 1, 1),
        ],
    )
    assert touched == 3
    held = LoadRollup.objects.filter(source="overtime", unit__in=[town, village])
    rows = {(row.unit_id, row.month): (row.hours, row.count) for row in held}
    assert rows == {
        (town.pk, dt.date(2025, 10, 1)): (Decimal("10"), 4),
        (village.pk, dt.date(2025, 10, 1)): (20, 1),
        (village.pk, dt.date(2025, 11, 1)): (1, 1),
    }
    alerts = BurdenAlert.objects.filter(unit__in=[town, village])
    assert [(alert.unit_id, alert.month) for alert in alerts] == [(town.pk, dt.date(2025, 10, 1))]
    assert alerts[0].value == Decimal(str(round(30 / 378, 3)))  # 30 person-hours over 3 people × 18 days × 7 h


@pytest.mark.django_db
def test_the_dashboard_values_are_the_full_results_value_and_state():
    # index_values (the county dashboard, the admission check) skips the breakdown, not the arithmetic.
    from qingche.burden.models import LoadRollup
    from qingche.org.models import Unit

    towns = list(Unit.objects.filter(kind__in=Unit.TOWN_LEVEL).order_by("path"))
    month = LoadRollup.objects.order_by("-month").values_list("month", flat=True).first()
    period = rules.Period.month(month.year, month.month)
    full = selectors.index_results([town.pk for town in towns], period)
    light = selectors.index_values([town.pk for town in towns], period, trees=selectors.subtrees_of(towns))
    assert light == {pk: (result.value, result.state) for pk, result in full.items()}
    assert any(value for value, _state in light.values())  # the demo's last month has load
