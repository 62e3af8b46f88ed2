"""The index of a person through the database: a hand-computed October 2025 (National Day and 调休) with a
person who left mid-month and a pluggable person source; the demo's front-line account; the page, the "my"
entry point, the unit page's list of people, the API and its scope."""

import datetime as dt
import re
from decimal import Decimal

import pytest

from qingche.burden import rules, selectors, services, sources
from qingche.core.audit import audit_context
from qingche.org.models import Assignment, Person, Unit

pytestmark = pytest.mark.django_db

OCT = rules.Period.month(2025, 10)


@pytest.fixture
def person_source():
    """Swap a person source for a test and put the installed one back."""
    saved = {}

    def swap(name, function, unit_source=None):
        saved.setdefault(name, sources.person_sources().get(name))
        sources.register_person(name, function, label=name, unit_source=unit_source)

    yield swap
    for name, installed in saved.items():
        sources.unregister_person(name)
        if installed is not None:
            sources.register_person(name, installed.function, label=installed.label, unit_source=installed.unit_source)


def _october_town(admin, new_town, department):
    """A town with three people in post all October 2025 and a fourth who left on 17 October; inspections 12 h,
    a meeting 5 h, 6 h of the first person's overtime confirmed, 9 h of admitted tasks."""
    from qingche.org import services as org

    town = new_town()
    people = [a.person for a in Assignment.objects.filter(unit=town).select_related("person").order_by("person_id")]
    leaver = Person.objects.exclude(account__isnull=False).exclude(pk__in=[p.pk for p in people]).order_by("id")[0]
    with audit_context(actor=admin):
        org.assignment_create(
            user=admin,
            person=leaver,
            post=town.posts.get(),
            start_date=dt.date(2025, 1, 1),
            end_date=dt.date(2025, 10, 17),
        )
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
    )
    tz = dt.timezone(dt.timedelta(hours=8))
    services.meeting_create(
        user=admin,
        organiser=department,
        title="推进会",
        level="department",
        start=dt.datetime(2025, 10, 15, 9, tzinfo=tz),
        end=dt.datetime(2025, 10, 15, 11, 30, tzinfo=tz),
        attendances=[(town, 2)],
    )
    entry = services._overtime_create(people[0], dt.date(2025, 10, 20), Decimal("6"), "防汛值守")
    services.overtime_decide(user=admin, entry=entry, confirm=True)
    services.load_add(source="tasks", unit_id=town.pk, day=dt.date(2025, 10, 9), hours=Decimal("9"))
    return town, people, leaver


def test_person_index_of_october_2025_by_hand(admin, new_town, department, person_source):
    town, (first, second, third), leaver = _october_town(admin, new_town, department)
    calls = []

    def task_parts(person_ids, unit_id, period):
        calls.append((person_ids, unit_id, period))
        return {second.pk: 4.0, leaver.pk: 2.0} if unit_id == town.pk else {}

    person_source("tasks", task_parts)
    results = selectors.person_indexes([(p.pk, town.pk) for p in (first, second, third, leaver)], OCT)
    # unit: inspections 12 + meetings 5 + overtime 6 + tasks 9 = 32 person-hours
    # named: overtime 6 (first's), tasks 4 + 2 (second's and the leaver's parts) → pool 12 + 5 + 0 + 3 = 20
    # working days in post: 18 each for three people, 8 for the leaver (9–11 and 13–17 October) → 62
    a, b, c, d = (results[(p.pk, town.pk)] for p in (first, second, third, leaver))
    assert a.unit_loads["inspections"] == 12 and a.unit_loads["meetings"] == 5 and a.unit_loads["tasks"] == 9
    assert a.named == {**a.named, "overtime": 6.0, "tasks": 6.0} and a.pool_load == 20
    assert (a.in_post, a.days_in_post, d.days_in_post, a.working_days) == (4, 18, 8, 18)
    # first: overtime 6 + 20 × 18/62 = 6 + 5.8065 = 11.8065 over 18 × 7 = 126 → 0.0937
    assert a.own == {**a.own, "overtime": 6.0, "tasks": 0.0} and a.shared_load == 5.8065
    assert a.load == 11.8065 and a.capacity == 126 and a.value == 0.0937
    # second: tasks 4 + 5.8065 = 9.8065 → 0.0778; third: 5.8065 → 0.0461
    assert b.load == 9.8065 and b.value == 0.0778
    assert c.own_load == 0 and c.value == 0.0461
    # the leaver: tasks 2 + 20 × 8/62 = 2 + 2.5806 = 4.5806 over 8 × 7 = 56 → 0.0818
    assert d.load == 4.5806 and d.capacity == 56 and d.value == 0.0818
    # every hour of the unit is somebody's, once
    assert a.load + b.load + c.load + d.load == pytest.approx(32, abs=1e-3)
    assert calls and calls[0][0] is None and calls[0][2] == OCT  # one call for the whole unit
    # November: nobody left, nothing recorded; the leaver is out of post (no capacity, no index)
    november = selectors.person_indexes([(first.pk, town.pk), (leaver.pk, town.pk)], "2025-11")
    assert november[(leaver.pk, town.pk)].state == rules.NO_CAPACITY
    assert november[(first.pk, town.pk)].in_post == 3 and november[(first.pk, town.pk)].value == 0


