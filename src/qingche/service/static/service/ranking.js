// Three-rates trend of the ranking page (ECharts, served locally); data from #trend-data, series names
// from the chart's data-* labels.
document.addEventListener("DOMContentLoaded", function () {
  var source = document.getElementById("trend-data");
  var el = document.getElementById("trend-chart");
  if (!source || !el || !window.echarts) return;
  var data = JSON.parse(source.textContent);
  data = typeof data === "string" ? JSON.parse(data) : data;
  var labels = el.dataset;
  var chart = echarts.init(el);
  chart.setOption({
    tooltip: {trigger: "axis"}, legend: {},
    xAxis: {type: "category", data: data.months}, yAxis: {type: "value", min: 0, max: 100},
    series: [
      {name: labels.response, type: "line", data: data.response},
      {name: labels.resolution, type: "line", data: data.resolution},
      {name: labels.satisfaction, type: "line", data: data.satisfaction},
      {name: labels.score, type: "line", data: data.score, lineStyle: {width: 3}}
    ]
  });
  window.qcTrendChart = chart;
});
