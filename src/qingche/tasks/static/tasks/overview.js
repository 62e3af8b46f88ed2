// Returned share by department (ECharts, served locally); data from #department-data.
document.addEventListener("DOMContentLoaded", function () {
  var source = document.getElementById("department-data");
  var el = document.getElementById("returned-chart");
  if (!source || !el || !window.echarts) { return; }
  const rows = JSON.parse(source.textContent).slice(0, 20);
  const chart = echarts.init(el);
  chart.setOption({tooltip: {}, grid: {left: 160}, xAxis: {type: "value", max: 1},
    yAxis: {type: "category", data: rows.map(r => r.name).reverse()},
    series: [{type: "bar", data: rows.map(r => r.returned_share).reverse()}]});
});
