// The mentions explorer: filters (also taken from the page's address, as every figure links here), pages, CSV.
"use strict";

const explorer = { offset: 0, limit: 50 };

// Form values to API parameters: the datetime inputs hold UTC minutes ("2026-03-11T14:00")
function filterParams() {
  const params = new URLSearchParams();
  for (const [key, value] of new FormData(document.getElementById("filters"))) {
    if (!value) continue;
    params.append(key, key === "since" || key === "until" ? `${value.length === 10 ? `${value}T00:00` : value}:00+00:00` : value);
  }
  return params;
}

function mentionRow(m) {
  const link = safeUrl(m.url);
  const label = m.label ? `${m.label} ${m.score >= 0 ? "+" : ""}${m.score.toFixed(2)}` : "unscored";
  return el("tr", { "data-id": m.id },
    el("td", { text: when(m.created_at) }), el("td", { text: m.brand }), el("td", { text: m.source }),
    el("td", { text: m.language || "" }), el("td", {}, el("span", { className: `pill ${m.label || ""}`, text: label })),
    el("td", {}, m.author_handle || "", m.author_reach ? el("span", { className: "small muted", text: ` · ${number(m.author_reach)}` }) : null),
    el("td", { className: "text" }, el("span", { className: "post", text: m.text }), link ? el("br") : null,
      link ? el("a", { href: link, target: "_blank", rel: "noopener noreferrer", className: "small", text: "original post" }) : null));
}

async function loadMentions() {
  const params = filterParams();
  document.getElementById("csv").href = `/api/mentions.csv?${params}`;
  params.set("limit", explorer.limit);
  params.set("offset", explorer.offset);
  const data = await api(`/api/mentions?${params}`);
  document.getElementById("rows").replaceChildren(...data.items.map(mentionRow));
  const first = data.items.length ? explorer.offset + 1 : 0;
  document.getElementById("summary").textContent = data.items.length
    ? `Showing ${first}–${explorer.offset + data.items.length}${data.has_more ? " (more available)" : ""}`
    : "No mentions match these filters. Widen the dates or clear a filter.";
  document.getElementById("prev").disabled = explorer.offset === 0;
  document.getElementById("next").disabled = !data.has_more;
}

async function initMentions() {
  const facets = await api("/api/facets");
  const form = document.getElementById("filters");
  for (const [name, values] of [["source", facets.sources], ["language", facets.languages]]) {
    for (const value of values) form.elements[name].append(el("option", { text: value, value }));
  }
  for (const [key, value] of new URLSearchParams(location.search)) {
    if (!form.elements[key]) continue;
    // times to the minute; a bare day (the alert messages' links: since=2026-03-10) means its midnight
    form.elements[key].value = (key === "since" || key === "until") ? (value.length === 10 ? `${value}T00:00` : value.slice(0, 16)) : value;
  }
  const reload = () => loadMentions().catch((e) => showError(e.message));
  form.addEventListener("submit", (event) => { event.preventDefault(); explorer.offset = 0; reload(); });
  document.getElementById("prev").addEventListener("click", () => { explorer.offset = Math.max(0, explorer.offset - explorer.limit); reload(); });
  document.getElementById("next").addEventListener("click", () => { explorer.offset += explorer.limit; reload(); });
  await loadMentions();
}

document.addEventListener("DOMContentLoaded", () => run(initMentions));
