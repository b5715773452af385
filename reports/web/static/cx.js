// The CX page: the map of touchpoint x journey stage (what moved most first), example posts per
// touchpoint, response figures over time, per source and per touchpoint, and the cases to answer.
"use strict";

const tagName = (name) => (name ? name.replaceAll("_", " ") : "untagged");
const signed = (v) => (v === null || v === undefined ? "–" : `${v >= 0 ? "+" : "−"}${Math.abs(v * 100).toFixed(0)}`);

// A wait for people: 45s, 12m, 3.5h, 2.1d (as reports.cx.format_seconds)
function duration(seconds) {
  if (seconds === null || seconds === undefined) return "–";
  for (const [size, unit] of [[86400, "d"], [3600, "h"], [60, "m"]]) {
    if (seconds >= size) { const v = seconds / size; return `${v < 10 ? v.toFixed(1) : v.toFixed(0)}${unit}`; }
  }
  return `${seconds.toFixed(0)}s`;
}

function cxQuery() {
  const query = windowQuery();
  const brand = new URLSearchParams(location.search).get("brand");
  if (brand) query.set("brand", brand);
  return query;
}

// Net sentiment in five steps for the cell's shading (the figures say it in words as well)
function tone(net) {
  if (net === null || net === undefined) return "tone-none";
  return net <= -0.5 ? "tone-n2" : net < -0.1 ? "tone-n1" : net <= 0.1 ? "tone-0" : net < 0.5 ? "tone-p1" : "tone-p2";
}

function mapCell(cell, biggest) {
  if (!cell || (!cell.volume && !cell.previous.volume)) return el("td", { className: "cell tone-none" }, el("span", { className: "muted", text: "–" }));
  const moved = biggest && biggest.touchpoint === cell.touchpoint && biggest.stage === cell.stage;
  const label = `${tagName(cell.touchpoint)} at ${tagName(cell.stage)}: ${cell.volume} mentions (previous period ${cell.previous.volume}), `
    + `net sentiment ${signed(cell.net_sentiment)}, anger ${pct(cell.anger_share)}`;
  return el("td", { className: `cell ${tone(cell.net_sentiment)}${moved ? " moved" : ""}`, title: label,
    "data-touchpoint": cell.touchpoint, "data-stage": cell.stage },
    el("strong", { className: "v", text: number(cell.volume) }), moved ? el("span", { className: "pill negative", text: "moved most" }) : null,
    delta(cell.volume_change, "relative"),
    el("span", { className: "small", text: `net ${signed(cell.net_sentiment)}` }),
    el("span", { className: "small", text: ` · anger ${pct(cell.anger_share)}` }));
}

function mapTable(data) {
  if (!data.cells.length) {
    return el("p", { className: "muted", text: "No tagged mentions in this window or the one before. Tags come from the tag job (cx.tags in the config)." });
  }
  const byKey = new Map(data.cells.map((cell) => [`${cell.touchpoint}|${cell.stage}`, cell]));
  const totals = (touchpoint) => data.cells.filter((c) => c.touchpoint === touchpoint).reduce((sum, c) => sum + c.volume, 0);
  return el("table", { className: "list cxmap" },
    el("caption", { className: "visually-hidden", text: "Mentions per touchpoint and journey stage" }),
    el("thead", {}, el("tr", {}, el("th", { scope: "col", text: "Touchpoint" }), ...data.stages.map((s) => el("th", { scope: "col", text: tagName(s) })))),
    el("tbody", {}, ...data.touchpoints.map((touchpoint) => el("tr", { "data-touchpoint": touchpoint },
      el("th", { scope: "row" }, tagName(touchpoint), el("span", { className: "small muted", text: ` ${number(totals(touchpoint))}` })),
      ...data.stages.map((stage) => mapCell(byKey.get(`${touchpoint}|${stage}`), data.biggest_change))))));
}

function quotesOf(data) {
  const touchpoints = data.touchpoints.filter((t) => (data.quotes[t] || []).length);
  if (!touchpoints.length) return [el("p", { className: "muted", text: "No tagged posts in this window." })];
  return touchpoints.map((t) => el("article", { className: "card quotes-of", "data-touchpoint": t },
    el("h3", { text: tagName(t) }),
    ...data.quotes[t].map((q) => quote({ ...q, text: q.text, source: `${q.source} · ${tagName(q.stage)}${q.label ? ` · ${q.label}` : ""}` }))));
}