def test_the_installed_person_sources_are_overtime_and_tasks():
    installed = sources.person_sources()
    assert {"overtime", "tasks"} <= set(installed)
    assert installed["tasks"].unit_source == "tasks" and installed["overtime"].unit_source == "overtime"
    assert sources.missing_person() == []


def _working_days(month: str) -> int:
    from qingche.core.calendar import work_calendar

    period = rules.Period.month(*map(int, month.split("-")))
    return work_calendar().working_days_in(period.first, period.last)


def test_demo_frontline_account_has_a_meaningful_index(accounts, demo_month):
    """yixian (front-line staff of 东河镇) in the demo's last whole month: task parts and confirmed overtime of
    their own, a share of the town's own load, capacity from that month's working calendar."""
    from qingche.burden.models import LoadRollup, OvertimeEntry

    me = Person.objects.get(account=accounts["yixian"])
    town = Unit.objects.get(name="东河镇")
    assert selectors.main_units([me], demo_month) == {me.pk: town.pk}
    result = selectors.person_indexes([(me.pk, town.pk)], demo_month)[(me.pk, town.pk)]
    period = rules.Period.month(*map(int, demo_month.split("-")))
    overtime = OvertimeEntry.objects.filter(
        person=me, unit=town, status="confirmed", date__gte=period.first, date__lte=period.last
    )
    assert result.own["overtime"] == float(sum(entry.hours for entry in overtime)) > 0
    assert result.own["tasks"] > 0
    rollup = {row.source: float(row.hours) for row in LoadRollup.objects.filter(unit=town, month=period.first)}
    rated = {"standing", "apps"}  # the sources that run at a rate (standing duties, apps), not in the rollup
    assert {name: hours for name, hours in result.unit_loads.items() if hours and name not in rated} == rollup
    assert result.unit_loads["standing"] == pytest.approx(selectors.standing_duty_rates([town.pk], period)[town.pk])
    days = _working_days(demo_month)
    assert result.unit_loads["apps"] == pytest.approx(selectors.app_rates([town.pk], period)[town.pk] * days)
    assert result.pool == {name: max(0.0, result.unit_loads[name] - result.named[name]) for name in result.pool}
    assert result.pool["overtime"] == 0  # confirmed overtime is always someone's own
    days = _working_days(demo_month)
    assert result.working_days == days and result.days_in_post == days and result.capacity == days * 7
    assert result.value == round(result.load / result.capacity, 4) and result.value > 0
    # everyone in post shares the pool; nobody's own work is shared out again
    people = selectors.in_post_people(town.pk, demo_month)
    assert me.pk in people and result.in_post == len(people)
    everyone = selectors.person_indexes([(pk, town.pk) for pk in people], demo_month)
    assert sum(r.shared_load for r in everyone.values()) == pytest.approx(result.pool_load, abs=0.01)
    assert sum(r.own_load for r in everyone.values()) <= sum(result.named.values()) + 1e-6


