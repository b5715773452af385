"""Logging setup: readable on a terminal, and never carrying a secret."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from rich.logging import RichHandler

#: Shorter values are not redacted: masking every "true" or "8765" would garble messages and hide nothing.
MIN_SECRET_LENGTH = 4


class Redactor:
    """Replaces every known secret value with `***`: in a text, or in the strings of a nested value
    (a job's counts with their failure texts) before it is printed or stored."""

    def __init__(self, secrets: Iterable[str]) -> None:
        self.secrets = sorted({s for s in secrets if len(s) >= MIN_SECRET_LENGTH}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text

    def tree(self, value: Any) -> Any:
        if isinstance(value, str):
            return self(value)
        if isinstance(value, dict):
            return {key: self.tree(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return type(value)(self.tree(item) for item in value)
        return value


class RedactSecrets(logging.Filter):
    """Redacts every known secret in a record's message.

    Credentials are resolved into `SecretStr`s and never formatted on purpose; this filter is the
    second line of defence for a library that logs a URL or header containing one.
    """

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.redact = Redactor(secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        if self.redact.secrets:
            message = record.getMessage()
            redacted = self.redact(message)
            if redacted != message:
                record.msg, record.args = redacted, None
        return True


def configure_logging(verbose: bool = False, secrets: Iterable[str] = ()) -> None:
    handler = RichHandler(show_path=False, rich_tracebacks=False, markup=False)
    handler.addFilter(RedactSecrets(secrets))
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, format="%(name)s: %(message)s",
                        datefmt="[%X]", handlers=[handler], force=True)
    for noisy in ("apscheduler", "urllib3", "httpx", "alembic", "prawcore"):
        logging.getLogger(noisy).setLevel(logging.INFO if verbose else logging.WARNING)