// Cases per period as bars, response rate and within-SLA share as lines (told apart by dash and label)
function responseChart(rows, every) {
  const width = 760, height = 190, left = 40, right = 120, top = 12, bottom = 24;
  const plotW = width - left - right, plotH = height - top - bottom;
  const svg = svgEl("svg", { viewBox: `0 0 ${width} ${height}`, class: "share response", role: "img",
    "aria-label": `Cases per ${every}, with the share answered and the share answered within the SLA` });
  const max = niceMax(Math.max(1, ...rows.map((r) => r.cases)));
  const step = plotW / Math.max(rows.length, 1);
  for (const tick of [0, 0.5, 1]) {
    const y = top + plotH - tick * plotH;
    svg.append(svgEl("line", { x1: left, x2: left + plotW, y1: y, y2: y, class: "grid" }),
      svgEl("text", { x: left - 4, y: y + 4, class: "axis", "text-anchor": "end" }, number(tick * max)),
      svgEl("text", { x: left + plotW + 4, y: y + 4, class: "axis" }, pct(tick)));
  }
  const readout = el("p", { className: "readout small", "aria-live": "polite", text: `Point at a ${every} for its figures.` });
  rows.forEach((r, i) => {
    const h = (r.cases / max) * plotH;
    const text = `${r.period}: ${r.cases} case(s), ${pct(r.response_rate)} answered, median first response ${duration(r.median_first_response_s)}, `
      + `p90 ${duration(r.p90_first_response_s)}, within SLA ${pct(r.within_sla)}`;
    const group = svgEl("g", { class: "bucket" });
    group.append(svgEl("rect", { x: left + i * step + step * 0.15, y: top + plotH - h, width: step * 0.7, height: h, class: "cases" }),
      svgEl("rect", { x: left + i * step, y: top, width: step, height: plotH, fill: "transparent", class: "hit" }), svgEl("title", {}, text));
    group.addEventListener("mouseenter", () => { readout.textContent = text; });
    svg.append(group);
    if (rows.length <= 16 || i % Math.ceil(rows.length / 8) === 0) svg.append(svgEl("text", { x: left + i * step, y: height - 6, class: "axis" }, r.period.slice(5)));
  });
  [["response_rate", "answered", "", 0], ["within_sla", "within SLA", "6 3", 1]].forEach(([key, name, dash, k]) => {
    const pts = rows.map((r, i) => (r[key] === null ? null : [left + i * step + step / 2, top + plotH - r[key] * plotH])).filter(Boolean);
    if (!pts.length) return;
    svg.append(svgEl("polyline", { points: pts.map((p) => p.join(",")).join(" "), class: `peer peer-${k}`, "stroke-dasharray": dash }));
    const last = pts[pts.length - 1];
    svg.append(svgEl("text", { x: left + plotW + 34, y: last[1] + 4 + k * 12, class: "peer-label" }, name));
  });
  return el("figure", { className: "chart" }, svg,
    el("ul", { className: "legend" }, el("li", {}, el("span", { className: "swatch cases", "aria-hidden": "true" }), "cases opened (left axis)"),
      el("li", {}, "solid line: answered · dashed line: within SLA (right axis)")), readout);
}

function responseTable(rows, keyName) {
  if (!rows.length) return el("p", { className: "muted", text: "No cases in this window." });
  const max = Math.max(...rows.map((r) => r.cases));
  return el("table", { className: "list" },
    el("thead", {}, el("tr", {}, ...[keyName, "Cases", "Answered", "Median first response", "p90", "Within SLA", "Resolved"].map((h) => el("th", { scope: "col", text: h })))),
    el("tbody", {}, ...rows.map((r) => el("tr", { "data-group": r.group },
      el("th", { scope: "row", text: tagName(r.group) }),
      el("td", {}, el("span", { className: "bar", "data-share": (r.cases / max).toFixed(3) }), number(r.cases)),
      el("td", { text: `${number(r.answered)} (${pct(r.response_rate)})` }), el("td", { text: duration(r.median_first_response_s) }),
      el("td", { text: duration(r.p90_first_response_s) }), el("td", { text: pct(r.within_sla) }), el("td", { text: number(r.resolved) })))));
}

