// 12-month trend of a unit's burden index (ECharts, served locally); data from #trend-data.
document.addEventListener("DOMContentLoaded", function () {
  var source = document.getElementById("trend-data");
  var el = document.getElementById("chart-trend");
  if (!source || !el || !window.echarts) return;
  var t = JSON.parse(source.textContent);
  var labelsEl = document.getElementById("trend-labels");
  var labels = labelsEl ? JSON.parse(labelsEl.textContent) : {value: "", imposed_share: ""};
  echarts.init(el).setOption({tooltip: {trigger: "axis"}, legend: {top: 0},
    xAxis: {type: "category", data: t.map(function (r) { return r.month; })}, yAxis: {type: "value"},
    series: [
      {name: labels.value, type: "line", data: t.map(function (r) { return r.value; })},
      {name: labels.imposed_share, type: "line", lineStyle: {type: "dashed"}, data: t.map(function (r) { return r.imposed_share; })}
    ]});
});
