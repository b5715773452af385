// One brand in depth: trend, share of voice, sources, languages, top authors, alerts and complaint
// themes; every figure links to the mentions behind it.
"use strict";

function countsTable(rows, keyName) {
  if (!rows.length) return el("p", { className: "muted", text: "No mentions in this window." });
  const max = Math.max(...rows.map((r) => r.volume));
  return el("table", { className: "list" },
    el("thead", {}, el("tr", {}, ...[keyName, "Mentions", "Negative", "Net sentiment"].map((h) => el("th", { scope: "col", text: h })))),
    el("tbody", {}, ...rows.map((r) => el("tr", { "data-key": r.key },
      el("th", { scope: "row" }, el("a", { href: r.mentions_link, text: r.key })),
      el("td", {}, el("span", { className: "bar", style: null, "data-share": (r.volume / max).toFixed(3) }), number(r.volume)),
      el("td", {}, el("a", { href: `${r.mentions_link}&sentiment=negative`, text: `${number(r.negative)} (${pct(r.scored ? r.negative / r.scored : null)})` })),
      el("td", { text: points(r.scored ? (r.positive - r.negative) / r.scored : null) })))));
}

function authorsTable(rows) {
  if (!rows.length) return el("p", { className: "muted", text: "No authors in this window." });
  return el("table", { className: "list" },
    el("thead", {}, el("tr", {}, ...["Author", "Reach", "Mentions", "Negative"].map((h) => el("th", { scope: "col", text: h })))),
    el("tbody", {}, ...rows.map((r) => el("tr", {},
      el("th", { scope: "row" }, el("a", { href: r.mentions_link, text: r.author })), el("td", { text: number(r.reach) }),
      el("td", { text: number(r.mentions) }), el("td", { text: number(r.negative) })))));
}

// Bars inside table cells: widths from data attributes, set through CSSOM (the page allows no inline styles)
function sizeBars() {
  for (const bar of document.querySelectorAll("span.bar[data-share]")) bar.style.width = `${Number(bar.dataset.share) * 80}px`;
}

async function loadBrand() {
  const brand = document.getElementById("brand-name").dataset.brand;
  const data = await api(`/api/brands/${encodeURIComponent(brand)}?${windowQuery()}`);
  const card = data.overview, window = data.window;
  describeWindow(document.getElementById("window-note"), window);
  const summary = document.getElementById("summary");
  summary.removeAttribute("aria-busy");
  summary.replaceChildren(brandCard(card, window));
  document.getElementById("voice").replaceChildren(data.peers.length > 1
    ? shareChart(data.share_of_voice, data.peers, `Share of voice per ${window.bucket} among ${data.peers.join(", ")}`)
    : el("p", { className: "muted", text: "No competitors configured for this brand (brands: competitors in the config)." }));
  document.getElementById("brand-alerts").replaceChildren(card.alert_periods.length
    ? el("ul", {}, ...card.alert_periods.map(alertLine)) : el("p", { className: "muted", text: "No alert in this window." }));
  document.getElementById("sources").replaceChildren(countsTable(data.sources, "Source"));
  document.getElementById("languages").replaceChildren(countsTable(data.languages, "Language"));
  document.getElementById("authors").replaceChildren(authorsTable(data.top_authors));
  sizeBars();
  const themes = document.getElementById("brand-themes");
  if (themes) {
    const summaryLine = el("p", { className: "small muted" });
    const list = el("div");
    themes.replaceChildren(summaryLine, list);
    await loadThemes(brand, windowQuery(), list, summaryLine, 3);
  }
}

document.addEventListener("DOMContentLoaded", async () => {
  const form = document.getElementById("window");
  form.addEventListener("reload", () => run(loadBrand));
  await run(async () => windowControls(form, await api("/api/facets")));
  run(loadBrand);
});
