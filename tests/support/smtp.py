"""A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it receives: in clear, with STARTTLS,
or SMTPS (TLS from the first byte), its certificate issued by a throwaway CA made for the test."""

from __future__ import annotations

import email
import ssl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Literal

from tests.support.postgres import free_port


@dataclass
class Inbox:
    port: int
    messages: list[EmailMessage] = field(default_factory=list)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.messages


@dataclass(frozen=True)
class ThrowawayCA:
    """A certificate authority of the test's own: `ca_file` is what a client trusts to reach the
    servers it issued for, and no other client trusts it."""

    authority: object  # trustme.CA
    ca_file: Path

    @classmethod
    def create(cls, folder: Path) -> ThrowawayCA:
        import trustme

        authority = trustme.CA()
        ca_file = folder / f"ca-{id(authority)}.pem"
        authority.cert_pem.write_to_path(str(ca_file))
        return cls(authority, ca_file)

    def server_context(self, *names: str) -> ssl.SSLContext:
        """A server's TLS context with a certificate for `names` (default 127.0.0.1 and localhost)."""
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.authority.issue_cert(*(names or ("127.0.0.1", "localhost"))).configure_cert(context)
        return context


@contextmanager
def smtp_inbox(tls: ssl.SSLContext | None = None,
               mode: Literal["starttls", "smtps"] = "starttls") -> Iterator[Inbox]:
    """Without `tls`, plain SMTP; with it, STARTTLS required before mail (`mode="starttls"`) or SMTPS."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    inbox = Inbox(port=free_port())

    class Keep(Message):
        def handle_message(self, message) -> None:
            inbox.messages.append(email.message_from_string(message.as_string(), policy=policy.default))

    options: dict = {}
    if tls is not None and mode == "starttls":
        options = {"tls_context": tls, "require_starttls": True}
    elif tls is not None:
        options = {"ssl_context": tls}
    controller = Controller(Keep(), hostname="127.0.0.1", port=inbox.port, **options)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()
