// BrandPulse dashboard, shared by every page: DOM helpers, the API client, formatting and the charts.
// User text is only ever written with textContent (never innerHTML), so a post containing <script>
// shows as text. Charts never rely on colour alone: each sentiment has its own fill pattern, the
// legend names it, and every bar says its values on hover and in the readout line under the chart.
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const LABELS = ["negative", "neutral", "positive"];
const NAMES = { negative: "Negative", neutral: "Neutral", positive: "Positive", unscored: "Not scored yet" };

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "text") node.textContent = value;
    else if (key === "className") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) if (child !== null && child !== undefined && child !== false) node.append(child);
  return node;
}

function svgEl(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

function showError(message) {
  const box = document.getElementById("error");
  box.textContent = message;
  box.hidden = false;
  setTimeout(() => { box.hidden = true; }, 6000);
}

async function api(path, options = {}) {
  const response = await fetch(path, { credentials: "same-origin", ...options });
  if (!response.ok) {
    let detail = response.statusText;
    try { detail = (await response.json()).detail || detail; } catch (_) { /* not JSON */ }
    throw new Error(`${response.status}: ${typeof detail === "string" ? detail : JSON.stringify(detail)}`);
  }
  return response.json();
}

const pct = (v, digits = 0) => (v === null || v === undefined ? "–" : `${(v * 100).toFixed(digits)}%`);
const points = (v) => (v === null || v === undefined ? "–" : `${v >= 0 ? "+" : "−"}${Math.abs(v * 100).toFixed(0)}`);
const when = (iso) => (iso ? iso.replace("T", " ").replace("Z", "").slice(0, 16) : "");
const day = (iso) => (iso ? iso.slice(0, 10) : "");
const number = (v) => (v === null || v === undefined ? "–" : Number(v).toLocaleString("en"));
const safeUrl = (url) => (typeof url === "string" && /^https?:\/\//i.test(url) ? url : null);
const minuteOf = (date) => date.toISOString().slice(0, 16);

// A change against the previous period, with an arrow and words, never colour alone
function delta(value, kind) {
  if (value === null || value === undefined) return el("span", { className: "delta muted", text: "no earlier data" });
  const up = value > 0;
  const text = kind === "relative" ? `${up ? "▲" : value < 0 ? "▼" : "="} ${Math.abs(value * 100).toFixed(0)}%`
    : `${up ? "▲" : value < 0 ? "▼" : "="} ${Math.abs(value * 100).toFixed(0)} pts`;
  return el("span", { className: "delta", text, title: "against the previous period" });
}

// `?days=..&until=..&language=..` of the page's own address, passed on to the API
function windowQuery() {
  const own = new URLSearchParams(location.search);
  const query = new URLSearchParams();
  for (const key of ["days", "until", "language"]) for (const value of own.getAll(key)) if (value) query.append(key, value);
  return query;
}

// The window selector and language filter: they change the page's address, which the page reads
function windowControls(form, facets) {
  const own = new URLSearchParams(location.search);
  form.elements.days.value = own.get("days") || "";
  const languages = form.elements.language;
  for (const value of facets.languages) languages.append(el("option", { value, text: value }));
  languages.value = own.get("language") || "";
  form.addEventListener("change", () => {
    const next = new URLSearchParams(location.search);
    for (const key of ["days", "language"]) { if (form.elements[key].value) next.set(key, form.elements[key].value); else next.delete(key); }
    history.replaceState(null, "", `${location.pathname}?${next}`);
    form.dispatchEvent(new Event("reload"));
  });
}

function describeWindow(note, window) {
  const last = new Date(new Date(window.end).getTime() - 86400000).toISOString().slice(0, 10);
  const previousLast = new Date(new Date(window.start).getTime() - 86400000).toISOString().slice(0, 10);
  note.replaceChildren(`${day(window.start)} to ${last} (UTC), per ${window.bucket}, compared with ${day(window.previous_start)} to ${previousLast}`,
    window.defaulted ? " · fitted to the data" : "", window.languages.length ? ` · languages: ${window.languages.join(", ")}` : "", ".");
}

// ------------------------------------------------------------------ charts
function patterns(svg) {
  const defs = svgEl("defs");
  const hatch = svgEl("pattern", { id: "p-negative", width: 6, height: 6, patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" });
  hatch.append(svgEl("rect", { width: 6, height: 6, fill: "#c0392b" }), svgEl("line", { x1: 0, y1: 0, x2: 0, y2: 6, stroke: "#fff", "stroke-width": 2 }));
  const dots = svgEl("pattern", { id: "p-neutral", width: 5, height: 5, patternUnits: "userSpaceOnUse" });
  dots.append(svgEl("rect", { width: 5, height: 5, fill: "#9aa1ab" }), svgEl("circle", { cx: 2.5, cy: 2.5, r: 1, fill: "#fff" }));
  const alert = svgEl("pattern", { id: "p-alert", width: 8, height: 8, patternUnits: "userSpaceOnUse", patternTransform: "rotate(-45)" });
  alert.append(svgEl("rect", { width: 8, height: 8, fill: "#fff4e5" }), svgEl("line", { x1: 0, y1: 0, x2: 0, y2: 8, stroke: "#f0c27a", "stroke-width": 2 }));
  defs.append(hatch, dots, alert);
  svg.append(defs);
}

const FILL = { negative: "url(#p-negative)", neutral: "url(#p-neutral)", positive: "#2e7d4f", unscored: "#e6e6e6" };

function legend() {
  return el("ul", { className: "legend" }, ...[...LABELS, "unscored"].map((label) =>
    el("li", {}, el("span", { className: `swatch ${label}`, "aria-hidden": "true" }), NAMES[label])),
    el("li", {}, el("span", { className: "swatch alert", "aria-hidden": "true" }), "Alert period"));
}

// The axis top: a round number at or above `max` whose half is a whole number too (4, 10, 70, 200...)
function niceMax(max) {
  const step = 10 ** Math.floor(Math.log10(Math.max(max, 1)));
  const top = Math.ceil(max / step) * step || 2;
  return top % 2 ? top + step : top;
}

function bucketLabel(point, bucket) {
  const counts = LABELS.map((label) => `${point[label]} ${label}`).join(", ");
  const unscored = point.volume - point.scored;
  return `${bucket === "hour" ? when(point.start) : day(point.start)}: ${point.volume} mentions (${counts}${unscored ? `, ${unscored} not scored` : ""})`;
}

// Stacked sentiment per bucket with axes, alert periods shaded and labelled; a click on a bar opens its mentions
function trendChart(series, { bucket, alerts = [], linkFor, title }) {
  const width = 760, height = 230, left = 40, right = 8, top = 26, bottom = 24;
  const plotW = width - left - right, plotH = height - top - bottom;
  const max = niceMax(Math.max(1, ...series.map((d) => d.volume)));
  const step = plotW / Math.max(series.length, 1);
  const t0 = series.length ? new Date(series[0].start).getTime() : 0;
  const span = (bucket === "hour" ? 3600e3 : 86400e3);
  const xOf = (iso) => left + ((new Date(iso).getTime() - t0) / span) * step;
  const figure = el("figure", { className: "chart" });
  const svg = svgEl("svg", { viewBox: `0 0 ${width} ${height}`, class: "trend", role: "img", "aria-label": title });
  patterns(svg);
  const end = left + plotW;
  for (const a of alerts) {
    const x0 = Math.max(left, xOf(a.starts_at)), x1 = Math.min(end, a.ends_at ? xOf(a.ends_at) : end);
    if (x1 <= x0) continue;
    svg.append(svgEl("rect", { x: x0, y: top, width: x1 - x0, height: plotH, fill: "url(#p-alert)", class: "alert-period" }));
    svg.append(svgEl("text", { x: x0 + 2, y: top - 6, class: "alert-label" }, `⚠ ${a.rule} (${a.state})`));
  }
  for (const tick of [0, max / 2, max]) {
    const y = top + plotH - (tick / max) * plotH;
    svg.append(svgEl("line", { x1: left, x2: end, y1: y, y2: y, class: "grid" }), svgEl("text", { x: left - 4, y: y + 4, class: "axis", "text-anchor": "end" }, number(tick)));
  }
  const readout = el("p", { className: "readout small", "aria-live": "polite", text: "Point at a bar for its figures; click it for its mentions." });
  series.forEach((point, i) => {
    const group = svgEl("g", { class: "bucket" });
    let y = top + plotH;
    for (const label of [...LABELS, "unscored"]) {
      const value = label === "unscored" ? point.volume - point.scored : point[label];
      const h = (value / max) * plotH;
      if (h > 0) group.append(svgEl("rect", { x: left + i * step + 0.5, y: y - h, width: Math.max(step - 1, 1), height: h, fill: FILL[label], class: label }));
      y -= h;
    }
    group.append(svgEl("rect", { x: left + i * step, y: top, width: step, height: plotH, fill: "transparent", class: "hit" }));
    const text = bucketLabel(point, bucket);
    group.append(svgEl("title", {}, text));
    group.addEventListener("mouseenter", () => { readout.textContent = text; });
    if (linkFor) group.addEventListener("click", () => { location.href = linkFor(point); });
    svg.append(group);
    const at = new Date(point.start);
    const newDay = bucket === "hour" ? at.getUTCHours() === 0 : (series.length <= 16 || at.getUTCDate() % 7 === 1);
    if (newDay) svg.append(svgEl("text", { x: left + i * step, y: height - 6, class: "axis" }, day(point.start).slice(5)));
  });
  svg.append(svgEl("line", { x1: left, x2: end, y1: top + plotH, y2: top + plotH, class: "axis-line" }));
  figure.append(svg, legend(), readout, figuresTable(series, bucket, linkFor));
  return figure;
}

// The chart's figures as a table (built when opened): each bucket's counts, and a link to its mentions
function figuresTable(series, bucket, linkFor) {
  const details = el("details", { className: "figures" }, el("summary", { className: "small", text: "Figures as a table" }));
  details.addEventListener("toggle", () => {
    if (!details.open || details.querySelector("table")) return;
    const rows = series.filter((point) => point.volume > 0).map((point) => el("tr", {},
      el("th", { scope: "row" }, linkFor ? el("a", { href: linkFor(point), text: bucket === "hour" ? when(point.start) : day(point.start) })
        : (bucket === "hour" ? when(point.start) : day(point.start))),
      ...[point.volume, ...LABELS.map((label) => point[label]), point.volume - point.scored].map((v) => el("td", { text: number(v) }))));
    details.append(el("div", { className: "scroll" }, el("table", { className: "list" },
      el("thead", {}, el("tr", {}, ...[bucket === "hour" ? "Hour (UTC)" : "Day (UTC)", "Mentions", ...LABELS.map((l) => NAMES[l]), NAMES.unscored]
        .map((h) => el("th", { scope: "col", text: h })))),
      el("tbody", {}, ...rows))));
  });
  return details;
}

// Lines of each peer's share per bucket, told apart by dash pattern and a label at the end as well as colour
function shareChart(rows, peers, title) {
  const width = 760, height = 200, left = 40, right = 130, top = 10, bottom = 24;
  const plotW = width - left - right, plotH = height - top - bottom;
  const svg = svgEl("svg", { viewBox: `0 0 ${width} ${height}`, class: "share", role: "img", "aria-label": title });
  const step = plotW / Math.max(rows.length - 1, 1);
  for (const tick of [0, 0.5, 1]) {
    const y = top + plotH - tick * plotH;
    svg.append(svgEl("line", { x1: left, x2: left + plotW, y1: y, y2: y, class: "grid" }), svgEl("text", { x: left - 4, y: y + 4, class: "axis", "text-anchor": "end" }, pct(tick)));
  }
  const dashes = ["", "6 3", "2 3", "8 3 2 3"];
  const labels = [];
  peers.forEach((peer, k) => {
    const pts = rows.map((r, i) => (r.shares[peer] === null ? null : [left + i * step, top + plotH - r.shares[peer] * plotH])).filter(Boolean);
    if (!pts.length) return;
    svg.append(svgEl("polyline", { points: pts.map((p) => p.join(",")).join(" "), class: `peer peer-${k}`, "stroke-dasharray": dashes[k % dashes.length] }));
    const last = pts[pts.length - 1];
    labels.push({ peer, k, x: last[0] + 6, y: last[1] + 4, share: rows[rows.length - 1].shares[peer] });
  });
  labels.sort((a, b) => a.y - b.y).forEach((label, i) => {  // at least a line apart, so none hides another
    if (i && label.y - labels[i - 1].y < 13) label.y = labels[i - 1].y + 13;
    svg.append(svgEl("line", { x1: label.x, x2: label.x + 14, y1: label.y - 4, y2: label.y - 4, class: `peer peer-${label.k}`, "stroke-dasharray": dashes[label.k % dashes.length] }));
    svg.append(svgEl("text", { x: label.x + 18, y: label.y, class: "peer-label" }, `${label.peer} ${pct(label.share)}`));
  });
  rows.forEach((r, i) => {
    if (rows.length <= 16 || i % Math.ceil(rows.length / 8) === 0) svg.append(svgEl("text", { x: left + i * step, y: height - 6, class: "axis" }, day(r.start).slice(5)));
  });
  return el("figure", { className: "chart" }, svg);
}

function quote(m, { brand = true } = {}) {
  const link = safeUrl(m.url);
  const author = m.author || m.author_handle || "someone";
  return el("blockquote", {}, el("span", { className: "post", text: m.text }),
    el("footer", { className: "small muted" }, `— ${author}`, m.reach !== undefined && m.reach !== null ? ` · reach ${number(m.reach)}` : "",
      brand && m.brand ? ` · ${m.brand}` : "", m.source ? ` · ${m.source}` : "", m.created_at ? ` · ${when(m.created_at)}` : "", " ",
      link ? el("a", { href: link, target: "_blank", rel: "noopener noreferrer", text: "original post" }) : null));
}

function alertLine(a) {
  return el("li", { className: "alert-line", "data-fingerprint": a.fingerprint },
    el("span", { className: `pill ${a.state}`, text: a.state }), " ",
    el("strong", { text: a.brand || "" }), " ", a.summary, " ",
    el("span", { className: "small muted", text: `${when(a.starts_at)} → ${a.ends_at ? when(a.ends_at) : "now"}` }),
    a.peak !== null && a.peak !== undefined ? el("span", { className: "small", text: ` · peak ${number(a.peak)} vs expected ${number(a.expected)}` }) : null,
    a.mentions_link ? el("span", {}, " · ", el("a", { href: a.mentions_link, text: "mentions of this window" })) : null);
}

// ------------------------------------------------------------------ a brand's card (overview, brand page)
function statWithChange(label, value, changeNode) {
  return el("div", { className: "stat" }, el("div", { className: "v", text: value }), el("div", { className: "l", text: label }), changeNode);
}

function explorerFor(brand, bucket, window) {
  return (point) => {
    const start = new Date(point.start);
    const end = new Date(start.getTime() + (bucket === "hour" ? 3600e3 : 86400e3));
    const query = new URLSearchParams({ brand, since: minuteOf(start), until: minuteOf(end) });
    for (const language of window.languages) query.append("language", language);
    return `/mentions?${query}`;
  };
}

function brandCard(brand, window) {
  const change = brand.change;
  const title = `${brand.brand}: mentions per ${window.bucket} by sentiment, ${brand.alert_periods.length} alert period(s) shaded`;
  return el("article", { className: "card", "data-brand": brand.brand },
    el("h2", {}, el("a", { href: `/brands/${encodeURIComponent(brand.brand)}?${windowQuery()}`, text: brand.brand })),
    el("div", { className: "stats" },
      statWithChange("mentions", number(brand.volume), delta(change.volume, "relative")),
      statWithChange("net sentiment", points(brand.net_sentiment), delta(change.net_sentiment, "points")),
      statWithChange("negative share", pct(brand.negative_share), delta(change.negative_share, "points")),
      statWithChange("share of voice", pct(brand.share_of_voice), el("span", { className: "delta muted", text: `among ${brand.share_of_voice_among.join(", ")}` }))),
    trendChart(brand.series, { bucket: window.bucket, alerts: brand.alert_periods, linkFor: explorerFor(brand.brand, window.bucket, window), title }),
    brand.alert_periods.length ? el("ul", { className: "alerts-in-window" }, ...brand.alert_periods.map(alertLine)) : el("p", { className: "small muted", text: "No alert in this window." }),
    brand.rising_terms.length
      ? el("p", { className: "terms" }, el("span", { className: "small muted", text: "Rising in negative mentions: " }),
        ...brand.rising_terms.map((t) => el("a", { className: "chip", href: `${brand.mentions_link}&sentiment=negative&q=${encodeURIComponent(t.term)}`, title: `${t.count} now, ${t.previous} in the previous period`, text: `${t.term} ${t.count} (was ${t.previous})` })))
      : el("p", { className: "small muted", text: "No term rose in negative mentions against the previous period." }),
    el("p", { className: "small" }, el("a", { href: brand.mentions_link, text: `All ${number(brand.volume)} mentions` }), " · ",
      el("a", { href: `${brand.mentions_link}&sentiment=negative`, text: `${number(brand.negative)} negative` })));
}

function run(fn) { return fn().catch((error) => showError(error.message)); }
