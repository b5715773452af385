// The overview: what needs attention (active alerts, the most urgent mentions), then each brand's
// window against the period before: volume, net sentiment, negative share, rising terms, its trend.
"use strict";

function attention(data) {
  const box = document.getElementById("attention");
  const active = data.alerts;
  const earlier = data.brands.flatMap((b) => b.alert_periods).filter((a) => a.state === "resolved");
  const alerts = active.length
    ? el("ul", { className: "alerts-now" }, ...active.map(alertLine))
    : el("div", {}, el("p", {}, "No alert is firing or pending. ", earlier.length ? `Resolved in this window (${earlier.length}):` : "",
      " ", el("a", { href: "/alerts", text: "alert history" }), "."), earlier.length ? el("ul", {}, ...earlier.map(alertLine)) : null);
  const urgent = data.urgent_mentions.length
    ? el("div", { className: "quotes" }, ...data.urgent_mentions.map((m) => quote(m)))
    : el("p", { className: "muted", text: "No negative mention in these days." });
  box.replaceChildren(el("h2", { text: `Needs attention: ${active.length} active alert(s)` }), alerts,
    el("h3", { text: `Most-reached negative mentions since ${day(data.urgent_since)}` }), urgent);
}

async function loadOverview() {
  const data = await api(`/api/overview?${windowQuery()}`);
  describeWindow(document.getElementById("window-note"), data.window);
  const cards = document.getElementById("brands");
  cards.removeAttribute("aria-busy");
  if (!data.latest_mention) {
    document.getElementById("attention").replaceChildren();
    cards.replaceChildren(el("div", { className: "empty" }, el("h2", { text: "No mentions yet" }),
      el("p", {}, "Collect some with ", el("code", { text: "brandpulse run" }), " (or ", el("code", { text: "brandpulse collect" }),
        "), import history with ", el("code", { text: "brandpulse import FILE" }), ", or try ", el("code", { text: "brandpulse demo" }), ".")));
    return;
  }
  attention(data);
  const total = data.brands.reduce((sum, b) => sum + b.volume, 0);
  if (!total) {
    cards.replaceChildren(el("div", { className: "empty" }, el("p", {}, "No mentions in this window. The latest is from ",
      el("strong", { text: day(data.latest_mention) }), ": ", el("a", { href: "?", text: "show the window that holds it" }), ".")));
    return;
  }
  cards.replaceChildren(...data.brands.map((brand) => brandCard(brand, data.window)));
}

document.addEventListener("DOMContentLoaded", async () => {
  const form = document.getElementById("window");
  form.addEventListener("reload", () => run(loadOverview));
  await run(async () => windowControls(form, await api("/api/facets")));
  run(loadOverview);
});
