// The alerts page: alerts only (pending, firing, resolved) with their history, and silences.
"use strict";

let silenceTarget = null;

function openSilence(alert) {
  silenceTarget = alert;
  document.getElementById("silence-rule").textContent = alert.rule;
  const box = document.getElementById("silence-matchers");
  box.replaceChildren(el("legend", { text: "Labels to match" }), ...Object.entries(alert.labels).map(([name, value]) =>
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
    duration: form.elements.duration.value,
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

function alertDetails(a) {
  const notes = [];
  if (a.description) notes.push(el("p", { className: "small", text: a.description }));
  if (a.rising_terms.length) notes.push(el("p", { className: "small", text: `Rising terms: ${a.rising_terms.join(", ")}` }));
  if (a.notified.length) notes.push(el("p", { className: "small muted", text: `Notified ${a.notified.length}×: ${a.notified.map(when).join(", ")}` }));
  const quotes = a.quotes.length
    ? el("details", {}, el("summary", { text: `${a.quotes.length} mention(s) the notification quoted` }), ...a.quotes.map((q) => quote(q, { brand: false })))
    : null;
  return el("td", { className: "alert-cell" }, el("strong", { text: a.summary }), ...notes, quotes,
    a.mentions_link ? el("a", { href: a.mentions_link, className: "small", text: "Mentions of this window" }) : null);
}

function alertRow(a, onError) {
  const state = el("td", {}, el("span", { className: `pill ${a.state}`, text: a.state }),
    a.silenced_by.length ? el("span", { className: "pill", text: "silenced" }) : null,
    a.acknowledged ? el("span", { className: "pill", title: a.acknowledged.comment || "", text: `ack: ${a.acknowledged.acknowledged_by}` }) : null);
  const peak = a.peak === null ? "–" : `${number(a.peak)} vs ${number(a.expected)}`;
  const actions = el("td", {},
    a.can_silence ? el("button", { type: "button", className: "silence", text: "Silence…", onclick: () => openSilence(a) }) : null, " ",
    a.can_acknowledge ? el("button", { type: "button", className: "ack", text: "Acknowledge", onclick: () => acknowledge(a).catch(onError) }) : null,
    a.can_silence || a.can_acknowledge ? null : el("span", { className: "small muted", text: a.state === "resolved" ? "none: resolved" : "none needed" }));
  return el("tr", { "data-fingerprint": a.fingerprint }, state, el("td", { text: a.brand || "" }), alertDetails(a),
    el("td", { text: when(a.starts_at) }), el("td", { text: a.ends_at ? when(a.ends_at) : "ongoing" }), el("td", { text: peak }), actions);
}

function silenceRow(s, onError) {
  return el("tr", { "data-silence": s.id },
    el("td", {}, el("span", { className: "pill", text: s.status })),
    el("td", {}, el("code", { text: s.matchers.map((m) => `${m.name}${m.op || "="}"${m.value}"`).join(", ") })),
    el("td", { text: s.created_by }), el("td", { text: s.comment }), el("td", { text: when(s.starts_at) }), el("td", { text: when(s.ends_at) }),
    el("td", {}, s.status === "expired" ? null : el("button", { type: "button", text: "Expire", onclick: () => expire(s).catch(onError) })));
}

async function loadAlerts() {
  const state = document.getElementById("state").value;
  const data = await api(`/api/alerts${state ? `?state=${encodeURIComponent(state)}` : ""}`);
  const onError = (e) => showError(e.message);
  const empty = (text) => [el("tr", {}, el("td", { colspan: 7, className: "muted", text }))];
  document.getElementById("alerts").replaceChildren(...(data.alerts.length ? data.alerts.map((a) => alertRow(a, onError))
    : empty("No alerts. Rules raise them when a brand's series leaves its expected range (see the alerts section of the config).")));
  document.getElementById("silences").replaceChildren(...(data.silences.length ? data.silences.map((s) => silenceRow(s, onError))
    : empty("No silences.")));
}

document.addEventListener("DOMContentLoaded", () => {
  document.getElementById("state").addEventListener("change", () => run(loadAlerts));
  document.getElementById("silence-form").addEventListener("submit", (event) => submitSilence(event).catch((e) => showError(e.message)));
  run(loadAlerts);
});
