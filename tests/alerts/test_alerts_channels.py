"""Each channel against a real server on 127.0.0.1, asserting the exact payloads; failures (HTTP 500,
connection refused, bad login) and how the outbox retries them."""

from __future__ import annotations

import email
import email.policy
import hashlib
import hmac
import io
import json
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller

from alerts import channels
from alerts.config import ReceiverConfig
from alerts.model import Alert, Notification
from alerts.outbox import MemoryOutbox, deliver, receiver_health
from tests.alerts.conftest import T0

DASHBOARD = "https://pulse.example.com/brands/acme?metric=negative"
MENTION = {"text": "Refund <still> missing & support silent", "url": "https://social.example/p/1",
           "author": "@ann", "reach": 12000, "score": -0.92}
SUMMARY = "Negative mentions for acme rose to 48 (expected 6)"
FACTS = [("Metric", "negative mentions"), ("Value", "48 (expected 6)"), ("Since", "2025-03-10 11:00:00 UTC"),
         ("Severity", "warning"), ("Scope", "brand=acme")]


def spike(status: str = "firing") -> Notification:
    alert = Alert(labels={"alertname": "NegativeSpike", "brand": "acme", "metric": "negative", "severity": "warning"},
                  annotations={"summary": SUMMARY}, status=status, starts_at=T0,
                  ends_at=T0 + timedelta(hours=2) if status == "resolved" else None,
                  value=48, expected=6, score=12.5, generator="NegativeSpike",
                  context={"metric": "negative", "metric_title": "negative mentions", "value_text": "48",
                           "expected_text": "6", "since": "2025-03-10T11:00:00+00:00", "top_mentions": [MENTION],
                           "rising_terms": [{"term": "refund", "count": 12, "change": 6.0}, "outage"],
                           "dashboard_url": DASHBOARD})
    return Notification(id="abc-1", receiver="team", group_key='0:team:{alertname="NegativeSpike",brand="acme"}',
                        status=status, alerts=[alert], group_labels={"alertname": "NegativeSpike", "brand": "acme"},
                        common_labels=dict(alert.labels), common_annotations=dict(alert.annotations),
                        created_at=T0, dashboard_url="https://pulse.example.com")


def receiver(**integration) -> ReceiverConfig:
    return ReceiverConfig.model_validate({"name": "team", **integration})


def test_slack_posts_block_kit(http_server):
    channel = channels.build(receiver(slack={"webhook_url": f"{http_server.url}/hooks/T1", "channel": "#alerts"}))
    channel.send(spike())
    (request,) = http_server.requests
    assert request.path == "/hooks/T1"
    assert request.headers["Content-Type"] == "application/json"
    assert request.json() == {
        "text": f"[FIRING:1] NegativeSpike acme: {SUMMARY}",
        "channel": "#alerts",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "[FIRING:1] NegativeSpike acme", "emoji": True}},
            {"type": "section", "text": {"type": "mrkdwn", "text": (
                f":red_circle: *{SUMMARY}*\n*Metric:* negative mentions\n*Value:* 48 (expected 6)\n"
                "*Since:* 2025-03-10 11:00:00 UTC\n*Severity:* warning\n*Scope:* brand=acme")}},
            {"type": "section", "text": {"type": "mrkdwn", "text": (
                "*Top negative mentions*\n• <https://social.example/p/1|Refund &lt;still&gt; missing &amp; "
                "support silent> (@ann, reach 12,000, score -0.92)")}},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "*Rising terms:* refund, outage"}]},
            {"type": "actions", "elements": [
                {"type": "button", "text": {"type": "plain_text", "text": "Open dashboard"}, "url": DASHBOARD}]},
        ],
    }


