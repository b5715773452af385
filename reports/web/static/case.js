// One case of the response inbox: its posts and the brand's replies, its history, and the actions
// (assign, comment, resolve), which post JSON to the API (the dashboard's token applies as everywhere).
"use strict";

const caseId = () => document.getElementById("case-title").dataset.case;
const words = (name) => (name ? name.replaceAll("_", " ") : "–");

function field(term, value) {
  return [el("dt", { text: term }), el("dd", { text: value })];
}

function summary(c) {
  const waited = c.first_response_at ? `answered ${when(c.first_response_at)}` : (c.state === "resolved" ? "resolved without a reply" : "waiting for a first response");
  return [el("p", {}, el("span", { className: `pill case-${c.state}`, text: c.state }), " ",
    el("strong", { text: `${c.severity} case from ${c.author} on ${c.source}` }), ` · ${waited}`),
  el("dl", { className: "facts" },
    ...field("Brand", c.brand), ...field("Touchpoint", words(c.touchpoint)), ...field("Journey stage", words(c.stage)),
    ...field("Opened (UTC)", when(c.opened_at)), ...field("First response due", c.due_at ? when(c.due_at) : "no target"),
    ...field("First response", c.first_response_at ? when(c.first_response_at) : "none yet"),
    ...field("Assignee", c.assignee || "nobody"), ...field("Resolved", c.resolved_at ? when(c.resolved_at) : "no"))];
}

function post(p) {
  return el("div", { className: `case-post ${p.role}`, "data-role": p.role },
    el("span", { className: `pill ${p.role === "reply" ? "positive" : "negative"}`, text: p.role === "reply" ? "brand reply" : "customer" }),
    quote({ text: p.text, url: p.url, author: p.author, source: p.source, created_at: p.created_at }));
}

function historyItem(e) {
  return el("li", { "data-kind": e.kind }, el("span", { className: "small muted", text: `${when(e.at)} · ${e.actor} · ` }),
    el("strong", { text: e.kind }), e.note ? el("span", { className: "note", text: `: ${e.note}` }) : null);
}

function show(data) {
  const box = document.getElementById("case-summary");
  box.removeAttribute("aria-busy");
  box.replaceChildren(...summary(data.case));
  document.getElementById("case-posts").replaceChildren(...(data.posts.length ? data.posts.map(post) : [el("p", { className: "muted", text: "No posts." })]));
  document.getElementById("case-history").replaceChildren(...data.history.map(historyItem));
  const resolved = data.case.state === "resolved";
  for (const id of ["assign-form", "resolve-form"]) {
    for (const control of document.getElementById(id).elements) control.disabled = resolved;
  }
}

async function act(action, body) {
  const actor = document.getElementById("actor").value || "dashboard";
  show(await api(`/api/cases/${encodeURIComponent(caseId())}/${action}`, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ actor, ...body }) }));
}

function onSubmit(id, action, bodyOf) {
  const form = document.getElementById(id);
  form.addEventListener("submit", (submitted) => {
    submitted.preventDefault();
    run(async () => { await act(action, bodyOf(form.elements)); form.reset(); });
  });
}

document.addEventListener("DOMContentLoaded", () => {
  onSubmit("assign-form", "assign", (f) => ({ assignee: f.assignee.value }));
  onSubmit("comment-form", "comment", (f) => ({ note: f.note.value }));
  onSubmit("resolve-form", "resolve", (f) => (f.note.value ? { note: f.note.value } : {}));
  run(async () => show(await api(`/api/cases/${encodeURIComponent(caseId())}`)));
});
