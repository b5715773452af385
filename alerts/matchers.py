"""Alertmanager label matchers: ``name=value``, ``name!=value``, ``name=~regex``, ``name!~regex``.

A missing label reads as the empty string, so ``source=""`` matches alerts without a ``source`` label,
as in Alertmanager. Regexes are anchored (they must match the whole value)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

Op = Literal["=", "!=", "=~", "!~"]
_MATCHER = re.compile(r"""^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$""")


@dataclass(frozen=True)
class Matcher:
    name: str
    value: str
    op: Op = "="

    def __post_init__(self) -> None:
        if self.op not in ("=", "!=", "=~", "!~"):
            raise ValueError(f"unknown matcher operator {self.op!r}")
        if self.op in ("=~", "!~"):
            try:
                re.compile(self.value)
            except re.error as exc:
                raise ValueError(f"bad regex in matcher {self}: {exc}") from exc

    @classmethod
    def parse(cls, text: str) -> Matcher:
        """``'brand="acme"'``, ``"severity=~critical|warning"``, ``'source!=""'``."""
        match = _MATCHER.match(text)
        if not match:
            raise ValueError(f"not a matcher: {text!r} (use name=value, name!=value, name=~re, name!~re)")
        name, op, value = match.groups()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1].replace('\\"', '"')
        return cls(name=name, value=value, op=op)  # type: ignore[arg-type]  # _MATCHER captures only the four ops

    def matches(self, labels: Mapping[str, str]) -> bool:
        actual = labels.get(self.name, "")
        if self.op == "=":
            return actual == self.value
        if self.op == "!=":
            return actual != self.value
        hit = re.fullmatch(self.value, actual) is not None
        return hit if self.op == "=~" else not hit

    def __str__(self) -> str:
        return f'{self.name}{self.op}"{self.value}"'

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "value": self.value, "op": self.op}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Matcher:
        """``{"name", "value", "op"}`` (``to_dict``'s form), or Alertmanager's API form with
        ``is_regex``/``is_equal`` (``isRegex``/``isEqual``) instead of ``op``."""
        name, value = str(data.get("name") or "").strip(), data.get("value")
        if not name or value is None:
            raise ValueError("a matcher needs a label name and a value")
        op = data.get("op")
        if op is None:
            regex = bool(data.get("is_regex", data.get("isRegex", False)))
            equal = bool(data.get("is_equal", data.get("isEqual", True)))
            op = _OPS[(regex, equal)]
        return cls(name=name, value=str(value), op=op)


#: Alertmanager's (is_regex, is_equal) pair as an operator.
_OPS: dict[tuple[bool, bool], Op] = {(False, True): "=", (False, False): "!=", (True, True): "=~", (True, False): "!~"}


def parse_matchers(spec: str | Iterable[str | Matcher | Mapping[str, Any]]) -> list[Matcher]:
    """A list of matchers from a list of strings (or ``to_dict`` mappings), or from one string
    separated by commas (``'brand=acme,severity=~"crit.*"'``); braces as in ``{a="b"}`` are accepted."""
    if isinstance(spec, str):
        text = spec.strip()
        if text.startswith("{") and text.endswith("}"):
            text = text[1:-1]
        return [Matcher.parse(part) for part in _split_commas(text) if part.strip()]
    return [_one(item) for item in spec]


def _one(item: str | Matcher | Mapping[str, Any]) -> Matcher:
    if isinstance(item, Matcher):
        return item
    return Matcher.parse(item) if isinstance(item, str) else Matcher.from_dict(item)


def _split_commas(text: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    quote: str | None = None
    for char in text:
        if quote:
            current.append(char)
            if char == quote:
                quote = None
        elif char in "\"'":
            quote = char
            current.append(char)
        elif char == ",":
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def matches_all(matchers: Iterable[Matcher], labels: Mapping[str, str]) -> bool:
    return all(m.matches(labels) for m in matchers)
