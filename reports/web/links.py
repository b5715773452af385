"""Links into the mentions explorer, pre-filtered: every figure on a page leads to the posts behind it."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode


def minute(moment: datetime) -> str:
    """The explorer's time format (UTC, to the minute), as its datetime inputs take it."""
    return moment.strftime("%Y-%m-%dT%H:%M")


def explorer(*, brand: str | None = None, since: datetime | None = None, until: datetime | None = None,
             sentiment: str | None = None, language: str | list[str] | None = None, source: str | None = None,
             author: str | None = None) -> str:
    query = {"brand": brand, "since": minute(since) if since else None, "until": minute(until) if until else None,
             "sentiment": sentiment, "language": language, "source": source, "author": author}
    return "/mentions?" + urlencode({k: v for k, v in query.items() if v}, doseq=True)
