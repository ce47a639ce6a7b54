/* Charts of the summary and cross-table pages, drawn with Chart.js.
 *
 * Each chart is a <canvas data-chart="ID"> whose data is the JSON block <script
 * type="application/json" id="ID"> ({type, title, labels, datasets: [{label, data}]};
 * type: bar, stacked, hbar, pie or line). Buttons with data-download-chart save a chart
 * as PNG; buttons with data-print print the page. No inline script or style: the page's
 * Content-Security-Policy allows neither.
 */
(function () {
  "use strict";

  // Okabe-Ito colours: told apart by people with colour-vision deficiencies.
  var PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00",
    "#F0E442", "#000000", "#999999"];
  var EMPTY_COLOUR = "#BDBDBD";

  function colour(index) { return PALETTE[index % PALETTE.length]; }

  function config(data, phone) {
    var kind = data.type;
    var type = kind === "pie" ? "pie" : kind === "line" ? "line" : "bar";
    var stacked = kind === "stacked";
    var datasets = data.datasets.map(function (set, index) {
      var base = { label: set.label, data: set.data.map(function (v) { return v === null ? 0 : v; }) };
      if (type === "pie") {
        base.backgroundColor = data.labels.map(function (label, j) { return colour(j); });
        base.borderColor = "#ffffff";
      } else {
        base.backgroundColor = colour(index);
        base.borderColor = colour(index);
        base.borderWidth = type === "line" ? 2 : 0;
        base.tension = 0.2;
        base.pointRadius = data.labels.length > 60 ? 0 : 3;
      }
      return base;
    });
    var fontSize = phone ? 12 : 13;
    var options = {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      indexAxis: kind === "hbar" ? "y" : "x",
      plugins: {
        legend: { display: type === "pie" || datasets.length > 1, position: "bottom",
          labels: { font: { size: fontSize }, boxWidth: 14 } },
        title: { display: !!data.title, text: data.title, font: { size: fontSize + 1 } },
        tooltip: { enabled: true }
      }
    };
    if (type !== "pie") {
      options.scales = {
        x: { stacked: stacked, beginAtZero: true,
          ticks: { font: { size: fontSize }, autoSkip: true, maxRotation: phone ? 90 : 50 } },
        y: { stacked: stacked, beginAtZero: true, ticks: { font: { size: fontSize } } }
      };
    }
    return { type: type, data: { labels: data.labels, datasets: datasets }, options: options };
  }

  function fitHeight(canvas, data) {
    // one line per label for horizontal bars, so that every label stays legible
    if (data.type !== "hbar") { return; }
    var box = canvas.parentNode;
    var lines = data.labels.length * Math.max(1, data.datasets.length);
    box.style.height = Math.max(160, lines * 30 + 60) + "px";
  }

  function drawAll() {
    if (typeof window.Chart === "undefined") { return; }
    var phone = window.matchMedia("(max-width: 40rem)").matches;
    window.Chart.defaults.font.family =
      '"Noto Sans CJK JP", "Hiragino Sans", "Yu Gothic", "Meiryo", sans-serif';
    window.Chart.defaults.color = "#1a1a1a";
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var block = document.getElementById(canvas.getAttribute("data-chart"));
      if (!block) { return; }
      var data = JSON.parse(block.textContent);
      data.datasets.forEach(function (set) {
        if (set.label === null) { set.label = ""; }
      });
      fitHeight(canvas, data);
      canvas.chart = new window.Chart(canvas, config(data, phone));
      canvas.setAttribute("data-drawn", "true");
    });
  }

  function downloadPng(button) {
    var canvas = document.getElementById(button.getAttribute("data-download-chart"));
    if (!canvas) { return; }
    // a white background: the chart itself is transparent
    var copy = document.createElement("canvas");
    copy.width = canvas.width;
    copy.height = canvas.height;
    var context = copy.getContext("2d");
    context.fillStyle = "#ffffff";
    context.fillRect(0, 0, copy.width, copy.height);
    context.drawImage(canvas, 0, 0);
    var link = document.createElement("a");
    link.href = copy.toDataURL("image/png");
    link.download = button.getAttribute("data-filename") || "chart.png";
    document.body.appendChild(link);
    link.click();
    link.remove();
  }

  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-download-chart], [data-print]");
    if (!target) { return; }
    if (target.hasAttribute("data-print")) { window.print(); } else { downloadPng(target); }
  });

  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      if (canvas.chart) { canvas.chart.resize(); }
    });
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
}());
