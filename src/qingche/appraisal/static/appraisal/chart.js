// Grade distribution (ECharts, served locally): reads the data the page put in #grade-data.
document.addEventListener("DOMContentLoaded", function () {
  var holder = document.getElementById("grade-chart");
  var source = document.getElementById("grade-data");
  if (!holder || !source || !window.echarts) return;
  var data = JSON.parse(source.textContent);
  var chart = window.echarts.init(holder);
  chart.setOption({
    tooltip: {},
    grid: { left: 40, right: 10, top: 10, bottom: 30 },
    xAxis: { type: "category", data: data.labels },
    yAxis: { type: "value", minInterval: 1 },
    series: [{ type: "bar", data: data.values, label: { show: true, position: "top" } }],
  });
  holder.dataset.ready = "1";
  window.addEventListener("resize", function () { chart.resize(); });
});
