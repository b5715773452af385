"""Notifier channels. ``build(receiver_config)`` returns an object with ``send(notification)``;
a failed send raises :class:`DeliveryError`, ``retryable`` telling the outbox whether to try again.

HTTP channels (Slack, Microsoft Teams, webhook, PagerDuty, Alertmanager) treat connection errors, timeouts, 408,
429 and 5xx as retryable and other 4xx as permanent (bad URL or key). Email speaks SMTP with
STARTTLS (or SMTPS on port 465) and login, verifying the server's certificate and name; refused
recipients, failed authentication and an untrusted certificate are permanent.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
import ssl
import sys
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any, Protocol

import requests

from . import render
from .config import (
    AlertmanagerConfig,
    ConsoleConfig,
    EmailConfig,
    FileConfig,
    PagerDutyConfig,
    ReceiverConfig,
    SlackConfig,
    TeamsConfig,
    WebhookConfig,
)
from .model import Alert, Notification, utc

SIGNATURE_HEADER = "X-BrandPulse-Signature"
USER_AGENT = "BrandPulse-Alerts/0.1"


class DeliveryError(Exception):
    def __init__(self, message: str, retryable: bool = True, status: int | None = None):
        super().__init__(message)
        self.retryable = retryable
        self.status = status


class Channel(Protocol):
    name: str

    def send(self, notification: Notification) -> None: ...


def canonical_json(payload: Any) -> bytes:
    """The exact bytes we POST: compact, keys sorted, UTF-8."""
    return json.dumps(payload, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()


def sign(body: bytes, secret: str) -> str:
    """The signature header's value: ``sha256=<hex HMAC-SHA256 of the body>``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _post(url: str, body: bytes, headers: dict[str, str], timeout: float, what: str) -> requests.Response:
    try:
        response = requests.post(url, data=body, headers={"Content-Type": "application/json",
                                                          "User-Agent": USER_AGENT, **headers},
                                 timeout=timeout)
    except requests.Timeout as exc:
        raise DeliveryError(f"{what}: timed out", retryable=True) from exc
    except requests.RequestException as exc:
        raise DeliveryError(f"{what}: {type(exc).__name__}: {exc}", retryable=True) from exc
    if 200 <= response.status_code < 300:
        return response
    retryable = response.status_code in (408, 429) or response.status_code >= 500
    raise DeliveryError(f"{what}: HTTP {response.status_code}: {response.text[:200]}",
                        retryable=retryable, status=response.status_code)


class SlackChannel:
    def __init__(self, name: str, config: SlackConfig):
        self.name, self.config = name, config

    def payload(self, n: Notification) -> dict[str, Any]:
        return render.slack_payload(n, channel=self.config.channel, username=self.config.username)

    def send(self, notification: Notification) -> None:
        _post(self.config.webhook_url.get_secret_value(), canonical_json(self.payload(notification)), {},
              self.config.timeout.total_seconds(), f"slack receiver {self.name}")


class TeamsChannel:
    def __init__(self, name: str, config: TeamsConfig):
        self.name, self.config = name, config

    def payload(self, n: Notification) -> dict[str, Any]:
        return render.teams_payload(n)

    def send(self, notification: Notification) -> None:
        _post(self.config.webhook_url.get_secret_value(), canonical_json(self.payload(notification)), {},
              self.config.timeout.total_seconds(), f"teams receiver {self.name}")


class WebhookChannel:
    """POSTs :func:`alerts.render.webhook_payload` as canonical JSON; with a secret, the header
    ``X-BrandPulse-Signature: sha256=<hex>`` carries the HMAC-SHA256 of the exact body bytes."""

    def __init__(self, name: str, config: WebhookConfig):
        self.name, self.config = name, config

    def payload(self, n: Notification) -> dict[str, Any]:
        return render.webhook_payload(n)

    def send(self, notification: Notification) -> None:
        body = canonical_json(self.payload(notification))
        headers = dict(self.config.headers)
        if self.config.secret is not None:
            headers[SIGNATURE_HEADER] = sign(body, self.config.secret.get_secret_value())
        _post(self.config.url, body, headers, self.config.timeout.total_seconds(), f"webhook receiver {self.name}")


