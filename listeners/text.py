"""HTML reduced to plain text, for Mastodon statuses, RSS/Atom entries and Hacker News comments.

A small, forgiving reducer on the standard library's `html.parser`: it never raises on broken
markup, drops what is not text (scripts, styles, templates, head, svg...), unescapes entities, turns
block boundaries and ``<br>`` into line breaks (one per boundary, no blank lines) and collapses
other whitespace.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

_DROP = {"script", "style", "template", "noscript", "head", "svg", "math", "iframe", "object", "title"}
_BLOCK = {
    "address", "article", "aside", "blockquote", "dd", "div", "dl", "dt", "figcaption", "figure",
    "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre",
    "section", "table", "tr", "ul",
}
_TAG_HINT = re.compile(r"<[a-zA-Z!/]|&(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);")


class _Reducer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.dropping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROP:
            self.dropping += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCK or tag == "td":
            self.parts.append("\n" if tag in _BLOCK else " ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br" or tag in _BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROP:
            self.dropping = max(0, self.dropping - 1)
        elif tag in _BLOCK:
            self.parts.append("\n")
        elif tag == "td":
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self.dropping:
            self.parts.append(data)


def html_to_text(markup: str | None) -> str:
    """Plain text of an HTML fragment or document: paragraphs on their own lines, no tags, no
    entities, no scripts or styles. Plain text passes through with only whitespace tidied."""
    if not markup:
        return ""
    if not _TAG_HINT.search(markup):
        return _tidy(markup)
    reducer = _Reducer()
    try:
        reducer.feed(markup)
        reducer.close()
    except Exception:  # html.parser is lenient, but be certain a bad page never breaks a run
        return _tidy(html.unescape(re.sub(r"<[^>]*>", " ", markup)))
    return _tidy("".join(reducer.parts))


def _tidy(text: str) -> str:
    lines = (" ".join(line.split()) for line in text.replace("\xa0", " ").splitlines())
    return "\n".join(line for line in lines if line)