# -- pages ------------------------------------------------------------------------------------------------
def test_my_entry_point_opens_my_own_index_of_the_last_whole_month(client_as, accounts, demo_month):
    me = Person.objects.get(account=accounts["yixian"])
    client = client_as("yixian")
    home = client.get("/").content.decode()
    assert 'href="/burden/me/"' in home
    response = client.get(f"/burden/me/?month={demo_month}")
    assert response.status_code == 302 and response["Location"] == f"/burden/people/{me.pk}/?month={demo_month}"
    html = client.get(response["Location"]).content.decode()
    assert me.name in html and 'id="person-definition"' in html
    unit_id = selectors.main_units([me], demo_month)[me.pk]
    result = selectors.person_indexes([(me.pk, unit_id)], demo_month)[(me.pk, unit_id)]
    days = _working_days(demo_month)
    assert f'data-state="{result.state}"' in html and f'id="input-days">{days} / {days}<' in html
    assert 'data-source="tasks"' in html and 'data-source="overtime"' in html
    assert html.count("data-month=") == 12
    assert 'href="/burden/units/' not in html  # front-line staff do not read the unit's page
    default = client.get(f"/burden/people/{me.pk}/")
    assert default.status_code == 200


def test_the_page_shows_the_definition_in_chinese(client_as, accounts, demo_month):
    me = Person.objects.get(account=accounts["yixian"])
    html = client_as("yixian").get(f"/burden/people/{me.pk}/?month={demo_month}", HTTP_ACCEPT_LANGUAGE="zh-hans")
    text = html.content.decode()
    assert "小马拉大车指数" in text and "本人承担的工作" in text and "平均分摊" in text


def test_an_account_without_a_person_record_is_told_so(client_as):
    response = client_as("admin").get("/burden/me/")
    assert response.status_code == 200 and 'id="no-person"' in response.content.decode()


def test_the_unit_page_lists_its_people_with_their_index(client_as, accounts, demo_month):
    me = Person.objects.get(account=accounts["yixian"])
    town = Unit.objects.get(name="东河镇")
    html = client_as("xiangzhen").get(f"/burden/units/{town.pk}/?month={demo_month}").content.decode()
    assert 'id="people-table"' in html
    listed = {int(pk) for pk in re.findall(r'data-person="(\d+)"', html)}
    in_post = set(selectors.in_post_people(town.pk, demo_month))
    seen = set(Person.objects.visible_to(accounts["xiangzhen"]).values_list("pk", flat=True))
    assert listed == in_post & seen and me.pk in listed
    # people who were in post in October and moved on share the load but are not listed to the town
    footer = re.search(r'id="people-hidden">([^<]*)<', html).group(1)
    assert in_post - seen and re.findall(r"\d+", footer) == [str(len(in_post - seen))]
    assert f'href="/burden/people/{me.pk}/?month={demo_month}&amp;unit={town.pk}"' in html
    page = client_as("xiangzhen").get(f"/burden/people/{me.pk}/?month={demo_month}&unit={town.pk}")
    assert page.status_code == 200 and f'href="/burden/units/{town.pk}/?month={demo_month}"' in page.content.decode()
    # 减负办 reads the unit, not personnel records: no list of people
    office = client_as("jianfuban").get(f"/burden/units/{town.pk}/?month={demo_month}").content.decode()
    assert 'id="people-table"' not in office


def test_out_of_scope_is_404_and_without_the_permission_403(client_as, accounts):
    me = Person.objects.get(account=accounts["yixian"])
    town = Unit.objects.get(name="东河镇")
    colleague = Person.objects.filter(unit=town).exclude(pk=me.pk).order_by("id").first()
    stranger = Person.objects.exclude(unit__path__startswith=town.path).order_by("id").first()
    assert client_as("yixian").get(f"/burden/people/{colleague.pk}/").status_code == 404
    assert client_as("xiangzhen").get(f"/burden/people/{colleague.pk}/").status_code == 200
    assert client_as("xiangzhen").get(f"/burden/people/{stranger.pk}/").status_code == 404
    assert client_as("cungan").get(f"/burden/people/{me.pk}/").status_code == 404
    assert client_as("jianfuban").get(f"/burden/people/{me.pk}/").status_code == 403
    assert client_as("rexian").get("/burden/me/").status_code == 403
    # a unit the person was not in post in is not offered
    other = Unit.objects.filter(kind="town").exclude(pk=town.pk).first()
    assert client_as("yixian").get(f"/burden/people/{me.pk}/?unit={other.pk}").status_code == 404


