"""Durations written the Prometheus way: ``"30s"``, ``"5m"``, ``"1h30m"``, ``"2d"``, ``"1w"``.

The one spelling of a time span at every edge (the config file, CLI options, the JSON API, messages);
inside the code a span is a ``datetime.timedelta``. :func:`parse_duration` reads one,
:func:`format_duration` writes one, and :data:`Duration` is the pydantic field type that does both.
A plain number is read as seconds, so config keys that once took seconds keep working.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated

from pydantic import BeforeValidator, PlainSerializer

_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)")


def parse_duration(text: str | int | float | timedelta) -> timedelta:
    """``"1h30m"`` -> ``timedelta(hours=1, minutes=30)``. Numbers are seconds; ``"0"`` is zero."""
    if isinstance(text, timedelta):
        return text
    if isinstance(text, bool):
        raise ValueError(f"not a duration: {text!r}")
    if isinstance(text, int | float):
        if text < 0:
            raise ValueError(f"negative duration: {text!r}")
        return timedelta(seconds=text)
    raw = str(text).strip().lower()
    if not raw:
        raise ValueError("empty duration")
    if raw == "0":
        return timedelta(0)
    position, seconds = 0, 0.0
    for match in _PART.finditer(raw):
        if match.start() != position:
            break
        seconds += float(match.group(1)) * _UNITS[match.group(2)]
        position = match.end()
    if position != len(raw):
        raise ValueError(f"not a duration: {text!r} (use e.g. 30s, 5m, 1h30m, 2d)")
    return timedelta(seconds=seconds)


def format_duration(value: timedelta) -> str:
    """The inverse of :func:`parse_duration`, shortest form: ``timedelta(minutes=90)`` -> ``"1h30m"``."""
    total = value.total_seconds()
    if total == 0:
        return "0s"
    if total < 0:
        raise ValueError("negative duration")
    parts: list[str] = []
    whole = int(total)
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if whole >= size:
            count, whole = divmod(whole, size)
            parts.append(f"{count}{unit}")
    millis = round((total - int(total)) * 1000)
    if millis:
        parts.append(f"{millis}ms")
    return "".join(parts)


#: A pydantic field holding a span: read from "5m", "1h30m", "2d" or a number of seconds, a ``timedelta``
#: once loaded, written back as the shortest "1h30m" form.
Duration = Annotated[timedelta, BeforeValidator(parse_duration), PlainSerializer(format_duration, return_type=str)]
