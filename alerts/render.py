"""What a notification says, per channel. Every message carries: what happened (metric, value
against expected, since when, severity), the top negative mentions with links, the terms that rose,
and a link to the dashboard.

Functions return plain data (dicts, strings) so tests can compare payloads exactly:
:func:`slack_payload`, :func:`teams_payload`, :func:`pagerduty_event`, :func:`webhook_payload`,
:func:`alertmanager_alerts`, :func:`email_parts` and :func:`text_message`.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from .model import Alert, Notification, iso

MAX_ALERTS = 10
MAX_MENTIONS = 3
MENTION_CHARS = 200
PAGERDUTY_SEVERITY = {"critical": "critical", "error": "error", "warning": "warning", "info": "info"}


def _when(moment: str | datetime | None) -> str:
    if moment is None:
        return "unknown"
    text = iso(moment) if isinstance(moment, datetime) else str(moment)
    return text.replace("T", " ").replace("+00:00", " UTC")


def title(n: Notification) -> str:
    """``[FIRING:2] NegativeSpike acme`` (Alertmanager's usual subject)."""
    status = "TEST" if n.test else n.status.upper()
    count = len(n.firing) if n.status == "firing" else len(n.resolved)
    what = " ".join(v for k, v in sorted(n.group_labels.items()) if k == "alertname") or \
        n.common_labels.get("alertname", "alerts")
    rest = " ".join(v for k, v in sorted(n.group_labels.items()) if k != "alertname")
    return f"[{status}:{count}] {what}" + (f" {rest}" if rest else "")


def headline(alert: Alert) -> str:
    return alert.annotations.get("summary") or alert.labels.get("alertname", "alert")


def facts(alert: Alert) -> list[tuple[str, str]]:
    """(label, value) lines describing one alert."""
    ctx = alert.context
    rows = []
    if ctx.get("metric_title"):
        rows.append(("Metric", str(ctx["metric_title"])))
    if ctx.get("value_text") is not None:
        rows.append(("Value", f"{ctx['value_text']} (expected {ctx.get('expected_text', 'n/a')})"))
    rows.append(("Since", _when(ctx.get("since") or alert.starts_at)))
    if alert.status == "resolved":
        rows.append(("Resolved", _when(alert.ends_at)))
    rows.append(("Severity", alert.labels.get("severity", "unknown")))
    scope = ", ".join(f"{k}={alert.labels[k]}" for k in ("brand", "source", "language") if alert.labels.get(k))
    if scope:
        rows.append(("Scope", scope))
    if ctx.get("acknowledged"):
        rows.append(("Acknowledged", "yes"))
    return rows


def mentions(alert: Alert, limit: int = MAX_MENTIONS) -> list[dict[str, Any]]:
    out = []
    for m in list(alert.context.get("top_mentions") or [])[:limit]:
        text = " ".join(str(m.get("text", "")).split())
        if len(text) > MENTION_CHARS:
            text = text[: MENTION_CHARS - 1] + "…"
        out.append({"text": text, "url": m.get("url"), "author": m.get("author"), "reach": m.get("reach"),
                    "score": m.get("score")})
    return out


def terms(alert: Alert) -> list[str]:
    out = []
    for t in alert.context.get("rising_terms") or []:
        out.append(str(t.get("term")) if isinstance(t, Mapping) else str(t))
    return out


def dashboard(n: Notification, alert: Alert | None = None) -> str | None:
    """The alert's own dashboard link, else the first of the group's alerts', else the notification's."""
    for a in ([] if alert is None else [alert]) + n.alerts:
        if a.context.get("dashboard_url"):
            return str(a.context["dashboard_url"])
    return n.dashboard_url


def _mention_meta(m: Mapping[str, Any]) -> str:
    parts = []
    if m.get("author"):
        parts.append(str(m["author"]))
    if m.get("reach") is not None:
        parts.append(f"reach {int(m['reach']):,}")
    if m.get("score") is not None:
        parts.append(f"score {float(m['score']):+.2f}")
    return ", ".join(parts)


# ---------------------------------------------------------------------------------------------- text


def text_message(n: Notification) -> str:
    """Plain text: the email text part, the console receiver."""
    lines = [title(n), ""]
    for alert in n.alerts[:MAX_ALERTS]:
        lines.append(f"{alert.status.upper()}: {headline(alert)}")
        lines.extend(f"  {k}: {v}" for k, v in facts(alert))
        found = mentions(alert)
        if found:
            lines.append("  Top negative mentions:")
            for m in found:
                lines.append(f"  - \"{m['text']}\" ({_mention_meta(m)})" + (f" {m['url']}" if m["url"] else ""))
        rising = terms(alert)
        if rising:
            lines.append(f"  Rising terms: {', '.join(rising)}")
        lines.append("")
    if len(n.alerts) > MAX_ALERTS:
        lines.append(f"... and {len(n.alerts) - MAX_ALERTS} more")
    link = dashboard(n)
    if link:
        lines.append(f"Dashboard: {link}")
    return "\n".join(lines).rstrip() + "\n"


# --------------------------------------------------------------------------------------------- slack


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_payload(n: Notification, channel: str | None = None, username: str | None = None) -> dict[str, Any]:
    """An incoming-webhook message with Block Kit blocks (and a plain ``text`` fallback)."""
    icon = {"firing": ":red_circle:", "resolved": ":large_green_circle:"}[n.status]
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": title(n)[:150], "emoji": True}}]
    for alert in n.alerts[:MAX_ALERTS]:
        lines = [f"{icon if alert.status == n.status else ''} *{_slack_escape(headline(alert))}*".strip()]
        lines += [f"*{k}:* {_slack_escape(v)}" for k, v in facts(alert)]
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)}})
        found = mentions(alert)
        if found:
            items = []
            for m in found:
                text = _slack_escape(m["text"])
                quoted = f"<{m['url']}|{text}>" if m["url"] else text
                items.append(f"• {quoted} ({_slack_escape(_mention_meta(m))})")
            blocks.append({"type": "section",
                           "text": {"type": "mrkdwn", "text": "*Top negative mentions*\n" + "\n".join(items)}})
        rising = terms(alert)
        if rising:
            blocks.append({"type": "context", "elements": [
                {"type": "mrkdwn", "text": "*Rising terms:* " + _slack_escape(", ".join(rising))}]})
    if len(n.alerts) > MAX_ALERTS:
        blocks.append({"type": "context", "elements": [
            {"type": "mrkdwn", "text": f"… and {len(n.alerts) - MAX_ALERTS} more"}]})
    link = dashboard(n)
    if link:
        blocks.append({"type": "actions", "elements": [
            {"type": "button", "text": {"type": "plain_text", "text": "Open dashboard"}, "url": link}]})
    payload: dict[str, Any] = {"text": f"{title(n)}: {headline(n.alerts[0]) if n.alerts else ''}".strip(),
                               "blocks": blocks}
    if channel:
        payload["channel"] = channel
    if username:
        payload["username"] = username
    return payload


