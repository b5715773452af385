// BrandPulse dashboard: each page fills itself from the JSON API. User text is only ever written with
// textContent (never innerHTML), so a post containing <script> shows as text.
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const COLORS = { negative: "#d6453d", neutral: "#b8bcc4", positive: "#3a9a5b" };

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "text") node.textContent = value;
    else if (key === "className") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

function svgEl(tag, attrs = {}) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
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
const points = (v) => (v === null || v === undefined ? "–" : `${v >= 0 ? "+" : ""}${(v * 100).toFixed(0)}`);
const when = (iso) => (iso ? iso.replace("T", " ").slice(0, 16) : "");
const safeUrl = (url) => (typeof url === "string" && /^https?:\/\//i.test(url) ? url : null);

// ------------------------------------------------------------------ overview
function trendChart(series) {
  const width = 360, height = 110, pad = 4;
  const svg = svgEl("svg", { viewBox: `0 0 ${width} ${height}`, class: "trend", role: "img" });
  const max = Math.max(1, ...series.map((d) => d.volume));
  const step = (width - 2 * pad) / Math.max(series.length, 1);
  series.forEach((day, i) => {
    let y = height - pad;
    for (const label of ["negative", "neutral", "positive"]) {
      const h = (day[label] / max) * (height - 2 * pad);
      if (h > 0) {
        svg.append(svgEl("rect", { x: pad + i * step + 0.5, y: y - h, width: Math.max(step - 1, 1), height: h, fill: COLORS[label] }));
      }
      y -= h;
    }
    const unscored = day.volume - day.scored;
    if (unscored > 0) {
      const h = (unscored / max) * (height - 2 * pad);
      svg.append(svgEl("rect", { x: pad + i * step + 0.5, y: y - h, width: Math.max(step - 1, 1), height: h, fill: "#e6e6e6" }));
    }
  });
  const points_ = series.map((day, i) => {
    if (!day.scored) return null;
    const net = (day.positive - day.negative) / day.scored;
    return `${pad + i * step + step / 2},${height / 2 - net * (height / 2 - pad)}`;
  }).filter(Boolean);
  if (points_.length > 1) svg.append(svgEl("polyline", { points: points_.join(" "), fill: "none", stroke: "#1f2d3d", "stroke-width": 1.5 }));
  const title = svgEl("title");
  title.textContent = "Mentions per day (stacked by sentiment) and net sentiment (line)";
  svg.append(title);
  return svg;
}

function stat(label, value, cls) {
  return el("div", { className: "stat" }, el("div", { className: `v ${cls || ""}`, text: value }), el("div", { className: "l", text: label }));
}

// `?until=YYYY-MM-DD` on a page's own address ends its window on that day instead of today
function windowQuery(days) {
  const until = new URLSearchParams(location.search).get("until");
  return `days=${encodeURIComponent(days)}${until ? `&until=${encodeURIComponent(until)}` : ""}`;
}

// Says which days the window covers, and where the data is when the window holds none (imported history, the demo)
function describeWindow(data, days) {
  const last = new Date(new Date(data.end).getTime() - 86400000).toISOString().slice(0, 10);
  const note = document.getElementById("window-note");
  note.replaceChildren(`${data.start.slice(0, 10)} to ${last} (UTC). `);
  const latest = data.latest_mention && data.latest_mention.slice(0, 10);
  if (latest && data.latest_mention < data.start) {
    note.append("No mentions in this window; the latest is from ", el("strong", { text: latest }), ": ",
      el("a", { href: `?until=${latest}`, text: `show the ${days} days up to it` }), ".");
  }
}

async function loadOverview() {
  const days = document.getElementById("days").value;
  const data = await api(`/api/overview?${windowQuery(days)}`);
  describeWindow(data, days);
  const cards = document.getElementById("brands");
  cards.replaceChildren();
  for (const brand of data.brands) {
    const net = brand.net_sentiment;
    const card = el("article", { className: "card", "data-brand": brand.brand },
      el("h2", {}, el("a", { href: `/mentions?brand=${encodeURIComponent(brand.brand)}`, text: brand.brand })),
      el("div", { className: "stats" },
        stat("mentions", brand.volume.toLocaleString()),
        stat("net sentiment", points(net), net === null ? "" : net < 0 ? "neg" : "pos"),
        stat("health", pct(brand.health)),
        stat("share of voice", pct(brand.share_of_voice))),
      trendChart(brand.series));
    if (brand.firing_alerts.length) {
      card.append(el("p", { className: "small" }, el("span", { className: "pill firing", text: `${brand.firing_alerts.length} firing` }),
        " ", brand.firing_alerts.map((a) => a.summary).join("; ")));
    }
    cards.append(card);
  }
  cards.removeAttribute("aria-busy");
  const firing = data.alerts.filter((a) => a.state === "firing");
  const box = document.getElementById("firing");
  box.hidden = firing.length === 0;
  box.replaceChildren(el("strong", { text: `${firing.length} alert(s) firing: ` }),
    ...firing.map((a, i) => el("span", {}, i ? "; " : "", el("a", { href: "/alerts", text: `${a.brand || ""} ${a.summary}` }))));
}

// ------------------------------------------------------------------ mentions explorer
const explorer = { offset: 0, limit: 50 };

function filterParams() {
  const form = document.getElementById("filters");
  const params = new URLSearchParams();
  for (const [key, value] of new FormData(form)) {
    if (!value) continue;
    if (key === "since") params.set("since", `${value}T00:00:00+00:00`);
    else if (key === "until") {
      const next = new Date(`${value}T00:00:00Z`);
      next.setUTCDate(next.getUTCDate() + 1);
      params.set("until", next.toISOString());
    } else params.append(key, value);
  }
  return params;
}

async function loadMentions() {
  const params = filterParams();
  document.getElementById("csv").href = `/api/mentions.csv?${params}`;
  params.set("limit", explorer.limit);
  params.set("offset", explorer.offset);
  const data = await api(`/api/mentions?${params}`);
  const body = document.getElementById("rows");
  body.replaceChildren(...data.items.map((m) => {
    const link = safeUrl(m.url);
    return el("tr", { "data-id": m.id },
      el("td", { text: when(m.created_at) }), el("td", { text: m.brand }), el("td", { text: m.source }),
      el("td", { text: m.language || "" }),
      el("td", {}, el("span", { className: `pill ${m.label || ""}`, text: m.label ? `${m.label} ${m.score >= 0 ? "+" : ""}${m.score.toFixed(2)}` : "unscored" })),
      el("td", { text: m.author_handle || "" }),
      el("td", { className: "text" }, el("span", { className: "post", text: m.text }), link ? el("br") : null,
        link ? el("a", { href: link, target: "_blank", rel: "noopener noreferrer", className: "small", text: "original post" }) : null));
  }));
  const first = data.items.length ? explorer.offset + 1 : 0;
  document.getElementById("summary").textContent = data.items.length
    ? `Showing ${first}–${explorer.offset + data.items.length}${data.has_more ? " (more available)" : ""}`
    : "No mentions match these filters.";
  document.getElementById("prev").disabled = explorer.offset === 0;
  document.getElementById("next").disabled = !data.has_more;
}

async function initMentions() {
  const facets = await api("/api/facets");
  const form = document.getElementById("filters");
  for (const [name, values] of [["source", facets.sources], ["language", facets.languages]]) {
    const select = form.elements[name];
    for (const value of values) select.append(el("option", { text: value, value }));
  }
  const initial = new URLSearchParams(location.search);
  for (const [key, value] of initial) if (form.elements[key]) form.elements[key].value = value;
  form.addEventListener("submit", (event) => { event.preventDefault(); explorer.offset = 0; loadMentions().catch((e) => showError(e.message)); });
  document.getElementById("prev").addEventListener("click", () => { explorer.offset = Math.max(0, explorer.offset - explorer.limit); loadMentions().catch((e) => showError(e.message)); });
  document.getElementById("next").addEventListener("click", () => { explorer.offset += explorer.limit; loadMentions().catch((e) => showError(e.message)); });
  await loadMentions();
}

// ------------------------------------------------------------------ alerts
let silenceTarget = null;

function openSilence(alert) {
  silenceTarget = alert;
  document.getElementById("silence-rule").textContent = alert.rule;
  const box = document.getElementById("silence-matchers");
  box.replaceChildren(...Object.entries(alert.labels).map(([name, value]) =>
    el("label", { className: "matcher" }, el("input", { type: "checkbox", name: "matcher", value: name, checked: "checked" }), el("code", { text: `${name}="${value}"` }))));
  document.getElementById("silence-dialog").showModal();
}

async function submitSilence(event) {
  const dialog = document.getElementById("silence-dialog");
  if (event.submitter && event.submitter.value === "cancel") { dialog.close(); return; }
  event.preventDefault();
  const form = event.target;
  const names = [...form.querySelectorAll("input[name=matcher]:checked")].map((box) => box.value);
  if (!names.length) { showError("Choose at least one label to match."); return; }
  const body = {
    matchers: names.map((name) => ({ name, value: String(silenceTarget.labels[name]), op: "=" })),
    duration_hours: Number(form.elements.duration_hours.value),
    created_by: form.elements.created_by.value,
    comment: form.elements.comment.value,
  };
  await api("/api/silences", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  dialog.close();
  await loadAlerts();
}

async function acknowledge(alert) {
  const who = window.prompt("Acknowledge: who is on it?", "dashboard");
  if (!who) return;
  await api(`/api/alerts/${encodeURIComponent(alert.fingerprint)}/acknowledge`, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ created_by: who }) });
  await loadAlerts();
}

