"""Dashboard, ranking and index API as different roles."""

import datetime as dt
import json

import pytest

from qingche.org.models import Unit

pytestmark = pytest.mark.django_db


def _chart(response, name):
    """The spec of one of the dashboard's charts (core.charts), as the page carries it."""
    html = response.content.decode()
    start = html.index(f'id="chart-{name}-data"')
    return json.loads(html[html.index(">", start) + 1 : html.index("</script>", start)])


def test_county_dashboard_shows_every_town_and_the_sources(client_as, demo_month):
    response = client_as("jianfuban").get(f"/burden/?year={demo_month[:4]}")
    assert response.status_code == 200
    towns = set(Unit.objects.filter(kind__in=Unit.TOWN_LEVEL).values_list("name", flat=True))
    assert set(_chart(response, "towns")["categories"]) == towns
    by_source = {line["name"]: line["data"] for line in _chart(response, "sources")["series"]}
    assert by_source and sum(sum(values) for values in by_source.values()) > 0
    assert sum(_chart(response, "inspections")["series"][0]["data"]) > 0  # planned
    assert 'id="missing-sources"' not in response.content.decode()  # tasks and citizen requests are connected
    # the demo's answered requests, as citizen service (the chart names sources by label, in the page's language)
    from django.utils import translation

    from qingche.burden import sources

    with translation.override(response.get("Content-Language") or "zh-hans"):
        label = str(sources.registered()["service"].label)
    assert sum(by_source[label]) > 0


def test_a_town_sees_only_itself_on_the_dashboard_and_ranking(client_as, demo_month):
    chart = _chart(client_as("xiangzhen").get(f"/burden/?year={demo_month[:4]}"), "towns")
    assert chart["categories"] == ["东河镇"]
    html = client_as("xiangzhen").get(f"/burden/ranking/?month={demo_month}").content.decode()
    assert "东河镇" in html and "西山镇" not in html


def test_index_api_answers_only_for_visible_units(api_as, demo_month):
    first = Unit.objects.get(name="东河镇")
    other = Unit.objects.filter(kind="town").exclude(pk=first.pk).first()
    body = (
        api_as("xiangzhen")
        .post("/api/v1/burden/index/compute/", {"units": [first.pk, other.pk], "month": demo_month}, format="json")
        .json()
    )
    # one answer carries the period, the red line and both parts of the load: no second call needed
    first_day = dt.date.fromisoformat(demo_month + "-01")
    last_day = (first_day + dt.timedelta(days=31)).replace(day=1) - dt.timedelta(days=1)
    assert body["period"] == {"first": f"{first_day}", "last": f"{last_day}", "label": demo_month}
    assert body["red_line"] == 1.0
    assert set(body["units"]) == {str(first.pk)}
    row = body["units"][str(first.pk)]
    assert row["working_days"] > 0
    assert row["standing"] > 0 and row["imposed"] > 0
    assert row["standing"] + row["imposed"] == pytest.approx(row["load"], abs=0.01)
    assert row["imposed_share"] == pytest.approx(row["imposed"] / row["capacity"], abs=1e-4)
    assert row["value"] == pytest.approx(row["load"] / row["capacity"], abs=1e-4)
    assert row["lost_capacity"] == row["vacancy"] * row["working_days"] * row["hours_per_day"]
    assert row["by_sender"]["standing"] == row["standing"]
    bad = api_as("xiangzhen").post(
        "/api/v1/burden/index/compute/", {"units": [first.pk], "month": "2026-13"}, format="json"
    )
    assert bad.status_code == 400 and "month" in bad.json()


def test_pages_are_refused_without_the_permission(client_as):
    assert client_as("rexian").get("/burden/").status_code == 403
    assert client_as("yixian").get("/burden/inspections/").status_code == 403
    assert client_as("yixian").get("/burden/overtime/").status_code == 200


@pytest.mark.parametrize("username", ["jianfuban", "xiangzhen"])
def test_the_dashboard_opens_on_the_latest_month_with_data_and_agrees_with_the_home_card(client_as, username):
    import re

    from qingche.burden.models import LoadRollup
    from qingche.core import periods

    client = client_as(username)
    html = client.get("/burden/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    expected = periods.default_month(LoadRollup.objects.dates("month", "month"))
    assert re.search(r'id="index-month">([\d-]+)<', html).group(1) == f"{expected:%Y-%m}"
    assert f'value="{expected:%Y-%m}"' in html  # the period picker shows the month shown
    planned, unplanned = map(int, re.search(r'id="stat-inspections">(\d+) / (\d+)<', html).groups())
    home = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    card = re.search(rf"{expected.year}年督查检查考核</div><div[^>]*>(\d+)<", home)
    assert card and int(card.group(1)) == planned + unplanned > 0


def test_ranking_says_no_data_for_a_month_without_load(client_as):
    from qingche.burden.models import LoadRollup
    from qingche.burden.rules import add_months

    after = add_months(LoadRollup.objects.latest("month").month, 1)  # people are in post, nothing recorded
    text = client_as("jianfuban").get(f"/burden/ranking/?month={after:%Y-%m}", HTTP_ACCEPT_LANGUAGE="zh-hans")
    text = text.content.decode()
    assert "暂无数据" in text and "0.000" not in text