# --------------------------------------------------------------------------------------------- teams


def teams_payload(n: Notification) -> dict[str, Any]:
    """A Microsoft Teams incoming-webhook message carrying an Adaptive Card."""
    body: list[dict[str, Any]] = [{"type": "TextBlock", "size": "Large", "weight": "Bolder", "wrap": True,
                                   "text": title(n),
                                   "color": "Attention" if n.status == "firing" else "Good"}]
    for alert in n.alerts[:MAX_ALERTS]:
        body.append({"type": "TextBlock", "weight": "Bolder", "wrap": True,
                     "text": f"{alert.status.upper()}: {headline(alert)}"})
        body.append({"type": "FactSet", "facts": [{"title": k, "value": v} for k, v in facts(alert)]})
        for m in mentions(alert):
            quoted = f"[{m['text']}]({m['url']})" if m["url"] else m["text"]
            body.append({"type": "TextBlock", "wrap": True, "isSubtle": True,
                         "text": f"- {quoted} ({_mention_meta(m)})"})
        rising = terms(alert)
        if rising:
            body.append({"type": "TextBlock", "wrap": True, "text": f"Rising terms: {', '.join(rising)}"})
    card: dict[str, Any] = {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                            "type": "AdaptiveCard", "version": "1.4", "body": body}
    link = dashboard(n)
    if link:
        card["actions"] = [{"type": "Action.OpenUrl", "title": "Open dashboard", "url": link}]
    return {"type": "message", "attachments": [
        {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}]}


# ----------------------------------------------------------------------------------------- pagerduty


def pagerduty_event(n: Notification, routing_key: str, source: str = "brandpulse") -> dict[str, Any]:
    """An Events API v2 event: ``trigger`` while the group has firing alerts, else ``resolve``; the
    group's stable ``dedup_key`` ties the two together."""
    if n.status == "resolved" and not n.firing:
        return {"routing_key": routing_key, "event_action": "resolve", "dedup_key": n.dedup_key}
    first = n.firing[0] if n.firing else n.alerts[0]
    severities = [a.labels.get("severity", "warning") for a in n.firing] or ["warning"]
    order = ["info", "warning", "error", "critical"]
    worst = max(severities, key=lambda s: order.index(s) if s in order else 1)
    details: dict[str, Any] = {
        "firing": len(n.firing), "resolved": len(n.resolved),
        "alerts": [{"summary": headline(a), "status": a.status, "labels": a.labels,
                    "facts": dict(facts(a)), "top_mentions": mentions(a), "rising_terms": terms(a)}
                   for a in n.alerts[:MAX_ALERTS]],
    }
    event: dict[str, Any] = {
        "routing_key": routing_key, "event_action": "trigger", "dedup_key": n.dedup_key,
        "payload": {"summary": f"{title(n)}: {headline(first)}"[:1024], "source": source,
                    "severity": PAGERDUTY_SEVERITY.get(worst, "warning"),
                    "timestamp": iso(first.starts_at) if first.starts_at else iso(n.created_at),
                    "component": first.labels.get("brand"), "group": first.labels.get("alertname"),
                    "class": first.labels.get("metric"), "custom_details": details},
        "client": "BrandPulse",
    }
    link = dashboard(n)
    if link:
        event["client_url"] = link
        event["links"] = [{"href": link, "text": "BrandPulse dashboard"}]
    return event