class PagerDutyChannel:
    def __init__(self, name: str, config: PagerDutyConfig):
        self.name, self.config = name, config

    def payload(self, n: Notification) -> dict[str, Any]:
        return render.pagerduty_event(n, self.config.routing_key.get_secret_value(), source=self.config.source)

    def send(self, notification: Notification) -> None:
        _post(self.config.url, canonical_json(self.payload(notification)), {},
              self.config.timeout.total_seconds(), f"pagerduty receiver {self.name}")


class AlertmanagerChannel:
    """POSTs the notification's alerts to Alertmanager's v2 API (`POST /api/v2/alerts`)."""

    def __init__(self, name: str, config: AlertmanagerConfig):
        self.name, self.config = name, config

    def payload(self, n: Notification, now: datetime | None = None) -> list[dict[str, Any]]:
        return render.alertmanager_alerts(n, now or datetime.now(UTC), self.config.lapse_after)

    def send(self, notification: Notification) -> None:
        headers = dict(self.config.headers)
        if self.config.bearer_token is not None:
            headers["Authorization"] = f"Bearer {self.config.bearer_token.get_secret_value()}"
        _post(f"{self.config.url.rstrip('/')}/api/v2/alerts", canonical_json(self.payload(notification)), headers,
              self.config.timeout.total_seconds(), f"alertmanager receiver {self.name}")


class EmailChannel:
    def __init__(self, name: str, config: EmailConfig):
        self.name, self.config = name, config

    def message(self, n: Notification) -> EmailMessage:
        subject, text, body = render.email_parts(n, self.config.subject_prefix)
        message = EmailMessage()
        message["Subject"] = subject
        message["From"] = self.config.from_
        message["To"] = ", ".join(self.config.to)
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid(domain="brandpulse")
        message["X-BrandPulse-Notification"] = n.id
        message.set_content(text)
        message.add_alternative(body, subtype="html")
        return message

    def send(self, notification: Notification) -> None:
        c = self.config
        what = f"email receiver {self.name}"
        try:
            with self._connect(what) as smtp:
                if c.username:
                    _login(smtp, c.username, c.password.get_secret_value() if c.password else "")
                smtp.send_message(self.message(notification))
        except DeliveryError:
            raise
        except ssl.SSLCertVerificationError as exc:  # retrying cannot make an untrusted server trusted
            raise DeliveryError(f"{what}: {c.smarthost}'s TLS certificate is not trusted: {exc.verify_message}",
                                retryable=False) from exc
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(f"{what}: authentication failed: {exc.smtp_code}", retryable=False) from exc
        except smtplib.SMTPRecipientsRefused as exc:
            raise DeliveryError(f"{what}: recipients refused: {sorted(exc.recipients)}", retryable=False) from exc
        except smtplib.SMTPResponseException as exc:
            retryable = exc.smtp_code >= 400 and exc.smtp_code < 500
            raise DeliveryError(f"{what}: SMTP {exc.smtp_code} {exc.smtp_error!r}", retryable=retryable) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"{what}: {type(exc).__name__}: {exc}", retryable=True) from exc

    def _connect(self, what: str) -> smtplib.SMTP:
        """An SMTP session over STARTTLS or SMTPS (`security`), or in clear for a relay on the same host.

        The TLS context is `ssl.create_default_context()` (with `ca_file` for a private CA): the
        certificate must chain to a trusted CA and name the smarthost, or nothing, password included,
        is sent.
        """
        c = self.config
        host, _, port = c.smarthost.rpartition(":")
        timeout = c.timeout.total_seconds()
        context = ssl.create_default_context(cafile=c.ca_file)
        if c.security == "smtps":
            return smtplib.SMTP_SSL(host, int(port), timeout=timeout, context=context)
        smtp = smtplib.SMTP(host, int(port), timeout=timeout)
        try:
            smtp.ehlo()
            if c.security == "starttls":
                if not smtp.has_extn("starttls"):
                    raise DeliveryError(f"{what}: {c.smarthost} does not offer STARTTLS", retryable=False)
                smtp.starttls(context=context)
                smtp.ehlo()
        except BaseException:
            smtp.close()
            raise
        return smtp