async function expire(silence) {
  await api(`/api/silences/${encodeURIComponent(silence.id)}`, { method: "DELETE" });
  await loadAlerts();
}

async function loadAlerts() {
  const state = document.getElementById("state").value;
  const data = await api(`/api/alerts${state ? `?state=${encodeURIComponent(state)}` : ""}`);
  const onError = (e) => showError(e.message);
  document.getElementById("alerts").replaceChildren(...(data.alerts.length ? data.alerts.map((a) => el("tr", { "data-fingerprint": a.fingerprint },
    el("td", {}, el("span", { className: `pill ${a.state}`, text: a.state }), a.silenced_by.length ? el("span", { className: "pill", text: "silenced" }) : null,
      a.acknowledged ? el("span", { className: "pill", title: a.acknowledged.comment || "", text: `ack: ${a.acknowledged.acknowledged_by}` }) : null),
    el("td", { text: a.brand || "" }), el("td", { text: a.rule }), el("td", { text: a.summary }),
    el("td", { text: when(a.starts_at) }), el("td", { text: when(a.ends_at) }),
    el("td", {}, a.state === "resolved" ? null : el("button", { type: "button", className: "silence", text: "Silence…", onclick: () => openSilence(a) }),
      " ", a.state === "resolved" || a.acknowledged ? null : el("button", { type: "button", className: "ack", text: "Acknowledge", onclick: () => acknowledge(a).catch(onError) }))))
    : [el("tr", {}, el("td", { colspan: 7, className: "muted", text: "No alerts." }))]));
  document.getElementById("silences").replaceChildren(...(data.silences.length ? data.silences.map((s) => el("tr", { "data-silence": s.id },
    el("td", {}, el("span", { className: "pill", text: s.status })),
    el("td", {}, el("code", { text: s.matchers.map((m) => `${m.name}${m.op || "="}"${m.value}"`).join(", ") })),
    el("td", { text: s.created_by }), el("td", { text: s.comment }), el("td", { text: when(s.starts_at) }), el("td", { text: when(s.ends_at) }),
    el("td", {}, s.status === "expired" ? null : el("button", { type: "button", text: "Expire", onclick: () => expire(s).catch(onError) }))))
    : [el("tr", {}, el("td", { colspan: 7, className: "muted", text: "No silences." }))]));
}

