// The burden dashboard's charts (ECharts, served locally); data from #burden-chart-data.
document.addEventListener("DOMContentLoaded", function () {
  var source = document.getElementById("burden-chart-data");
  if (!source) return;
  var d = JSON.parse(source.textContent);
  function chart(id, option) { var el = document.getElementById(id); if (el && window.echarts) { echarts.init(el).setOption(option); } }
  chart("chart-towns", {tooltip: {}, grid: {left: 90}, xAxis: {type: "value"}, yAxis: {type: "category", data: d.towns},
    series: [{type: "bar", data: d.index, markLine: {data: [{xAxis: d.red_line}], lineStyle: {color: "#d63939"}}}]});
  var names = Object.keys(d.sources);
  chart("chart-sources", {tooltip: {trigger: "axis"}, legend: {data: names}, xAxis: {type: "category", data: d.months},
    yAxis: {type: "value"}, series: names.map(function (n) { return {name: n, type: "bar", stack: "load", data: d.sources[n]}; })});
  chart("chart-inspections", {tooltip: {trigger: "axis"}, legend: {}, xAxis: {type: "category", data: d.months}, yAxis: {type: "value"},
    series: [{name: d.labels.planned, type: "bar", stack: "i", data: d.this.inspections_planned},
             {name: d.labels.unplanned, type: "bar", stack: "i", data: d.this.inspections_unplanned}]});
  chart("chart-meetings", {tooltip: {trigger: "axis"}, legend: {}, xAxis: {type: "category", data: d.months}, yAxis: {type: "value"},
    series: [{name: d.labels.meetings, type: "line", data: d.this.meetings}, {name: d.labels.meetings_last, type: "line", lineStyle: {type: "dashed"}, data: d.last.meetings},
             {name: d.labels.documents, type: "line", data: d.this.documents}, {name: d.labels.documents_last, type: "line", lineStyle: {type: "dashed"}, data: d.last.documents}]});
  chart("chart-forms", {tooltip: {trigger: "axis"}, legend: {}, xAxis: {type: "category", data: d.months}, yAxis: {type: "value"},
    series: [{name: d.labels.fields, type: "bar", data: d.this.form_fields}, {name: d.labels.reused, type: "bar", data: d.this.form_fields_reused},
             {name: d.labels.forms, type: "line", data: d.this.forms}]});
});
