// Every chart of Qingche (ECharts, served locally): an element <div data-chart="ID"> is drawn from the
// chart spec the page put in {{ spec|json_script:"ID" }} (built by qingche.core.charts.chart). Once drawn
// the element carries data-ready="1".
(function () {
  "use strict";

  function seriesOption(spec, s, index) {
    var kind = s.kind || spec.kind;
    var option = {name: s.name, type: kind, data: s.data};
    if (s.stack) option.stack = s.stack;
    if (s.dashed || s.bold) option.lineStyle = {};
    if (s.dashed) option.lineStyle.type = "dashed";
    if (s.bold) option.lineStyle.width = 3;
    if (spec.labels) option.label = {show: true, position: spec.horizontal ? "right" : "top"};
    if (index === 0 && spec.mark !== null && spec.mark !== undefined) {
      var at = {};
      at[spec.horizontal ? "xAxis" : "yAxis"] = spec.mark;
      option.markLine = {data: [at], symbol: "none", lineStyle: {color: "#d63939"}};
    }
    return option;
  }

  function option(spec) {
    var many = spec.series.length > 1;
    if (spec.kind === "pie") {
      var first = spec.series[0] || {data: []};
      return {
        tooltip: {trigger: "item"}, legend: {top: 0},
        series: [{name: first.name, type: "pie", radius: "65%",
          data: spec.categories.map(function (name, i) { return {name: name, value: first.data[i]}; })}],
      };
    }
    var category = {type: "category", data: spec.categories};
    var value = {type: "value"};
    if (spec.min !== null && spec.min !== undefined) value.min = spec.min;
    if (spec.max !== null && spec.max !== undefined) value.max = spec.max;
    if (spec.integers) value.minInterval = 1;
    return {
      tooltip: {trigger: many || spec.kind === "line" ? "axis" : "item"},
      legend: many ? {top: 0} : undefined,
      grid: {left: 10, right: 20, top: many ? 40 : 20, bottom: 10, containLabel: true},
      xAxis: spec.horizontal ? value : category,
      yAxis: spec.horizontal ? category : value,
      series: spec.series.map(function (s, i) { return seriesOption(spec, s, i); }),
    };
  }

  function draw(element) {
    var source = document.getElementById(element.dataset.chart);
    if (!source || !window.echarts) return;
    var chart = window.echarts.init(element);
    chart.setOption(option(JSON.parse(source.textContent)));
    element.dataset.ready = "1";
    window.addEventListener("resize", function () { chart.resize(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-chart]").forEach(draw);
  });
})();
