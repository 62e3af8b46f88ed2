// 轮训 coverage by town, 党政主职 and the others side by side (ECharts, served locally); data from #coverage-data.
document.addEventListener("DOMContentLoaded", function () {
  var source = document.getElementById("coverage-data");
  var el = document.getElementById("coverage-chart");
  if (!source || !el || !window.echarts) { return; }
  const rows = JSON.parse(source.textContent);
  const pct = v => (v === null ? 0 : Math.round(v * 100));
  const chart = echarts.init(el);
  chart.setOption({tooltip: {trigger: "axis", valueFormatter: v => v + "%"}, legend: {}, grid: {left: 40, right: 10, bottom: 60},
    xAxis: {type: "category", data: rows.map(r => r.name), axisLabel: {rotate: 40}},
    yAxis: {type: "value", max: 100, axisLabel: {formatter: "{value}%"}},
    series: [{name: el.dataset.heads, type: "bar", data: rows.map(r => pct(r.heads))},
             {name: el.dataset.others, type: "bar", data: rows.map(r => pct(r.others))}]});
  window.addEventListener("resize", () => chart.resize());
});
