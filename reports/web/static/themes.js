// Complaint themes of one brand over a window.
"use strict";

function themeArticle(t) {
  const status = t.status === "new" ? "new" : `${t.status} ${t.change === null ? "" : `${t.change >= 0 ? "+" : ""}${(t.change * 100).toFixed(0)}%`}`;
  return el("article", { className: "theme" },
    el("h2", {}, el("span", { text: t.name }), " ", el("span", { className: `pill ${t.status === "new" || t.status === "growing" ? "negative" : ""}`, text: status })),
    el("div", { className: "small", text: `${t.size} mentions (previous period ${t.previous}) · ${Object.entries(t.languages || {}).map(([k, v]) => `${k} ${v}`).join(", ")}` }),
    t.terms ? el("div", { className: "small muted", text: `Terms: ${t.terms.join(", ")}` }) : null,
    ...(t.quotes || []).map((q) => quote({ ...q, author: q.author_handle }, { brand: false })));
}

// `limit`: show only the first themes, each with its first two quotes (the brand page's digest)
async function loadThemes(brand, query, box, summary, limit = null) {
  summary.textContent = "Analysing complaints… (the first run embeds up to a few hundred posts)";
  const data = await api(`/api/themes?brand=${encodeURIComponent(brand)}&${query}`);
  if (!data.available) { summary.textContent = `Themes unavailable: ${data.reason}`; box.replaceChildren(); return data; }
  summary.textContent = data.themes.length
    ? `${data.total} negative mentions; ${data.clustered} of ${data.sampled} analysed fall into a theme. New and fast-growing themes first.`
    : (data.note || "No complaint themes stood out in this window.");
  const shown = limit ? data.themes.slice(0, limit).map((t) => ({ ...t, quotes: (t.quotes || []).slice(0, 2) })) : data.themes;
  box.replaceChildren(...shown.map(themeArticle));
  if (limit && data.themes.length > limit) {
    box.append(el("p", {}, el("a", { href: `/themes?brand=${encodeURIComponent(brand)}`, text: `All ${data.themes.length} themes, with every quote` })));
  }
  return data;
}

document.addEventListener("DOMContentLoaded", () => {
  if (document.body.dataset.page !== "themes") return;
  const reload = () => {
    const days = document.getElementById("days").value;
    const query = new URLSearchParams(windowQuery());
    if (days) query.set("days", days); else query.delete("days");
    return run(() => loadThemes(document.getElementById("brand").value, query, document.getElementById("themes"),
      document.getElementById("themes-summary")));
  };
  const asked = new URLSearchParams(location.search).get("brand");
  if (asked) document.getElementById("brand").value = asked;
  for (const id of ["brand", "days"]) document.getElementById(id).addEventListener("change", reload);
  reload();
});
