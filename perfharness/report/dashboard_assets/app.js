// perfharness dashboard: draws index.html (benchmarks x machines with sparklines, filters) and a
// benchmark's page (its series per machine, change points marked) from data.js, as SVG.
"use strict";
(function () {
  const DATA = window.PERFHARNESS_DASHBOARD;
  const SVG = "http://www.w3.org/2000/svg";
  const COLORS = ["#1a56c4", "#c4461a", "#2e8b3a", "#8a3ab9", "#b38f00", "#0f8a8a"];
  const app = document.getElementById("app");
  const body = document.body;

  function el(tag, attrs, text) {
    const node = tag.startsWith("svg:") ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
    Object.entries(attrs || {}).forEach(([key, value]) => node.setAttribute(key, value));
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function scale(series) { return series.unit === "s" ? [1e3, "ms"] : [1, series.unit]; }
  function fmt(value) { return Number(value.toPrecision(4)).toString(); }
  function short(commit) { return commit.slice(0, 8); }
  function envLabel(series) {
    const facts = series.environment_facts || {};
    return series.environment + (facts.openvino ? " (OpenVINO " + facts.openvino + ")" : "");
  }

  function chart(seriesList, width, height, detailed) {
    const svg = el("svg:svg", { width: width, height: height, viewBox: "0 0 " + width + " " + height });
    const pad = detailed ? { l: 60, r: 20, t: 20, b: 30 } : { l: 2, r: 2, t: 3, b: 3 };
    const all = seriesList.flatMap((s) => s.values.map((v) => v * scale(s)[0]));
    const low = Math.min(...all), high = Math.max(...all), span = high - low || Math.abs(high) || 1;
    const longest = Math.max(...seriesList.map((s) => s.values.length));
    const x = (i) => pad.l + (longest > 1 ? i / (longest - 1) : 0.5) * (width - pad.l - pad.r);
    const y = (v) => height - pad.b - ((v - low) / span) * (height - pad.t - pad.b);
    if (detailed) {
      svg.appendChild(el("svg:line", { class: "axis", x1: pad.l, y1: height - pad.b, x2: width - pad.r, y2: height - pad.b }));
      svg.appendChild(el("svg:line", { class: "axis", x1: pad.l, y1: pad.t, x2: pad.l, y2: height - pad.b }));
      svg.appendChild(el("svg:text", { x: 4, y: pad.t + 4 }, fmt(high) + " " + scale(seriesList[0])[1]));
      svg.appendChild(el("svg:text", { x: 4, y: height - pad.b }, fmt(low)));
      svg.appendChild(el("svg:text", { x: pad.l, y: height - 8 }, "commits, in history order"));
    }
    seriesList.forEach((s, n) => {
      const color = COLORS[n % COLORS.length];
      const points = s.values.map((v, i) => x(i).toFixed(1) + "," + y(v * scale(s)[0]).toFixed(1)).join(" ");
      svg.appendChild(el("svg:polyline", { class: "line", points: points, stroke: color }));
      s.changes.forEach((c) => {
        const at = (x(c.index - 1) + x(c.index)) / 2;
        svg.appendChild(el("svg:line", { class: "marker", x1: at, y1: pad.t, x2: at, y2: height - pad.b,
          stroke: c.regression ? "#b3261e" : "#777" }));
        if (detailed) {
          const label = el("svg:text", { x: at + 4, y: pad.t + 12 + 14 * n, class: "change-label" },
            short(c.commit) + " x" + c.ratio.toFixed(3));
          svg.appendChild(label);
        }
      });
    });
    return svg;
  }

  function filters(onChange) {
    const box = el("div", { class: "filters" });
    const choices = { machine: new Set(), environment: new Set() };
    DATA.series.forEach((s) => { choices.machine.add(s.machine); choices.environment.add(envLabel(s)); });
    const selects = {};
    Object.keys(choices).forEach((key) => {
      const label = el("label", {}, key + " ");
      const select = el("select", { id: "filter-" + key });
      select.appendChild(el("option", { value: "" }, "all"));
      [...choices[key]].sort().forEach((value) => select.appendChild(el("option", { value: value }, value)));
      select.addEventListener("change", onChange);
      label.appendChild(select);
      box.appendChild(label);
      selects[key] = select;
    });
    const keep = (s) => (!selects.machine.value || s.machine === selects.machine.value) &&
      (!selects.environment.value || envLabel(s) === selects.environment.value);
    return [box, keep];
  }

  function changeText(s) {
    if (!s.changes.length) return el("span", { class: "change" }, "-");
    const span = el("span");
    s.changes.forEach((c) => span.appendChild(el("span", { class: c.regression ? "regression" : "change" },
      short(c.commit) + " x" + c.ratio.toFixed(3) + " ")));
    return span;
  }

  function index() {
    app.textContent = "";
    app.appendChild(el("h1", {}, "Benchmarks x machines"));
    app.appendChild(el("div", { class: "meta" }, DATA.series.length + " series, generated " + DATA.generated));
    const table = el("table", { id: "overview" });
    const [box, keep] = filters(() => draw());
    app.appendChild(box);
    app.appendChild(table);
    function draw() {
      table.textContent = "";
      const head = el("tr");
      ["benchmark", "machine", "environment", "commits", "last", "trend", "change points"].forEach((h) => head.appendChild(el("th", {}, h)));
      table.appendChild(head);
      const shown = DATA.series.filter(keep);
      shown.forEach((s) => {
        const row = el("tr", { class: "series-row" });
        const link = el("td");
        link.appendChild(el("a", { href: s.page }, s.benchmark));
        row.appendChild(link);
        row.appendChild(el("td", {}, s.machine));
        row.appendChild(el("td", {}, envLabel(s)));
        row.appendChild(el("td", { class: "num" }, String(s.values.length)));
        row.appendChild(el("td", { class: "num" }, fmt(s.values[s.values.length - 1] * scale(s)[0]) + " " + scale(s)[1]));
        const spark = el("td");
        spark.appendChild(chart([s], 160, 32, false));
        row.appendChild(spark);
        const changes = el("td");
        changes.appendChild(changeText(s));
        row.appendChild(changes);
        table.appendChild(row);
      });
      body.setAttribute("data-rows", String(shown.length));
    }
    draw();
  }

  function benchmark(name) {
    app.textContent = "";
    app.appendChild(el("p", {}, "")).appendChild(el("a", { href: "index.html" }, "all benchmarks"));
    app.appendChild(el("h1", {}, name));
    const [box, keep] = filters(() => draw());
    app.appendChild(box);
    const area = el("div", { class: "chart" });
    const table = el("table", { id: "changes" });
    app.appendChild(area);
    app.appendChild(el("h2", {}, "Change points"));
    app.appendChild(table);
    function draw() {
      const mine = DATA.series.filter((s) => s.benchmark === name && keep(s));
      area.textContent = "";
      table.textContent = "";
      if (!mine.length) { area.textContent = "no series for these filters"; body.setAttribute("data-series", "0"); return; }
      const legend = el("div", { class: "legend" });
      mine.forEach((s, n) => {
        const item = el("span");
        const swatch = el("span", { class: "swatch" });
        swatch.style.background = COLORS[n % COLORS.length];  // CSSOM: allowed by the page's CSP
        item.appendChild(swatch);
        item.appendChild(document.createTextNode(s.machine + " / " + envLabel(s)));
        legend.appendChild(item);
      });
      area.appendChild(legend);
      area.appendChild(chart(mine, 900, 320, true));
      const head = el("tr");
      ["machine", "environment", "first commit after", "ratio", "p-value", "verdict"].forEach((h) => head.appendChild(el("th", {}, h)));
      table.appendChild(head);
      let count = 0;
      mine.forEach((s) => s.changes.forEach((c) => {
        const row = el("tr", { class: "change-row" });
        [s.machine, envLabel(s), c.commit, c.ratio.toFixed(3), c.p_value.toExponential(1)].forEach((v) => row.appendChild(el("td", {}, v)));
        row.appendChild(el("td", { class: c.regression ? "regression" : "change" }, c.regression ? "regression" : "change"));
        table.appendChild(row);
        count += 1;
      }));
      if (!count) table.appendChild(el("tr")).appendChild(el("td", { colspan: 6 }, "no change point"));
      body.setAttribute("data-series", String(mine.length));
    }
    draw();
  }

  if (body.dataset.page === "benchmark") benchmark(body.dataset.benchmark); else index();
  body.setAttribute("data-ready", "true");
})();