function responseStats(data) {
  const now = data.total, before = data.previous;
  const was = (key, fmt) => el("span", { className: "delta muted", text: before ? `previous period ${fmt(before[key])}` : "no earlier cases" });
  return el("div", { className: "stats" },
    statWithChange("cases", number(now.cases), was("cases", number)),
    statWithChange("response rate", pct(now.response_rate), was("response_rate", pct)),
    statWithChange("median first response", duration(now.median_first_response_s), was("median_first_response_s", duration)),
    statWithChange("p90 first response", duration(now.p90_first_response_s), was("p90_first_response_s", duration)),
    statWithChange("within SLA", pct(now.within_sla), was("within_sla", pct)));
}

function figuresSection(data) {
  if (!data.total) return [el("p", { className: "muted", text: "No cases were opened in this window." })];
  return [responseStats(data), responseChart(data.over_time, data.every),
    el("div", { className: "two" },
      el("div", {}, el("h3", { text: "Per source" }), el("div", { className: "scroll" }, responseTable(data.by_source, "Source"))),
      el("div", {}, el("h3", { text: "Per touchpoint" }), el("div", { className: "scroll" }, responseTable(data.by_touchpoint, "Touchpoint"))))];
}

function casesTable(rows) {
  if (!rows.length) return el("p", { className: "muted", text: "No cases to show." });
  return el("table", { className: "list" },
    el("thead", {}, el("tr", {}, ...["Case", "State", "Severity", "Brand", "Source", "Customer", "Touchpoint", "Stage", "Opened (UTC)", "First response", "Due", "Assignee"].map((h) => el("th", { scope: "col", text: h })))),
    el("tbody", {}, ...rows.map((c) => el("tr", { "data-case": c.id },
      el("th", { scope: "row" }, el("a", { href: c.link, text: `#${c.id}` })),
      el("td", {}, el("span", { className: `pill case-${c.state}`, text: c.state })), el("td", { text: c.severity }),
      el("td", { text: c.brand }), el("td", { text: c.source }), el("td", { text: c.author }),
      el("td", { text: tagName(c.touchpoint) }), el("td", { text: c.stage ? tagName(c.stage) : "–" }),
      el("td", { text: when(c.opened_at) }), el("td", { text: c.first_response_at ? when(c.first_response_at) : "none yet" }),
      el("td", { text: c.due_at ? when(c.due_at) : "–" }), el("td", { text: c.assignee || "–" })))));
}

async function loadCases() {
  const query = new URLSearchParams({ limit: "100" });
  const brand = new URLSearchParams(location.search).get("brand");
  if (brand) query.set("brand", brand);
  const state = document.getElementById("case-state").value;
  if (state) query.set("state", state);
  document.getElementById("cases").replaceChildren(casesTable(await api(`/api/cases?${query}`)));
}

async function loadCx() {
  const query = cxQuery();
  const [map, figures] = await Promise.all([api(`/api/cx/map?${query}`), api(`/api/cx/figures?${query}`)]);
  describeWindow(document.getElementById("window-note"), map.window);
  const headline = document.getElementById("cx-headline");
  headline.removeAttribute("aria-busy");
  headline.replaceChildren(el("h2", { text: "What moved most" }),
    el("p", { text: map.headline || "No touchpoint and stage moved against the previous period." }));
  document.getElementById("cx-map").replaceChildren(mapTable(map));
  document.getElementById("cx-quotes").replaceChildren(...quotesOf(map));
  document.getElementById("cx-figures").replaceChildren(...figuresSection(figures));
  for (const bar of document.querySelectorAll("#cx-figures span.bar[data-share]")) bar.style.width = `${Number(bar.dataset.share) * 60}px`;
  await loadCases();
}

document.addEventListener("DOMContentLoaded", async () => {
  const form = document.getElementById("window");
  const brand = document.getElementById("cx-brand");
  brand.value = new URLSearchParams(location.search).get("brand") || "";
  brand.addEventListener("change", () => {
    const next = new URLSearchParams(location.search);
    if (brand.value) next.set("brand", brand.value); else next.delete("brand");
    history.replaceState(null, "", `${location.pathname}?${next}`);
    run(loadCx);
  });
  document.getElementById("case-state").addEventListener("change", () => run(loadCases));
  form.addEventListener("reload", () => run(loadCx));
  await run(async () => windowControls(form, await api("/api/facets")));
  run(loadCx);
});
