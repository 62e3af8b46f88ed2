// A unit's score by month (ECharts, served locally); data from #unit-data, series name from data-label.
document.addEventListener("DOMContentLoaded", function () {
  var source = document.getElementById("unit-data");
  var el = document.getElementById("unit-chart");
  if (!source || !el || !window.echarts) return;
  var data = JSON.parse(source.textContent);
  data = typeof data === "string" ? JSON.parse(data) : data;
  var chart = echarts.init(el);
  chart.setOption({tooltip: {trigger: "axis"}, xAxis: {type: "category", data: data.months},
    yAxis: {type: "value", min: 0, max: 100}, series: [{name: el.dataset.label, type: "line", data: data.score}]});
});
