/* The dashboard's charts (youfu/reports/templates/reports/dashboard.html), drawn with the
   vendored ECharts. Labels come from each chart's table (the page translates them; the table is
   also what shows without script and in print), numbers from the page's data-figures: the
   figures of /api/v1/reports/dashboard, counted once with the page rather than asked for again.
   No inline script: this file is the page's only code. */
(function () {
  "use strict";
  var root = document.getElementById("dashboard");
  if (!root || typeof window.echarts === "undefined") { return; }

  var INK = "#1f2933", LINE = "#9aa5b1";
  var COLORS = ["#9b1c1c", "#1d4e89", "#1e7a46", "#b7791f", "#6b3fa0", "#52606d"];
  var FONT = 16;
  var charts = [];

  function figure(key) { return root.querySelector('[data-chart="' + key + '"]'); }

  function rows(key) {
    return Array.prototype.map.call(figure(key).querySelectorAll("tbody tr[data-key]"), function (tr) {
      return { key: tr.getAttribute("data-key"), label: tr.querySelector("th").textContent.trim() };
    });
  }

  function heads(key) {
    return Array.prototype.map.call(figure(key).querySelectorAll("thead th"), function (th) {
      return th.textContent.trim();
    }).slice(1);
  }

  function base() {
    return {
      color: COLORS,
      animation: false,
      textStyle: { fontSize: FONT, color: INK },
      legend: { top: 0, textStyle: { fontSize: FONT, color: INK } },
      grid: { left: 16, right: 24, top: 44, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", textStyle: { fontSize: FONT } }
    };
  }

  function axis(labels, extra) {
    var a = { type: "category", data: labels, axisLabel: { fontSize: FONT, color: INK, interval: 0 },
              axisLine: { lineStyle: { color: INK } } };
    return Object.assign(a, extra || {});
  }

  function value() {
    return { type: "value", axisLabel: { fontSize: FONT, color: INK }, minInterval: 1,
             splitLine: { lineStyle: { color: LINE, type: "dashed" } } };
  }

  function bar(name, data, extra) {
    return Object.assign({ name: name, type: "bar", data: data, barMaxWidth: 64,
                           label: { show: true, position: "top", fontSize: FONT - 2, color: INK } }, extra || {});
  }

  function draw(key, option) {
    var fig = figure(key);
    if (!fig) { return; }
    // Shown before it is drawn: ECharts takes the size of its box when it begins, and a hidden
    // box has none (it drew every chart 100 px wide). Should drawing fail, the table comes back.
    fig.classList.add("drawn");
    try {
      var chart = window.echarts.init(fig.querySelector(".chart"), null, { renderer: "canvas" });
      chart.setOption(Object.assign(base(), option));
      charts.push(chart);
    } catch (error) {
      fig.classList.remove("drawn");
      throw error;
    }
  }

  function byKey(key, values) {
    return rows(key).map(function (r) { return values[r.key] || 0; });
  }

  function months(data) {
    var labels = rows("paid").map(function (r) { return r.label; });
    var names = heads("paid");
    var paid = data.months.map(function (m) { return Number(m.paid); });
    var prevPaid = data.months.map(function (m) { return Number(m.prev_paid); });
    draw("paid", {
      xAxis: axis(labels), yAxis: value(),
      series: [bar(names[0], paid, { label: { show: false } }),
               { name: names[1], type: "line", data: prevPaid, symbolSize: 8, lineStyle: { width: 3 } }]
    });
    var persons = data.months.map(function (m) { return m.persons_paid; });
    var prevPersons = data.months.map(function (m) { return m.prev_persons_paid; });
    draw("persons", {
      xAxis: axis(labels), yAxis: value(),
      series: [bar(names[0], persons, { label: { show: false } }),
               { name: names[1], type: "line", data: prevPersons, symbolSize: 8, lineStyle: { width: 3 } }]
    });
  }

  function townships(data) {
    var list = rows("townships");
    if (!list.length) { return; }
    var names = heads("townships");
    var found = {};
    data.townships.forEach(function (t) { found[t.code] = t; });
    function col(field) { return list.map(function (r) { return (found[r.key] || {})[field] || 0; }); }
    draw("townships", {
      xAxis: axis(list.map(function (r) { return r.label; }), { axisLabel: { fontSize: FONT, color: INK, interval: 0, rotate: list.length > 6 ? 30 : 0 } }),
      yAxis: value(),
      series: [bar(names[0], col("persons")), bar(names[1], col("persons_paid")), bar(names[2], col("petitions_received"))]
    });
  }

  function counts(key, values) {
    var list = rows(key);
    if (!list.length) { return; }
    draw(key, {
      legend: { show: false },
      grid: { left: 16, right: 48, top: 8, bottom: 8, containLabel: true },
      yAxis: axis(list.map(function (r) { return r.label; }), { inverse: true }),
      xAxis: value(),
      series: [bar(heads(key)[0], byKey(key, values), { label: { show: true, position: "right", fontSize: FONT, color: INK } })]
    });
  }

  function care(data) {
    var c = data.care;
    var list = rows("care");
    var names = heads("care");
    var done = { visits: c.visited, findings: c.findings_solved, homes: c.homes_served };
    var todo = { visits: c.visit_targets - c.visited, findings: c.findings_open, homes: c.homes_unserved };
    var inside = { show: true, position: "inside", fontSize: FONT, color: "#fff", formatter: function (p) { return p.value || ""; } };
    draw("care", {
      color: ["#1e7a46", "#b42318"],
      grid: { left: 16, right: 24, top: 44, bottom: 8, containLabel: true },
      yAxis: axis(list.map(function (r) { return r.label; }), { inverse: true, axisLabel: { fontSize: FONT - 2, color: INK, width: 220, overflow: "break" } }),
      xAxis: value(),
      series: [bar(names[0], byKey("care", done), { stack: "all", label: inside }),
               bar(names[1], byKey("care", todo), { stack: "all", label: inside })]
    });
  }

  try {
    var data = JSON.parse(root.getAttribute("data-figures"));
    months(data);
    townships(data);
    counts("categories", data.by_category);
    counts("states", data.petitions_by_state);
    counts("urgency", data.petitions_by_urgency);
    care(data);
    root.setAttribute("data-drawn", "true");
  } catch (e) {
    root.setAttribute("data-drawn", "failed");
  }

  function resize() { charts.forEach(function (chart) { chart.resize(); }); }
  window.addEventListener("resize", resize);
  window.addEventListener("beforeprint", resize);
  window.addEventListener("afterprint", resize);
}());
