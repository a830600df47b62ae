/* Draws the report's charts with the vendored Chart.js; every label comes translated from the page. */
(function () {
  "use strict";
  var source = document.getElementById("report-charts");
  if (!source || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var palette = ["#2e7d32", "#c62828", "#ef6c00", "#78909c", "#1565c0", "#6a1b9a"];
  Chart.defaults.animation = false;  // figures should be readable at once (and testable)
  Chart.defaults.maintainAspectRatio = false;

  function title(text) { return { display: true, text: text }; }

  function pie(id, chart) {
    var canvas = document.getElementById(id);
    if (!canvas) { return; }
    new Chart(canvas, {
      type: "doughnut",
      data: { labels: chart.labels, datasets: [{ data: chart.data, backgroundColor: palette.slice(0, chart.data.length) }] },
      options: { plugins: { title: title(chart.title), legend: { position: "bottom" } } }
    });
  }

  function bars(id, chart, options) {
    var canvas = document.getElementById(id);
    if (!canvas) { return; }
    options = options || {};
    var datasets = chart.series.map(function (series, index) {
      return { label: series.label, data: series.data, backgroundColor: palette[(options.offset || 0) + index] };
    });
    new Chart(canvas, {
      type: "bar",
      data: { labels: chart.labels, datasets: datasets },
      options: {
        indexAxis: options.horizontal ? "y" : "x",
        plugins: { title: title(chart.title), legend: { display: datasets.length > 1, position: "bottom" } },
        scales: options.horizontal
          ? { x: { stacked: !!options.stacked, beginAtZero: true, title: title(data.calls_axis) }, y: { stacked: !!options.stacked } }
          : { x: { stacked: !!options.stacked }, y: { stacked: !!options.stacked, beginAtZero: true, max: options.max, title: title(options.axis || data.calls_axis) } }
      }
    });
  }

  pie("chart-outcomes", data.outcomes);
  pie("chart-directions", data.directions);
  bars("chart-days", data.days, { stacked: true });
  bars("chart-agents", data.agents, { stacked: true, horizontal: true });
  bars("chart-queues", data.queues, { max: 100, axis: "%", offset: 4 });
  bars("chart-hours", data.hours, { offset: 4 });
}());
