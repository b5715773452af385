"""A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it receives."""

from __future__ import annotations

import email
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage

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


@contextmanager
def smtp_inbox() -> Iterator[Inbox]:
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    inbox = Inbox(port=free_port())

    class Keep(Message):
        def handle_message(self, message) -> None:
            inbox.messages.append(email.message_from_string(message.as_string(), policy=policy.default))

    controller = Controller(Keep(), hostname="127.0.0.1", port=inbox.port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()
