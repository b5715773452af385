"""X API v2 payloads and a fake filtered stream, shared by the X listener tests and the collect job's
tests. Served by `listeners_testkit.LoopbackServer`; the test builds the stream's `Reply`s itself."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

TOKEN = "secret-x-token-123"
T0 = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
USERS = [{"id": str(i), "username": f"user{i}", "name": f"User {i}",
          "public_metrics": {"followers_count": 100 * i}} for i in (1, 2, 3)]


def tweet(n: int, text: str | None = None, **extra):
    data = {"id": str(1000 + n), "text": text or f"acme post {n}", "author_id": str(n % 3 + 1),
            "created_at": (T0 - timedelta(minutes=100 - n)).isoformat().replace("+00:00", ".000Z"),
            "lang": "en", "conversation_id": str(1000 + n),
            "public_metrics": {"like_count": n, "retweet_count": 1, "reply_count": 2, "quote_count": 0,
                               "impression_count": 10 * n}}
    data.update(extra)
    return data


def stream_line(t, *tags):
    """One post as the stream sends it, with the tags of the rules it matched."""
    return (json.dumps({"data": t, "includes": {"users": USERS},
                        "matching_rules": [{"id": str(n), "tag": tag} for n, tag in enumerate(tags)]})
            + "\r\n").encode()


class FakeStream:
    """The rules endpoints (list, add, delete) and the stream endpoint, which answers each connection
    with the next of `replies`."""

    def __init__(self, server, rules=(), replies=()):
        self.rules = [dict(r) for r in rules]
        self.deleted: list[str] = []
        self.added: list[dict] = []
        self.connections: list = []
        self.replies = list(replies)
        server.route("GET", "/2/tweets/search/stream/rules", lambda req: {
            "data": self.rules, "meta": {"result_count": len(self.rules)}} if self.rules else {
            "meta": {"result_count": 0}})
        server.route("POST", "/2/tweets/search/stream/rules", self.post_rules)
        server.route("GET", "/2/tweets/search/stream", self.connect)

    def post_rules(self, req):
        body = req.json()
        if "delete" in body:
            self.deleted += body["delete"]["ids"]
            self.rules = [r for r in self.rules if r["id"] not in body["delete"]["ids"]]
            return {"meta": {"summary": {"deleted": len(body["delete"]["ids"])}}}
        out = []
        for n, rule in enumerate(body["add"]):
            rule = {**rule, "id": f"new{len(self.added) + n}"}
            self.rules.append(rule)
            out.append(rule)
        self.added += out
        return {"data": out, "meta": {"summary": {"created": len(out)}}}

    def connect(self, req):
        self.connections.append(req)
        return self.replies.pop(0)