# ------------------------------------------------------------------------------------------- webhook


def webhook_payload(n: Notification) -> dict[str, Any]:
    """Alertmanager's webhook shape (version 4), with our values and message context per alert."""
    return {
        "version": "4", "groupKey": n.group_key, "status": n.status, "receiver": n.receiver,
        "groupLabels": n.group_labels, "commonLabels": n.common_labels,
        "commonAnnotations": n.common_annotations, "externalURL": n.dashboard_url, "truncatedAlerts": 0,
        "test": n.test, "notificationId": n.id,
        "alerts": [{"status": a.status, "labels": a.labels, "annotations": a.annotations,
                    "startsAt": iso(a.starts_at), "endsAt": iso(a.ends_at), "fingerprint": a.fingerprint,
                    "value": a.value, "expected": a.expected, "score": a.score,
                    "generatorURL": a.context.get("dashboard_url"), "topMentions": mentions(a),
                    "risingTerms": terms(a)} for a in n.alerts],
    }


def alertmanager_alerts(n: Notification, now: datetime, lapse_after: timedelta) -> list[dict[str, Any]]:
    """The body of a POST to Alertmanager's `/api/v2/alerts` (its `postableAlerts`): per alert its
    labels, its annotations (strings only, our values added), `startsAt`, `endsAt` and `generatorURL`.

    A resolved alert ends when it resolved. A firing one ends at `now + lapse_after` unless it carries
    its own end: Alertmanager resolves an alert whose end has passed, so one we stop repeating (our
    process gone for good) does not page forever, while each repeat pushes the end further out.
    """
    alerts = []
    for alert in n.alerts:
        annotations = dict(alert.annotations)
        for name, value in (("value", alert.value), ("expected", alert.expected), ("score", alert.score)):
            if value is not None:
                annotations.setdefault(name, f"{value:g}")
        ends_at = alert.ends_at or (now if alert.status == "resolved" else now + lapse_after)
        entry: dict[str, Any] = {"labels": dict(alert.labels), "annotations": annotations,
                                 "startsAt": iso(alert.starts_at or n.created_at), "endsAt": iso(ends_at)}
        link = alert.context.get("dashboard_url") or n.dashboard_url
        if link:
            entry["generatorURL"] = link
        alerts.append(entry)
    return alerts


# --------------------------------------------------------------------------------------------- email


def email_parts(n: Notification, prefix: str = "[BrandPulse]") -> tuple[str, str, str]:
    """(subject, text, html)."""
    subject = f"{prefix} {title(n)}".strip()
    if n.alerts:
        subject += f": {headline(n.alerts[0])}"
    esc = html.escape
    parts = [f"<h2>{esc(title(n))}</h2>"]
    for alert in n.alerts[:MAX_ALERTS]:
        colour = "#c0392b" if alert.status == "firing" else "#27ae60"
        parts.append(f'<h3 style="color:{colour}">{esc(alert.status.upper())}: {esc(headline(alert))}</h3>')
        parts.append("<table>" + "".join(f"<tr><th align=\"left\">{esc(k)}</th><td>{esc(v)}</td></tr>"
                                         for k, v in facts(alert)) + "</table>")
        found = mentions(alert)
        if found:
            items = []
            for m in found:
                text = esc(m["text"])
                quoted = f'<a href="{esc(m["url"])}">{text}</a>' if m["url"] else text
                items.append(f"<li>{quoted} <small>({esc(_mention_meta(m))})</small></li>")
            parts.append("<p><b>Top negative mentions</b></p><ul>" + "".join(items) + "</ul>")
        rising = terms(alert)
        if rising:
            parts.append(f"<p><b>Rising terms:</b> {esc(', '.join(rising))}</p>")
    if len(n.alerts) > MAX_ALERTS:
        parts.append(f"<p>… and {len(n.alerts) - MAX_ALERTS} more</p>")
    link = dashboard(n)
    if link:
        parts.append(f'<p><a href="{esc(link)}">Open the dashboard</a></p>')
    body = "<html><body>" + "\n".join(parts) + "</body></html>\n"
    return subject, text_message(n), body
