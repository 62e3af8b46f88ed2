"""One way to draw a chart: a spec from core.charts in json_script, drawn by core/static/qingche/charts.js."""

import re
from pathlib import Path

import pytest

import qingche
from qingche.core.charts import chart, series

ROOT = Path(qingche.__file__).parent


def test_a_spec_says_what_charts_js_reads():
    spec = chart(
        "bar",
        [1, 2],
        series("planned", (3, 4), stack="s"),
        series("trend", [5, 6], kind="line", dashed=True),
        horizontal=True,
        value_max=1,
        mark=0.8,
    )
    assert spec["categories"] == ["1", "2"]
    assert [line["name"] for line in spec["series"]] == ["planned", "trend"]
    assert spec["series"][0] == {
        "name": "planned",
        "data": [3, 4],
        "kind": None,
        "stack": "s",
        "dashed": False,
        "bold": False,
    }
    assert spec["series"][1]["kind"] == "line" and spec["series"][1]["dashed"]
    assert (spec["horizontal"], spec["min"], spec["max"], spec["mark"]) == (True, None, 1, 0.8)


@pytest.mark.parametrize("make", [lambda: chart("radar", []), lambda: series("x", [], kind="area")])
def test_an_unknown_kind_is_refused(make):
    with pytest.raises(ValueError):
        make()


def test_every_chart_is_drawn_by_charts_js_from_its_json_script():
    scripts = [
        path
        for path in ROOT.rglob("*.js")
        if "vendor" not in path.parts and "echarts.init" in path.read_text(encoding="utf-8")
    ]
    assert [path.name for path in scripts] == ["charts.js"]
    templates = list(ROOT.glob("*/templates/**/*.html"))
    with_charts = 0
    for path in templates:
        text = path.read_text(encoding="utf-8")
        assert "echarts.init" not in text, path
        ids = re.findall(r'data-chart="([^"]+)"', text)
        if not ids:
            assert "echarts.min.js" not in text or path.name == "_charts.html", path
            continue
        with_charts += 1
        assert '{% include "core/_charts.html" %}' in text, path
        for chart_id in ids:
            assert f'json_script:"{chart_id}"' in text, (path, chart_id)
    assert with_charts >= 6


@pytest.mark.browser
def test_the_dashboard_and_the_three_rates_draw_every_chart(page, login):
    from playwright.sync_api import expect

    login("jianfuban")
    for address, count in (("/burden/", 5), ("/service/rates/", 1)):
        page.goto(address)
        charts = page.locator("[data-chart]")
        expect(charts).to_have_count(count)
        expect(page.locator("[data-chart][data-ready='1'] canvas")).to_have_count(count)
