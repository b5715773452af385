"""Fixtures for the alerts tests: an injected clock, local HTTP and SMTP servers on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support.clock import ManualClock
from tests.support.http import QuietHandler, loopback_server

T0 = dt.datetime(2025, 3, 10, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


# ------------------------------------------------------------------------------------------- HTTP


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class HttpServer:
    """Records every POST; answers with the queued statuses (then 200)."""

    url: str
    requests: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_next(self, *statuses: int) -> None:
        self.statuses.extend(statuses)


@pytest.fixture
def http_server() -> Iterator[HttpServer]:
    server_state = HttpServer(url="")

    class Handler(QuietHandler):
        def do_POST(self) -> None:
            body = self.body()
            with server_state.lock:
                server_state.requests.append(Received(self.path, dict(self.headers.items()), body))
                status = server_state.statuses.pop(0) if server_state.statuses else 200
            self.answer(status, b"ok" if status < 300 else b"server says no")

    with loopback_server(Handler) as server_state.url:
        yield server_state


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 with nobody listening (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ------------------------------------------------------------------------------------------- SMTP


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 / localhost (cert, key)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    folder = tmp_path_factory.mktemp("tls")
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@dataclass
class SmtpServer:
    host: str
    port: int
    ca_file: str
    messages: list = field(default_factory=list)   # (envelope from, rcpts, message bytes)
    logins: list = field(default_factory=list)


@pytest.fixture
def smtp_server(tls_files) -> Iterator[SmtpServer]:
    """aiosmtpd on 127.0.0.1 requiring STARTTLS, then AUTH (user 'alerts', password 's3cret')."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    cert, key = tls_files
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    state = SmtpServer(host="127.0.0.1", port=port, ca_file=str(cert))

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            state.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
            return "250 OK"

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"alerts" \
            and auth_data.password == b"s3cret"
        state.logins.append((mechanism, ok))
        return AuthResult(success=ok, handled=False)

    controller = Controller(Handler(), hostname="127.0.0.1", port=port, tls_context=context,
                            require_starttls=True, authenticator=authenticator, auth_require_tls=True,
                            auth_exclude_mechanism=["DONT"])
    controller.start()
    try:
        yield state
    finally:
        controller.stop()
