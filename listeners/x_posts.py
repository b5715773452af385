"""How an X API v2 payload becomes a `Mention`: the one place that reads a post's fields.

A retweet's own ``text`` is cut to 140 characters (``RT @user: … …``); the full text is the
retweeted post's, found in ``includes.tweets`` when the request expands ``referenced_tweets.id``
(its ``note_tweet`` when it is a long post). A metric that arrives as ``null`` is unknown (None), not
a reason to drop the post. A post without ``created_at`` is dated by its id, which is a snowflake.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .base import parse_time, require
from .query import BrandQuery
from .records import Engagement, Mention

SOURCE = "x"
NO_LANGUAGE = {"und", "zxx", "qme", "qht", "qam", "qct", "qst", "art"}
_TWITTER_EPOCH_MS = 1288834974657  # ids are snowflakes: milliseconds since this epoch, shifted left 22 bits


@dataclass(frozen=True, slots=True)
class Includes:
    """The expanded objects of one response (or stream message), by id."""

    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    tweets: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def of(cls, body: Any) -> Includes:
        includes = body.get("includes") if isinstance(body, dict) else None
        if not isinstance(includes, dict):
            return cls()
        return cls(_by_id(includes.get("users")), _by_id(includes.get("tweets")))


def _by_id(items: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(items, list):
        return {}
    return {str(item["id"]): item for item in items if isinstance(item, dict) and item.get("id") is not None}


def page_posts(body: Any) -> list[Any]:
    """A response's posts: ``data`` is a list for searches but a single object for some endpoints
    (a lookup of one post, replays of them): both count, so no post is lost while ids advance."""
    data = body.get("data") if isinstance(body, dict) else None
    if isinstance(data, dict):
        return [data]
    return data if isinstance(data, list) else []


def snowflake_time(post_id: str) -> datetime:
    return datetime.fromtimestamp(((int(post_id) >> 22) + _TWITTER_EPOCH_MS) / 1000, UTC)


def metric(metrics: Any, name: str) -> int | None:
    """A count from a metrics object; None when it is absent, null or not a number (unknown)."""
    value = metrics.get(name) if isinstance(metrics, dict) else None
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _own_text(post: dict[str, Any]) -> str | None:
    note = post.get("note_tweet")
    return (note.get("text") if isinstance(note, dict) else None) or post.get("text")


def full_text(post: dict[str, Any], retweeted: dict[str, Any] | None, users: dict[str, dict[str, Any]]) -> str | None:
    """The post's whole text; for a retweet, ``RT @author: `` and the original's whole text."""
    original = _own_text(retweeted) if retweeted else None
    if not original:
        return _own_text(post)
    author = users.get(str(retweeted.get("author_id"))) if retweeted else None
    handle = author.get("username") if author else None
    if not handle:
        own = post.get("text") or ""
        handle = own[4:own.index(":")] if own.startswith("RT @") and ":" in own else None
    return f"RT @{handle}: {original}" if handle else original


def _referenced(refs: list[dict[str, Any]], kind: str) -> str | None:
    return next((str(ref["id"]) for ref in refs if ref.get("type") == kind and ref.get("id")), None)


def _thread(post: dict[str, Any], post_id: str, parent: str | None) -> str | None:
    """The conversation's root: ``conversation_id``, else the post itself unless it is a reply."""
    if post.get("conversation_id"):
        return str(post["conversation_id"])
    return None if parent else post_id


def to_mention(post: dict[str, Any], includes: Includes, query: BrandQuery, now: datetime, *,
               from_brand: bool = False) -> Mention | None:
    """The brand's mention for one post; None when the brand's filter (or reposts setting) leaves it
    out. A post by one of the brand's accounts (`from_brand`: read from their replies; or its author
    is one of `query.accounts`) is kept whatever the filter says and marked `from_brand`. Raises
    ValueError for a post without an id or text (skipped as malformed)."""
    post_id = str(require(post.get("id"), "id"))
    if not post_id.isdigit():
        raise ValueError(f"not a post id: {post_id!r}")
    refs = [ref for ref in post.get("referenced_tweets") or [] if isinstance(ref, dict)]
    retweeted = _referenced(refs, "retweeted")
    if retweeted is not None and not query.include_reposts:
        return None
    original = includes.tweets.get(retweeted) if retweeted else None
    text = html.unescape(require(full_text(post, original, includes.users), "text"))
    created = parse_time(post["created_at"]) if post.get("created_at") else snowflake_time(post_id)
    lang = post.get("lang")
    language = None if not lang or lang in NO_LANGUAGE else str(lang)
    author_id = post.get("author_id")
    user = includes.users.get(str(author_id)) if author_id is not None else None
    handle = user.get("username") if user else None
    from_brand = from_brand or query.is_account(handle)
    if not from_brand and not query.matches(text, language):
        return None
    metrics = post.get("public_metrics")
    parent = _referenced(refs, "replied_to")
    raw: dict[str, Any] = {"data": post}
    if user:
        raw["author"] = user
    if original:
        raw["retweeted"] = original
    return Mention(
        source=SOURCE, external_id=post_id, text=text, created_at=created, brand=query.brand,
        url=f"https://x.com/{handle or 'i/web'}/status/{post_id}",
        author_id=str(author_id) if author_id is not None else None, author_handle=handle,
        author_reach=metric(user.get("public_metrics"), "followers_count") if user else None,
        language=language, fetched_at=now, matched_query=query.matched_query,
        engagement=Engagement(likes=metric(metrics, "like_count"), reposts=metric(metrics, "retweet_count"),
                              replies=metric(metrics, "reply_count"), quotes=metric(metrics, "quote_count"),
                              views=metric(metrics, "impression_count")),
        thread_id=_thread(post, post_id, parent), parent_id=parent, raw=raw, from_brand=from_brand,
    )

