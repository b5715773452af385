"""A brand's query: what to search for on every source, and what to leave out."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class BrandQuery:
    """Everything a listener needs to know about what a brand's mentions look like.

    `expression` is an optional boolean query (AND, OR, NOT, parentheses, quoted phrases) that
    narrows the match beyond the plain term lists.
    """

    brand: str
    terms: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    handles: tuple[str, ...] = ()
    hashtags: tuple[str, ...] = ()
    exclusions: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    expression: str | None = None
    include_reposts: bool = False
    name: str = field(default="default")