// ------------------------------------------------------------------ themes
async function loadThemes() {
  const brand = document.getElementById("brand").value;
  const days = document.getElementById("days").value;
  const summary = document.getElementById("themes-summary");
  summary.textContent = "Analysing complaints… (the first run embeds up to a few hundred posts)";
  const data = await api(`/api/themes?brand=${encodeURIComponent(brand)}&${windowQuery(days)}`);
  const box = document.getElementById("themes");
  if (!data.available) { summary.textContent = `Themes unavailable: ${data.reason}`; box.replaceChildren(); return; }
  summary.textContent = data.themes.length
    ? `${data.total} negative mentions; ${data.clustered} of ${data.sampled} analysed fall into a theme. New and fast-growing themes first.`
    : (data.note || "No complaint themes stood out in this window.");
  box.replaceChildren(...data.themes.map((t) => el("article", { className: "theme" },
    el("h2", {}, el("span", { text: t.name }), " ", el("span", { className: `pill ${t.status === "new" || t.status === "growing" ? "negative" : ""}`,
      text: t.status === "new" ? "new" : `${t.status} ${t.change === null ? "" : `${t.change >= 0 ? "+" : ""}${(t.change * 100).toFixed(0)}%`}` })),
    el("div", { className: "small", text: `${t.size} mentions (previous period ${t.previous}) · ${Object.entries(t.languages).map(([k, v]) => `${k} ${v}`).join(", ")}` }),
    el("div", { className: "small muted", text: `Terms: ${t.terms.join(", ")}` }),
    ...t.quotes.map((q) => {
      const link = safeUrl(q.url);
      return el("blockquote", {}, el("span", { text: q.text }), el("br"),
        el("span", { className: "small muted", text: `— ${q.author_handle || "someone"} on ${q.source}, ${when(q.created_at).slice(0, 10)} ` }),
        link ? el("a", { href: link, target: "_blank", rel: "noopener noreferrer", className: "small", text: "original post" }) : null);
    }))));
}

// ------------------------------------------------------------------ start
document.addEventListener("DOMContentLoaded", () => {
  const page = document.body.dataset.page;
  const run = (fn) => fn().catch((error) => showError(error.message));
  if (page === "overview") {
    document.getElementById("days").addEventListener("change", () => run(loadOverview));
    run(loadOverview);
  } else if (page === "mentions") {
    run(initMentions);
  } else if (page === "alerts") {
    document.getElementById("state").addEventListener("change", () => run(loadAlerts));
    document.getElementById("silence-form").addEventListener("submit", (event) => submitSilence(event).catch((e) => showError(e.message)));
    run(loadAlerts);
  } else if (page === "themes") {
    for (const id of ["brand", "days"]) document.getElementById(id).addEventListener("change", () => run(loadThemes));
    run(loadThemes);
  }
});
