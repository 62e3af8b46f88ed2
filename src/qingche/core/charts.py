"""Charts as data: a view builds a chart with `chart(...)`, the page puts it in `{{ spec|json_script:"x-data" }}`
next to `<div data-chart="x-data" style="height:…">`, and `core/static/qingche/charts.js` draws every such
element with ECharts (the page loads `vendor/echarts/echarts.min.js`). No page carries its own chart script."""

from __future__ import annotations

KINDS = ("line", "bar", "pie")


def series(name, data, *, kind: str | None = None, stack: str | None = None, dashed=False, bold=False) -> dict:
    """One series: `data` in the order of the chart's categories; `kind` mixes a line into bars (or the reverse);
    series with the same `stack` are stacked."""
    if kind is not None and kind not in KINDS:
        raise ValueError(f"unknown chart kind {kind!r}")
    return {
        "name": str(name) if name is not None else "",
        "data": list(data),
        "kind": kind,
        "stack": stack,
        "dashed": dashed,
        "bold": bold,
    }


def chart(
    kind: str,
    categories,
    *series_list: dict,
    horizontal=False,
    value_min=None,
    value_max=None,
    integers=False,
    mark=None,
    labels=False,
) -> dict:
    """A chart of `kind` (line, bar or pie) over `categories`. `horizontal`: bars along the x axis, categories
    down the y axis; `value_min`/`value_max`: the value axis' bounds; `integers`: whole-number ticks; `mark`:
    a red line at this value (e.g. the red line of an index); `labels`: each bar shows its value. A legend is
    shown when there is more than one series. A pie takes its slices' values from the first series."""
    if kind not in KINDS:
        raise ValueError(f"unknown chart kind {kind!r}")
    return {
        "kind": kind,
        "categories": [str(category) for category in categories],
        "series": list(series_list),
        "horizontal": horizontal,
        "min": value_min,
        "max": value_max,
        "integers": integers,
        "mark": mark,
        "labels": labels,
    }
