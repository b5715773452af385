"""Logging setup: one line per record on stderr, with its UTC timestamp, plain or JSON for log
collectors, and never carrying a secret.

stdout is kept for what a command prints (tables, CSV, `--json` documents), so that a pipe or a
redirect of a command's output never mixes in log lines.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

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


class LogFormat(StrEnum):
    plain = "plain"
    json = "json"


def timestamp(record: logging.LogRecord) -> str:
    """ISO 8601 in UTC with milliseconds, e.g. 2026-03-11T18:00:02.123Z: sorts as text, any timezone reads it."""
    return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class PlainFormatter(logging.Formatter):
    """`2026-03-11T18:00:02.123Z WARNING brandpulse.jobs: message`, one line per record (a message's
    own line breaks are written as `\\n`); a traceback follows on its own indented lines."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage().replace("\n", "\\n")
        line = f"{timestamp(record)} {record.levelname} {record.name}: {message}"
        if record.exc_info:
            line += "\n" + "\n".join("  " + part for part in self.formatException(record.exc_info).splitlines())
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object per line (`time`, `level`, `logger`, `message`, `pid`, and `exception` when
    there is one), for journald, Docker or Kubernetes log collectors."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {"time": timestamp(record), "level": record.levelname, "logger": record.name,
                                 "message": record.getMessage(), "pid": record.process}
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class RedactSecrets(logging.Formatter):
    """Redacts every known secret in what `inner` formats: the message and any traceback.

    Credentials are resolved into `SecretStr`s and never formatted on purpose; this is the second
    line of defence for a library that logs (or raises with) a URL or header containing one.
    """

    def __init__(self, inner: logging.Formatter, secrets: Iterable[str]) -> None:
        super().__init__()
        self.inner, self.redact = inner, Redactor(secrets)

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(self.inner.format(record))


FORMATTERS: dict[LogFormat, type[logging.Formatter]] = {LogFormat.plain: PlainFormatter, LogFormat.json: JsonFormatter}


def configure_logging(verbose: bool = False, secrets: Iterable[str] = (),
                      log_format: LogFormat = LogFormat.plain) -> None:
    """Send every record to stderr, one line each, in `log_format`, with the config's secrets redacted."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactSecrets(FORMATTERS[LogFormat(log_format)](), secrets))
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, handlers=[handler], force=True)
    for noisy in ("apscheduler", "urllib3", "httpx", "alembic", "prawcore"):
        logging.getLogger(noisy).setLevel(logging.INFO if verbose else logging.WARNING)