def _login(smtp: smtplib.SMTP, username: str, password: str) -> None:
    """Authenticate with the first mechanism both sides support (PLAIN, LOGIN, CRAM-MD5), once:
    unlike ``SMTP.login`` it does not retry a refused password with every other mechanism."""
    if not smtp.has_extn("auth"):
        raise DeliveryError("the SMTP server does not offer AUTH", retryable=False)
    offered = smtp.esmtp_features["auth"].upper().split()
    for mechanism in ("PLAIN", "LOGIN", "CRAM-MD5"):
        if mechanism in offered:
            smtp.user, smtp.password = username, password
            method = getattr(smtp, "auth_" + mechanism.lower().replace("-", "_"))
            smtp.auth(mechanism, method, initial_response_ok=mechanism != "LOGIN")
            return
    raise DeliveryError(f"no supported AUTH mechanism among {offered}", retryable=False)


class ConsoleChannel:
    def __init__(self, name: str, config: ConsoleConfig, stream: Any = None):
        self.name, self.config = name, config
        self._stream = stream

    def send(self, notification: Notification) -> None:
        stream = self._stream or (sys.stderr if self.config.stream == "stderr" else sys.stdout)
        if self.config.format == "json":
            stream.write(json.dumps(notification.to_dict(), sort_keys=True) + "\n")
        else:
            stream.write(render.text_message(notification) + "\n")
        stream.flush()


class FileChannel:
    """Appends each notification as one JSON line."""

    def __init__(self, name: str, config: FileConfig):
        self.name, self.config = name, config

    def send(self, notification: Notification) -> None:
        path = Path(self.config.path).expanduser()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(notification.to_dict(), sort_keys=True, ensure_ascii=False) + "\n")
        except OSError as exc:
            raise DeliveryError(f"file receiver {self.name}: {exc}", retryable=True) from exc


def build(receiver: ReceiverConfig) -> Channel:
    """The channel for a receiver from the config."""
    name, integration = receiver.name, receiver.integration
    match integration:
        case SlackConfig():
            return SlackChannel(name, integration)
        case TeamsConfig():
            return TeamsChannel(name, integration)
        case WebhookConfig():
            return WebhookChannel(name, integration)
        case PagerDutyConfig():
            return PagerDutyChannel(name, integration)
        case EmailConfig():
            return EmailChannel(name, integration)
        case ConsoleConfig():
            return ConsoleChannel(name, integration)
        case FileConfig():
            return FileChannel(name, integration)
        case AlertmanagerConfig():
            return AlertmanagerChannel(name, integration)


def build_all(receivers: list[ReceiverConfig]) -> dict[str, Channel]:
    return {r.name: build(r) for r in receivers}


def sample_notification(receiver: str, now: datetime | None = None, dashboard_url: str | None = None) -> Notification:
    """A harmless sample notification for ``brandpulse alerts test CHANNEL``."""
    now = utc(now or datetime.now(UTC))
    alert = Alert(labels={"alertname": "BrandPulseTest", "brand": "example", "severity": "info",
                          "metric": "negative"},
                  annotations={"summary": "Test message from BrandPulse: this receiver works",
                               "description": "Sent by `brandpulse alerts test`; no action needed."},
                  starts_at=now, value=42, expected=7, score=9.9, generator="test",
                  context={"metric": "negative", "metric_title": "negative mentions", "value_text": "42",
                           "expected_text": "7", "since": now.isoformat(),
                           "top_mentions": [{"text": "This is what a negative mention will look like.",
                                             "url": "https://example.com/post/1", "author": "@example",
                                             "reach": 12000, "score": -0.9}],
                           "rising_terms": ["example", "test"], "dashboard_url": dashboard_url})
    return Notification(id=f"test-{receiver}-{int(now.timestamp())}", receiver=receiver,
                        group_key=f"test:{receiver}", status="firing", alerts=[alert],
                        group_labels={"alertname": "BrandPulseTest"},
                        common_labels=dict(alert.labels), common_annotations=dict(alert.annotations),
                        created_at=now, dashboard_url=dashboard_url, test=True)


def send_test(receiver: ReceiverConfig, now: datetime | None = None, dashboard_url: str | None = None
              ) -> Notification:
    """Send a test message straight through a receiver's channel (raises DeliveryError on failure)."""
    notification = sample_notification(receiver.name, now, dashboard_url)
    build(receiver).send(notification)
    return notification