def test_teams_posts_an_adaptive_card(http_server):
    channels.build(receiver(teams={"webhook_url": f"{http_server.url}/teams"})).send(spike())
    (request,) = http_server.requests
    body = request.json()
    assert body["type"] == "message"
    (attachment,) = body["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
    assert card["body"] == [
        {"type": "TextBlock", "size": "Large", "weight": "Bolder", "wrap": True,
         "text": "[FIRING:1] NegativeSpike acme", "color": "Attention"},
        {"type": "TextBlock", "weight": "Bolder", "wrap": True, "text": f"FIRING: {SUMMARY}"},
        {"type": "FactSet", "facts": [{"title": k, "value": v} for k, v in FACTS]},
        {"type": "TextBlock", "wrap": True, "isSubtle": True,
         "text": f"- [{MENTION['text']}](https://social.example/p/1) (@ann, reach 12,000, score -0.92)"},
        {"type": "TextBlock", "wrap": True, "text": "Rising terms: refund, outage"},
    ]
    assert card["actions"] == [{"type": "Action.OpenUrl", "title": "Open dashboard", "url": DASHBOARD}]


def test_webhook_signs_the_exact_body_with_hmac_sha256(http_server):
    config = receiver(webhook={"url": f"{http_server.url}/in", "secret": "topsecret",
                               "headers": {"X-Team": "social"}})
    channels.build(config).send(spike())
    (request,) = http_server.requests
    expected = hmac.new(b"topsecret", request.body, hashlib.sha256).hexdigest()
    assert request.headers["X-BrandPulse-Signature"] == f"sha256={expected}"
    assert request.headers["X-Team"] == "social"
    body = request.json()
    assert request.body == json.dumps(body, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()
    assert body == {
        "version": "4", "groupKey": '0:team:{alertname="NegativeSpike",brand="acme"}', "status": "firing",
        "receiver": "team", "groupLabels": {"alertname": "NegativeSpike", "brand": "acme"},
        "commonLabels": {"alertname": "NegativeSpike", "brand": "acme", "metric": "negative", "severity": "warning"},
        "commonAnnotations": {"summary": SUMMARY}, "externalURL": "https://pulse.example.com",
        "truncatedAlerts": 0, "test": False, "notificationId": "abc-1",
        "alerts": [{"status": "firing",
                    "labels": {"alertname": "NegativeSpike", "brand": "acme", "metric": "negative",
                               "severity": "warning"},
                    "annotations": {"summary": SUMMARY}, "startsAt": "2025-03-10T12:00:00+00:00", "endsAt": None,
                    "fingerprint": spike().alerts[0].fingerprint, "value": 48, "expected": 6, "score": 12.5,
                    "generatorURL": DASHBOARD, "topMentions": [MENTION], "risingTerms": ["refund", "outage"]}],
    }


def test_webhook_without_secret_has_no_signature(http_server):
    channels.build(receiver(webhook={"url": f"{http_server.url}/in"})).send(spike())
    assert "X-BrandPulse-Signature" not in http_server.requests[0].headers


def test_pagerduty_triggers_and_resolves_with_one_dedup_key(http_server):
    config = receiver(pagerduty={"routing_key": "R0UT1NG", "url": f"{http_server.url}/v2/enqueue"})
    channel = channels.build(config)
    channel.send(spike())
    channel.send(spike("resolved"))
    trigger, resolve = (r.json() for r in http_server.requests)
    dedup = hashlib.sha256(spike().group_key.encode()).hexdigest()[:32]
    assert resolve == {"routing_key": "R0UT1NG", "event_action": "resolve", "dedup_key": dedup}
    assert trigger == {
        "routing_key": "R0UT1NG", "event_action": "trigger", "dedup_key": dedup, "client": "BrandPulse",
        "client_url": DASHBOARD, "links": [{"href": DASHBOARD, "text": "BrandPulse dashboard"}],
        "payload": {
            "summary": f"[FIRING:1] NegativeSpike acme: {SUMMARY}", "source": "brandpulse",
            "severity": "warning", "timestamp": "2025-03-10T12:00:00+00:00", "component": "acme",
            "group": "NegativeSpike", "class": "negative",
            "custom_details": {"firing": 1, "resolved": 0, "alerts": [{
                "summary": SUMMARY, "status": "firing",
                "labels": {"alertname": "NegativeSpike", "brand": "acme", "metric": "negative", "severity": "warning"},
                "facts": dict(FACTS), "top_mentions": [MENTION], "rising_terms": ["refund", "outage"]}]},
        },
    }


def test_email_uses_starttls_and_login_and_sends_text_and_html(smtp_server):
    config = receiver(email={"to": "oncall@example.com, pr@example.com", "from": "pulse@example.com",
                             "smarthost": f"{smtp_server.host}:{smtp_server.port}", "username": "alerts",
                             "password": "s3cret", "ca_file": smtp_server.ca_file})
    channels.build(config).send(spike())
    assert smtp_server.logins == [("PLAIN", True)]
    ((sender, recipients, raw),) = smtp_server.messages
    assert sender == "pulse@example.com" and recipients == ["oncall@example.com", "pr@example.com"]
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["Subject"] == f"[BrandPulse] [FIRING:1] NegativeSpike acme: {SUMMARY}"
    assert message["To"] == "oncall@example.com, pr@example.com"
    assert message["X-BrandPulse-Notification"] == "abc-1"
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert text == (
        "[FIRING:1] NegativeSpike acme\n\n"
        f"FIRING: {SUMMARY}\n"
        "  Metric: negative mentions\n  Value: 48 (expected 6)\n  Since: 2025-03-10 11:00:00 UTC\n"
        "  Severity: warning\n  Scope: brand=acme\n  Top negative mentions:\n"
        f"  - \"{MENTION['text']}\" (@ann, reach 12,000, score -0.92) https://social.example/p/1\n"
        "  Rising terms: refund, outage\n\n"
        f"Dashboard: {DASHBOARD}\n")
    html = message.get_body(("html",)).get_content()
    assert '<a href="https://social.example/p/1">Refund &lt;still&gt; missing &amp; support silent</a>' in html
    assert f'<a href="{DASHBOARD.replace("&", "&amp;")}">Open the dashboard</a>' in html
    assert "<th align=\"left\">Value</th><td>48 (expected 6)</td>" in html


def test_email_with_a_wrong_password_fails_for_good(smtp_server):
    config = receiver(email={"to": ["oncall@example.com"], "from": "pulse@example.com",
                             "smarthost": f"{smtp_server.host}:{smtp_server.port}", "username": "alerts",
                             "password": "wrong", "ca_file": smtp_server.ca_file})
    with pytest.raises(channels.DeliveryError) as error:
        channels.build(config).send(spike())
    assert error.value.retryable is False
    assert smtp_server.messages == []


def test_email_to_a_closed_port_is_retried_later(closed_port):
    config = receiver(email={"to": ["a@example.com"], "from": "b@example.com",
                             "smarthost": f"127.0.0.1:{closed_port}"})
    with pytest.raises(channels.DeliveryError) as error:
        channels.build(config).send(spike())
    assert error.value.retryable is True


def test_email_refuses_to_send_in_clear_without_starttls(closed_port):
    class Handler:
        async def handle_DATA(self, server, session, envelope):
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=closed_port)
    controller.start()
    try:
        port = closed_port
        config = receiver(email={"to": ["a@example.com"], "from": "b@example.com", "smarthost": f"127.0.0.1:{port}"})
        with pytest.raises(channels.DeliveryError) as error:
            channels.build(config).send(spike())
    finally:
        controller.stop()
    assert error.value.retryable is False and "STARTTLS" in str(error.value)


def test_http_500_and_refused_connections_are_retried_through_the_outbox(http_server, closed_port):
    outbox = MemoryOutbox()
    outbox.enqueue([spike()], T0)
    good = channels.build(receiver(webhook={"url": f"{http_server.url}/in"}))
    http_server.fail_next(500)
    report = deliver(outbox, {"team": good}, T0, policy=lambda attempts, now: now + timedelta(minutes=attempts))
    assert report.retrying == ["abc-1"]
    (row,) = outbox.items()
    assert (row.status, row.attempts, row.next_attempt_at) == ("pending", 1, T0 + timedelta(minutes=1))
    assert "HTTP 500" in row.last_error
    assert receiver_health(outbox.items())["team"].failing
    assert deliver(outbox, {"team": good}, T0 + timedelta(seconds=30)).sent == []     # not due yet
    assert deliver(outbox, {"team": good}, T0 + timedelta(minutes=1)).sent == ["abc-1"]
    assert len(http_server.requests) == 2
    assert not receiver_health(outbox.items())["team"].failing

    refused = channels.build(receiver(webhook={"url": f"http://127.0.0.1:{closed_port}/in"}))
    other = MemoryOutbox()
    other.enqueue([spike()], T0)
    report = deliver(other, {"team": refused}, T0)
    assert report.retrying == ["abc-1"]
    assert "ConnectionError" in other.items()[0].last_error


def test_a_4xx_is_permanent_and_marks_the_row_dead(http_server):
    outbox = MemoryOutbox()
    outbox.enqueue([spike()], T0)
    http_server.fail_next(404)
    report = deliver(outbox, {"team": channels.build(receiver(slack={"webhook_url": f"{http_server.url}/x"}))}, T0)
    assert report.dead == ["abc-1"]
    health = receiver_health(outbox.items())["team"]
    assert health.dead == 1 and health.failing and "HTTP 404" in health.last_error


def test_console_and_file_sinks(tmp_path):
    buffer = io.StringIO()
    channels.ConsoleChannel("c", receiver(console={}).console, stream=buffer).send(spike())
    assert buffer.getvalue().startswith("[FIRING:1] NegativeSpike acme\n\nFIRING: ")
    path = tmp_path / "out" / "alerts.jsonl"
    sink = channels.build(receiver(file={"path": str(path)}))
    sink.send(spike())
    sink.send(spike("resolved"))
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [line["status"] for line in lines] == ["firing", "resolved"]
    assert Notification.from_dict(lines[0]).to_dict() == spike().to_dict()


def test_test_message_goes_straight_through_a_receiver(http_server):
    sent = channels.send_test(receiver(slack={"webhook_url": f"{http_server.url}/t"}), now=T0)
    assert sent.test and http_server.requests[0].json()["text"].startswith("[TEST:1] BrandPulseTest")
