// 12-month trend of a unit's burden index (ECharts, served locally); data from #trend-data.
document.addEventListener("DOMContentLoaded", function () {
  var source = document.getElementById("trend-data");
  var el = document.getElementById("chart-trend");
  if (!source || !el || !window.echarts) return;
  var t = JSON.parse(source.textContent);
  echarts.init(el).setOption({tooltip: {trigger: "axis"}, xAxis: {type: "category", data: t.map(function (r) { return r.month; })},
    yAxis: {type: "value"}, series: [{type: "line", data: t.map(function (r) { return r.value; })}]});
});