# -- API --------------------------------------------------------------------------------------------------
def test_api_lists_only_the_people_in_scope(api_as, accounts, demo_month):
    me = Person.objects.get(account=accounts["yixian"])
    body = api_as("yixian").get("/api/v1/burden/person-index/", {"month": demo_month}).json()
    assert body["count"] == 1
    (row,) = body["results"]
    page = selectors.person_indexes([(me.pk, row["unit"])], demo_month)[(me.pk, row["unit"])]
    assert (row["id"], row["month"], row["value"], row["state"]) == (me.pk, demo_month, page.value, page.state)
    assert (
        row["load"] == page.load
        and row["own"]["tasks"] == page.own["tasks"]
        and row["capacity"] == _working_days(demo_month) * 7
    )
    assert api_as("jianfuban").get("/api/v1/burden/person-index/").json()["count"] == 0


def test_api_unit_filter_and_detail(api_as, accounts, demo_month):
    me = Person.objects.get(account=accounts["yixian"])
    town = Unit.objects.get(name="东河镇")
    api = api_as("xiangzhen")
    rows, url = [], f"/api/v1/burden/person-index/?month={demo_month}&unit={town.pk}"
    while url:
        body = api.get(url).json()
        rows += body["results"]
        url = body["next"]
    seen = set(Person.objects.visible_to(accounts["xiangzhen"]).values_list("pk", flat=True))
    assert {row["id"] for row in rows} == set(selectors.in_post_people(town.pk, demo_month)) & seen
    assert {row["unit"] for row in rows} == {town.pk}
    detail = api.get(f"/api/v1/burden/person-index/{me.pk}/", {"month": demo_month})
    assert detail.status_code == 200 and detail.json()["id"] == me.pk
    other = Unit.objects.filter(kind="town").exclude(pk=town.pk).first()
    assert api.get("/api/v1/burden/person-index/", {"unit": other.pk}).json()["count"] == 0
    assert api_as("bumen").get(f"/api/v1/burden/person-index/{me.pk}/").status_code == 404
    assert api_as("yixian").get(f"/api/v1/burden/person-index/{me.pk}/", {"unit": other.pk}).status_code == 404
    bad = api.get("/api/v1/burden/person-index/", {"month": "2026-13"})
    assert bad.status_code == 400 and "month" in bad.json()
    assert api.get("/api/v1/burden/person-index/", {"unit": "东河镇"}).status_code == 400


@pytest.mark.parametrize("month", ["0000-01", "9999-12", "2026-1"])
def test_a_month_outside_the_calendar_is_a_400_with_a_chinese_message(api_as, month):
    message = ["请按 YYYY-MM 格式填写 1900-01 至 2099-12 之间的月份，例如 2026-10。"]
    listed = api_as("yixian").get("/api/v1/burden/person-index/", {"month": month})
    assert listed.status_code == 400 and listed.json() == {"month": message}
    town = Unit.objects.filter(kind="town").order_by("path").first()
    computed = api_as("xiangzhen").post(
        "/api/v1/burden/index/compute/", {"units": [town.pk], "month": month}, format="json"
    )
    assert computed.status_code == 400 and computed.json() == {"month": message}


def test_a_person_id_that_is_not_a_number_is_a_404_not_a_500(api_as):
    response = api_as("yixian").get("/api/v1/burden/person-index/abc/")
    assert response.status_code == 404 and response.json() == {"detail": "未找到，或不在您的数据范围内。"}


def test_the_endpoint_is_in_the_openapi_schema(client_as):
    import json

    document = json.loads(client_as("yixian").get("/api/schema/", HTTP_ACCEPT="application/json").content)
    assert "/api/v1/burden/person-index/" in document["paths"]
    assert "/api/v1/burden/person-index/{id}/" in document["paths"]
    names = {parameter["name"] for parameter in document["paths"]["/api/v1/burden/person-index/"]["get"]["parameters"]}
    assert {"month", "unit", "page"} <= names
