"""Every way BrandPulse sends mail (the alerts' email receiver, the feedback report's e-mail) speaks
TLS with a verified certificate: STARTTLS or SMTPS against a real SMTP server on 127.0.0.1 whose
certificate a CA made by the test issued. A server whose certificate is not trusted, or names
another host, is refused before anything is sent."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from brandpulse.alerts import channels
from brandpulse.alerts.config import ReceiverConfig
from brandpulse.reporting import smtp_settings
from brandpulse.reports.feedback import build_report, email_report
from brandpulse.storage.engine import open_database
from tests.support.smtp import ThrowawayCA, smtp_inbox

Send = Callable[[int, Path], None]


@pytest.fixture(scope="module")
def ca(tmp_path_factory) -> ThrowawayCA:
    return ThrowawayCA.create(tmp_path_factory.mktemp("ca"))


@pytest.fixture(scope="module")
def stranger(tmp_path_factory) -> ThrowawayCA:
    """Another CA: what a server with a self-made certificate looks like to a client."""
    return ThrowawayCA.create(tmp_path_factory.mktemp("stranger"))


def email_receiver(port: int, ca_file: Path | None, mode: str) -> ReceiverConfig:
    tls = {"starttls": True} if mode == "starttls" else {"starttls": False, "smtps": True}
    return ReceiverConfig.model_validate({"name": "oncall", "email": {
        "to": ["oncall@example.test"], "from": "pulse@example.test", "smarthost": f"127.0.0.1:{port}",
        **({"ca_file": str(ca_file)} if ca_file else {}), **tls}})


def send_alert(port: int, ca_file: Path | None, mode: str) -> None:
    receiver = email_receiver(port, ca_file, mode)
    channels.build(receiver).send(channels.sample_notification(receiver.name))


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    engine = open_database(f"sqlite:///{tmp_path_factory.mktemp('db') / 'brandpulse.db'}")
    start = datetime(2026, 3, 2, tzinfo=UTC)
    yield build_report(engine, "Lumora", start, start + timedelta(days=7), model_id="none", pdf=False)
    engine.dispose()


@pytest.fixture
def send_report(report) -> Send:
    def send(port: int, ca_file: Path | None, mode: str) -> None:
        settings = smtp_settings(email_receiver(port, ca_file, mode).email)
        email_report(report, settings, ["pm@example.test"])
    return send


@pytest.fixture(params=["alert", "report"])
def send(request, send_report) -> Send:
    return send_alert if request.param == "alert" else send_report


@pytest.mark.parametrize("mode", ["starttls", "smtps"])
def test_mail_goes_through_tls_to_a_server_the_ca_vouches_for(ca, send, mode):
    with smtp_inbox(ca.server_context(), mode=mode) as inbox:
        send(inbox.port, ca.ca_file, mode)
        [message] = inbox.wait_for(1)
    assert message["From"] == "pulse@example.test"


@pytest.mark.parametrize("mode", ["starttls", "smtps"])
def test_a_server_with_an_untrusted_certificate_is_refused(ca, stranger, send, mode):
    with smtp_inbox(stranger.server_context(), mode=mode) as inbox:
        with pytest.raises((channels.DeliveryError, OSError)) as refused:
            send(inbox.port, ca.ca_file, mode)
        assert inbox.messages == []
    assert "certificate verify failed" in str(refused.value) or "not trusted" in str(refused.value)


def test_without_a_ca_file_the_system_trust_store_decides(ca, send):
    """A private CA's server is not trusted by default: no silent fallback to unverified TLS."""
    with smtp_inbox(ca.server_context(), mode="starttls") as inbox:
        with pytest.raises((channels.DeliveryError, OSError)):
            send(inbox.port, None, "starttls")
        assert inbox.messages == []


@pytest.mark.parametrize("mode", ["starttls", "smtps"])
def test_a_certificate_for_another_host_is_refused(ca, send, mode):
    with smtp_inbox(ca.server_context("mail.example.test"), mode=mode) as inbox:
        with pytest.raises((channels.DeliveryError, OSError)) as refused:
            send(inbox.port, ca.ca_file, mode)
        assert inbox.messages == []
    assert "IP address mismatch" in str(refused.value) or "doesn't match" in str(refused.value)


def test_the_alert_receiver_does_not_retry_an_untrusted_server(ca, stranger):
    """Retrying cannot make a certificate trusted: the notification is marked dead, saying why."""
    with smtp_inbox(stranger.server_context(), mode="starttls") as inbox, \
            pytest.raises(channels.DeliveryError) as refused:
        send_alert(inbox.port, ca.ca_file, "starttls")
    assert refused.value.retryable is False
    assert "TLS certificate is not trusted" in str(refused.value)
