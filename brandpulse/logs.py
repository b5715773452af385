"""Logging setup: readable on a terminal, and never carrying a secret."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from rich.logging import RichHandler


class RedactSecrets(logging.Filter):
    """Replaces every known secret value in a record's message with `***`.

    Secrets are resolved into `SecretStr`s and never formatted on purpose; this filter is the
    second line of defence for a library that logs a URL or header containing one.
    """

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            message = record.getMessage()
            redacted = message
            for secret in self.secrets:
                redacted = redacted.replace(secret, "***")
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
