"""The Hacker News listener through requests against a loopback server speaking Algolia's JSON."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime

import pytest
from listeners_testkit import Reply

from brandpulse.listeners.errors import RateLimited, SourceUnavailable
from brandpulse.listeners.hackernews import Settings, create
from brandpulse.listeners.query import BrandQuery, to_algolia

T0 = int(datetime(2025, 3, 10, 12, 0, tzinfo=UTC).timestamp())
QUERY = BrandQuery("Acme", terms=("acme",))


def story(n, title=None, at=None, **extra):
    at = at if at is not None else T0 - 3600 + n * 60
    hit = {"objectID": str(n), "created_at_i": at,
           "created_at": datetime.fromtimestamp(at, UTC).isoformat().replace("+00:00", ".000Z"),
           "title": title or f"Show HN: Acme {n}", "url": f"https://example.com/{n}", "author": f"a{n}",
           "points": n, "num_comments": 2, "story_text": None, "comment_text": None, "story_id": n,
           "parent_id": None, "_tags": ["story", f"author_a{n}", f"story_{n}"]}
    hit.update(extra)
    return hit


def comment(n, text, at=None, story_id=1):
    hit = story(n, at=at)
    hit.update(title=None, comment_text=text, story_id=story_id, parent_id=story_id,
               _tags=["comment", f"story_{story_id}"], story_title="Some story")
    return hit


class FakeAlgolia:
    def __init__(self, server, hits=()):
        self.hits = list(hits)
        server.route("GET", "/api/v1/search_by_date", self.search)

    def search(self, req):
        words = [w.strip('"').lower() for w in re.findall(r'"[^"]+"|\S+', req.arg("query", ""))
                 if not w.startswith("-")]
        pool = [h for h in self.hits if all(w in (h.get("title") or h.get("comment_text") or "").lower()
                                            for w in words)]
        for cond in filter(None, (req.arg("numericFilters") or "").split(",")):
            m = re.fullmatch(r"created_at_i(>=|<=|>|<)(\d+)", cond)
            op, value = m.group(1), int(m.group(2))
            pool = [h for h in pool if not isinstance(h["created_at_i"], int) or {
                ">=": h["created_at_i"] >= value, "<=": h["created_at_i"] <= value,
                ">": h["created_at_i"] > value, "<": h["created_at_i"] < value}[op]]
        pool.sort(key=lambda h: h["created_at_i"] if isinstance(h["created_at_i"], int) else 0, reverse=True)
        size = int(req.arg("hitsPerPage", "20"))
        page = int(req.arg("page", "0"))
        chunk = pool[page * size:(page + 1) * size]
        return {"hits": chunk, "nbHits": len(pool), "page": page, "nbPages": -(-len(pool) // size),
                "hitsPerPage": size, "query": req.arg("query"), "params": "", "processingTimeMS": 1}


def listener(server, clock, **overrides):
    return create(Settings(**{"page_size": 3, **overrides}), base_url=server.url, clock=clock, sleep=clock.sleep)


def ids(batches):
    return [m.external_id for b in batches for m in b.mentions]


def test_keyset_walk_with_floor_and_resume(server, clock):
    fake = FakeAlgolia(server, [story(n) for n in range(1, 9)] + [comment(20, "<p>I use <i>acme</i> daily</p>")])
    batches = list(listener(server, clock).fetch(QUERY, None))
    assert ids(batches) == ["20", "8", "7", "6", "5", "4", "3", "2", "1"]
    calls = server.calls("/api/v1/search_by_date")
    assert calls[0].arg("query") == "acme" and calls[0].arg("tags") == "(story,comment)"
    assert calls[0].arg("numericFilters") == f"created_at_i>={T0 - 86400}"
    assert calls[1].arg("numericFilters").endswith(f"created_at_i<={T0 - 3600 + 7 * 60}")
    c = next(m for b in batches for m in b.mentions if m.external_id == "20")
    assert c.text == "I use acme daily" and c.thread_id == "1" and c.parent_id == "1"
    s = next(m for b in batches for m in b.mentions if m.external_id == "8")
    assert s.url == "https://news.ycombinator.com/item?id=8" and s.author_handle == "a8" and s.engagement.likes == 8
    fake.hits += [story(30), story(31)]
    again = list(listener(server, clock).fetch(QUERY, batches[-1].cursor))
    assert ids(again) == ["31", "30"]


def test_items_sharing_a_second_are_neither_lost_nor_repeated(server, clock):
    same = T0 - 100
    FakeAlgolia(server, [story(n, at=same) for n in range(1, 6)] + [story(9)])
    batches = list(listener(server, clock).fetch(QUERY, None))
    got = ids(batches)
    assert sorted(got, key=int) == ["1", "2", "3", "4", "5", "9"] and len(got) == len(set(got))


def test_one_search_per_alternative(server, clock):
    fake = FakeAlgolia(server, [story(1, "Acme phone"), story(2, "Acme Corp laptop"), story(3, "Acme car")])
    q = BrandQuery("Acme", terms=("acme",), expression="phone OR laptop")
    batches = list(listener(server, clock).fetch(q, None))
    assert sorted(ids(batches)) == ["1", "2"]
    sent = [r.arg("query") for r in server.calls("/api/v1/search_by_date")]
    assert sent == [s.query for s in to_algolia(q)] == ["acme phone", "acme laptop"]
    assert set(batches[-1].cursor["queries"]) == {"acme phone", "acme laptop"}
    assert fake


def test_crash_resume_mid_walk(server, clock):
    FakeAlgolia(server, [story(n) for n in range(1, 12)])
    gen = listener(server, clock).fetch(QUERY, None)
    first, second = next(gen), next(gen)
    gen.close()
    rest = list(listener(server, clock, max_pages=10).fetch(QUERY, second.cursor))
    got = ids([first, second]) + ids(rest)
    assert sorted(got, key=int) == [str(n) for n in range(1, 12)] and len(got) == len(set(got))


def test_malformed_hits_are_skipped(server, clock, caplog):
    FakeAlgolia(server, [story(1), story(2, created_at_i="soon", created_at="soon"), story(3)])
    with caplog.at_level(logging.WARNING, logger="brandpulse.listeners.hackernews"):
        batches = list(listener(server, clock, page_size=10).fetch(QUERY, None))
    assert ids(batches) == ["3", "1"] and batches[0].stats.skipped_ids == ["2"]
    assert "malformed item 2" in caplog.text


def test_rate_limits_and_server_errors(server, clock):
    FakeAlgolia(server, [story(1)])
    server.queue("GET", "/api/v1/search_by_date", Reply(429, {"message": "Too many requests"},
                                                        headers={"Retry-After": "12"}),
                 Reply(500, "boom", content_type="text/plain"))
    assert ids(listener(server, clock).fetch(QUERY, None)) == ["1"]
    assert clock.sleeps[0] == 12.0 and len(clock.sleeps) == 2
    server.queue("GET", "/api/v1/search_by_date", *[Reply(429, {"message": "Too many"})] * 3)
    with pytest.raises(RateLimited):
        list(listener(server, clock, max_retries=2).fetch(QUERY, None))
    server.queue("GET", "/api/v1/search_by_date", *[Reply(503, {})] * 3)
    with pytest.raises(SourceUnavailable):
        list(listener(server, clock, max_retries=2).fetch(QUERY, None))
