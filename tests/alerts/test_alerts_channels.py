"""Each channel against a real server on 127.0.0.1, asserting the exact payloads; failures (HTTP 500,
connection refused, bad login) and how the outbox retries them."""

from __future__ import annotations

import email
import email.policy
import hashlib
import hmac
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller

from brandpulse.alerts import channels
from brandpulse.alerts.config import ReceiverConfig
from brandpulse.alerts.model import Alert, Notification
from brandpulse.alerts.outbox import MemoryOutbox, deliver, receiver_health
from tests.alerts.conftest import T0
from tests.support.http import QuietHandler, loopback_server

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


# ----------------------------------------------------------------------------------- Alertmanager
#
# A stand-in Alertmanager on 127.0.0.1: `POST /api/v2/alerts` checked against the `postableAlerts`
# definition of Alertmanager's API (prometheus/alertmanager, api/v2/openapi.yaml, Apache-2.0):
# an array of {labels (required, string values), annotations (string values), startsAt, endsAt
# (date-time), generatorURL (uri)}, plus the server's own checks (labels not empty, the end not
# before the start). Like Alertmanager, it answers 400 with the reason to a body it refuses.


def postable_alerts_problems(body: object) -> list[str]:
    if not isinstance(body, list):
        return ["body is not an array"]
    return [f"[{index}]{problem}" for index, alert in enumerate(body) for problem in postable_alert_problems(alert)]


def postable_alert_problems(alert: object) -> list[str]:
    """One array item's problems, each starting with the property it is about ("" for the item)."""
    if not isinstance(alert, dict):
        return [" is not an object"]
    unknown = set(alert) - {"labels", "annotations", "startsAt", "endsAt", "generatorURL"}
    problems = [f".{name}: not a postableAlert property" for name in sorted(unknown)]
    for name in ("labels", "annotations"):
        value = alert.get(name, {})
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            problems.append(f".{name}: a labelSet maps names to strings")
    if not alert.get("labels"):
        problems.append(".labels: at least one label is required")
    problems += time_problems(alert)
    if "generatorURL" in alert:
        parts = urlsplit(str(alert["generatorURL"]))
        if not (parts.scheme and parts.netloc):
            problems.append(".generatorURL: not a URI")
    return problems


def time_problems(alert: dict) -> list[str]:
    """startsAt and endsAt are RFC 3339 date-times (with a zone), the end not before the start."""
    problems, times = [], {}
    for name in ("startsAt", "endsAt"):
        if name in alert:
            try:
                times[name] = datetime.fromisoformat(alert[name].replace("Z", "+00:00"))
                assert times[name].tzinfo is not None
            except (AttributeError, ValueError, AssertionError):
                problems.append(f".{name}: not an RFC 3339 date-time")
    if len(times) == 2 and times["endsAt"] < times["startsAt"]:
        problems.append(": endsAt is before startsAt")
    return problems


@dataclass
class StandInAlertmanager:
    url: str
    received: list[tuple[dict[str, str], list]] = field(default_factory=list)   # (headers, alerts)
    outages: list[int] = field(default_factory=list)   # statuses to answer next, as a struggling server


@pytest.fixture
def alertmanager() -> Iterator[StandInAlertmanager]:
    state = StandInAlertmanager(url="")

    class Handler(QuietHandler):
        def do_POST(self) -> None:
            body = self.body()
            if state.outages:
                self.answer(state.outages.pop(0), b"unavailable")
            elif self.path != "/api/v2/alerts":
                self.answer(404, b"404 page not found")
            elif problems := postable_alerts_problems(json.loads(body)):
                self.answer(400, json.dumps("; ".join(problems)).encode())
            else:
                state.received.append((dict(self.headers.items()), json.loads(body)))
                self.answer(200, b"")

    with loopback_server(Handler) as state.url:
        yield state


def test_alertmanager_receives_firing_then_resolved_alerts_in_its_v2_shape(alertmanager):
    channel = channels.build(receiver(alertmanager={"url": alertmanager.url + "/", "lapse_after": "6h"}))
    before = datetime.now(UTC)
    channel.send(spike())
    channel.send(spike("resolved"))
    (_, [firing]), (_, [resolved]) = alertmanager.received
    assert firing == {
        "labels": {"alertname": "NegativeSpike", "brand": "acme", "metric": "negative", "severity": "warning"},
        "annotations": {"summary": SUMMARY, "value": "48", "expected": "6", "score": "12.5"},
        "startsAt": "2025-03-10T12:00:00+00:00", "endsAt": firing["endsAt"], "generatorURL": DASHBOARD}
    lapses = datetime.fromisoformat(firing["endsAt"])  # Alertmanager resolves it by itself unless told again
    assert before + timedelta(hours=6) <= lapses <= datetime.now(UTC) + timedelta(hours=6)
    assert resolved == {**firing, "endsAt": "2025-03-10T14:00:00+00:00"}


def test_alertmanager_gets_the_bearer_token_and_headers(alertmanager):
    config = receiver(alertmanager={"url": alertmanager.url, "bearer_token": "am-t0ken",
                                    "headers": {"X-Scope-OrgID": "brandpulse"}})
    channels.build(config).send(spike())
    [(headers, _)] = alertmanager.received
    assert headers["Authorization"] == "Bearer am-t0ken" and headers["X-Scope-OrgID"] == "brandpulse"


def test_an_alertmanager_outage_is_retried_by_the_outbox_and_nothing_is_lost(alertmanager):
    outbox = MemoryOutbox()
    outbox.enqueue([spike()], T0)
    am = {"team": channels.build(receiver(alertmanager={"url": alertmanager.url}))}
    alertmanager.outages += [503, 500]
    retry = {"policy": lambda attempts, now: now + timedelta(minutes=attempts)}
    assert deliver(outbox, am, T0, **retry).retrying == ["abc-1"]
    assert deliver(outbox, am, T0 + timedelta(minutes=1), **retry).retrying == ["abc-1"]
    (row,) = outbox.items()
    assert (row.status, row.attempts) == ("pending", 2) and "HTTP 500" in row.last_error
    assert deliver(outbox, am, T0 + timedelta(minutes=3), **retry).sent == ["abc-1"]
    assert len(alertmanager.received) == 1 and outbox.items()[0].status == "sent"


def test_a_body_alertmanager_refuses_is_not_retried(alertmanager):
    """A 400 (here: an alert without labels) will be refused again: the row is dead, and says why."""
    bare = spike()
    bare.alerts[0].labels = {}
    outbox = MemoryOutbox()
    outbox.enqueue([bare], T0)
    report = deliver(outbox, {"team": channels.build(receiver(alertmanager={"url": alertmanager.url}))}, T0)
    assert report.dead == ["abc-1"]
    error = outbox.items()[0].last_error
    assert "HTTP 400" in error and "at least one label is required" in error


def test_a_wrong_alertmanager_address_is_permanent(alertmanager):
    channel = channels.build(receiver(alertmanager={"url": alertmanager.url + "/prefix"}))
    with pytest.raises(channels.DeliveryError) as error:
        channel.send(spike())
    assert (error.value.status, error.value.retryable) == (404, False)
