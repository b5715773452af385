"""The Mastodon listener through Mastodon.py against a loopback server speaking Mastodon's REST API."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from listeners_testkit import Reply

from brandpulse.listeners.errors import AuthError, RateLimited
from brandpulse.listeners.mastodon import Settings, create
from brandpulse.listeners.query import BrandQuery

T0 = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
QUERY = BrandQuery("Acme", terms=("acme",), hashtags=("AcmeLove",))
TOKEN = "masto-token-777"


def status(n, content=None, minutes=None, language="en", **extra):
    created = T0 - timedelta(minutes=minutes if minutes is not None else 120 - n)
    sid = (int(created.timestamp() * 1000) << 16) + n
    data = {"id": str(sid), "uri": f"https://remote.example/users/u{n}/statuses/{n}",
            "url": f"https://remote.example/@u{n}/{n}", "created_at": created.isoformat().replace("+00:00", "Z"),
            "content": content or f"<p>I love <a href='#'>#acme</a> &amp; friends {n}</p>",
            "spoiler_text": "", "language": language, "visibility": "public", "reblog": None,
            "in_reply_to_id": None, "replies_count": 1, "reblogs_count": 2, "favourites_count": n,
            "account": {"id": str(n), "username": f"u{n}", "acct": f"u{n}@remote.example",
                        "followers_count": 10 * n, "display_name": f"U{n}"},
            "tags": [{"name": "acme"}], "mentions": [], "emojis": [], "media_attachments": []}
    data.update(extra)
    return data


class FakeMastodon:
    def __init__(self, server, tags=None, search=()):
        self.tags = {k: list(v) for k, v in (tags or {}).items()}
        self.search_results = list(search)
        self.headers: dict[str, str] = {}
        server.route("GET", r"/api/v1/timelines/tag/([^/]+)", self.timeline)
        server.route("GET", "/api/v2/search", self.search)
        server.route("GET", "/api/v1/instance/?", {"uri": "local.example", "version": "4.3.0"})
        server.route("GET", "/api/v2/instance/?", {"domain": "local.example", "version": "4.3.0",
                                                 "api_versions": {"mastodon": 2}})

    def _reply(self, body):
        headers = {"Date": format_datetime(datetime.now(UTC), usegmt=True), **self.headers}
        return Reply(body=body, headers=headers)

    def timeline(self, req):
        pool = sorted(self.tags.get(req.match.group(1).lower(), []), key=lambda s: int(s["id"]), reverse=True)
        limit = int(req.arg("limit", "20"))
        if req.arg("max_id"):
            pool = [s for s in pool if int(s["id"]) < int(req.arg("max_id"))]
        if req.arg("min_id"):
            newer = [s for s in pool if int(s["id"]) > int(req.arg("min_id"))]
            page = newer[-limit:]  # immediately newer than min_id, newest first
        else:
            page = pool[:limit]
        return self._reply(page)

    def search(self, req):
        auth = req.header("authorization")
        if auth is None:
            return self._reply({"accounts": [], "statuses": [], "hashtags": []})
        if auth != f"Bearer {TOKEN}":
            return Reply(401, {"error": "The access token is invalid"})
        pool = sorted(self.search_results, key=lambda s: int(s["id"]), reverse=True)
        if req.arg("min_id"):
            pool = [s for s in pool if int(s["id"]) > int(req.arg("min_id"))]
        offset, limit = int(req.arg("offset") or 0), int(req.arg("limit") or 20)
        return self._reply({"accounts": [], "hashtags": [], "statuses": pool[offset:offset + limit]})


def listener(server, clock, **overrides):
    settings = Settings(**{"access_token": TOKEN, "page_size": 3, **overrides})
    return create(settings, base_url=server.url, clock=clock, sleep=clock.sleep)


def ns(batches):
    return [int(m.external_id.rsplit("/", 1)[1]) for b in batches for m in b.mentions]


def test_hashtag_timelines_are_read_forward_and_resume(server, clock):
    fake = FakeMastodon(server, tags={"acme": [status(n) for n in range(1, 8)], "acmelove": [status(30)]})
    lst = listener(server, clock, search=False)
    batches = list(lst.fetch(QUERY, None))
    assert sorted(ns(batches)) == [1, 2, 3, 4, 5, 6, 7, 30]
    paths = {r.path for r in server.calls(r"/api/v1/timelines/tag/.*")}
    assert paths == {"/api/v1/timelines/tag/acme", "/api/v1/timelines/tag/AcmeLove"}
    first = server.calls("/api/v1/timelines/tag/acme")[0]
    assert int(first.arg("min_id")) == int((T0 - timedelta(hours=24)).timestamp() * 1000) << 16
    m = next(m for b in batches for m in b.mentions if m.external_id.endswith("/7"))
    assert m.text == "I love #acme & friends 7" and m.language == "en"
    assert m.author_handle == "u7@remote.example" and m.author_reach == 70 and m.engagement.likes == 7
    assert m.url == "https://remote.example/@u7/7"
    cursor = batches[-1].cursor
    fake.tags["acme"] += [status(40, minutes=1), status(41, minutes=5 + 120 - 8)]  # 41 arrives late, older
    again = list(lst.fetch(QUERY, cursor))
    assert sorted(ns(again)) == [40, 41]


def test_crash_between_pages_resumes_without_duplicates(server, clock):
    FakeMastodon(server, tags={"acme": [status(n) for n in range(1, 10)]})
    q = BrandQuery("Acme", terms=("acme",))
    gen = listener(server, clock, search=False).fetch(q, None)
    first = next(gen)
    gen.close()
    rest = list(listener(server, clock, search=False).fetch(q, first.cursor))
    got = ns([first]) + ns(rest)
    assert sorted(got) == list(range(1, 10)) and len(got) == len(set(got))


def test_search_with_a_token_walks_offsets(server, clock):
    FakeMastodon(server, search=[status(n, content=f"<p>acme {n}</p>") for n in range(1, 6)])
    q = BrandQuery("Acme", terms=("acme",))
    batches = list(listener(server, clock, derive_hashtags=False).fetch(q, None))
    assert ns(batches) == [5, 4, 3, 2, 1]
    calls = server.calls("/api/v2/search")
    assert calls[0].arg("q") == "acme" and calls[0].arg("type") == "statuses"
    assert [c.arg("offset") for c in calls] == [None, "3"]
    assert not server.calls(r"/api/v1/timelines/tag/.*")
    assert list(create(Settings(derive_hashtags=False), base_url=server.url, clock=clock).fetch(q, None)) == []


def test_malformed_statuses_are_skipped(server, clock, caplog):
    bad = status(2, created_at="not a date")
    no_id = status(3)
    del no_id["id"]
    FakeMastodon(server, tags={"acme": [status(1), bad, status(4)]})
    with caplog.at_level(logging.WARNING, logger="brandpulse.listeners.mastodon"):
        batches = list(listener(server, clock, search=False, page_size=10).fetch(
            BrandQuery("Acme", terms=("acme",)), None))
    assert sorted(ns(batches)) == [1, 4]
    assert batches[0].stats.skipped == 1 and bad["id"] in batches[0].stats.skipped_ids
    assert bad["id"] in caplog.text


def test_reblogs_and_other_languages_are_filtered(server, clock):
    FakeMastodon(server, tags={"acme": [status(1, reblog={"id": "1"}), status(2, language="fr"), status(3)]})
    q = BrandQuery("Acme", terms=("acme",), languages=("en",))
    batches = list(listener(server, clock, search=False, page_size=10).fetch(q, None))
    assert ns(batches) == [3]


def test_rate_limits_and_server_errors(server, clock):
    fake = FakeMastodon(server, tags={"acme": [status(1)]})
    now = datetime.now(UTC)
    server.queue("GET", r"/api/v1/timelines/tag/.*",
                 Reply(429, {"error": "Too many requests"},
                       headers={"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0",
                                "X-RateLimit-Reset": (now + timedelta(seconds=30)).isoformat(),
                                "Date": format_datetime(now, usegmt=True)}),
                 Reply(503, {"error": "unavailable"}))
    q = BrandQuery("Acme", terms=("acme",))
    batches = list(listener(server, clock, search=False).fetch(q, None))
    assert ns(batches) == [1]
    assert clock.sleeps[0] == pytest.approx(30, abs=2) and 0 < clock.sleeps[1] <= 2
    server.queue("GET", r"/api/v1/timelines/tag/.*", *[Reply(429, {"error": "Too many requests"})] * 9)
    with pytest.raises(RateLimited):
        list(listener(server, clock, search=False, max_retries=2).fetch(q, None))
    assert fake


def test_bad_token_is_an_auth_error_naming_the_env_var(server, clock):
    FakeMastodon(server, search=[status(1)])
    settings = Settings(access_token="bad-token-999", derive_hashtags=False,
                        credential_env={"access_token": "ACME_MASTODON_TOKEN"})
    with pytest.raises(AuthError) as err:
        list(create(settings, base_url=server.url, clock=clock, sleep=clock.sleep).fetch(
            BrandQuery("Acme", terms=("acme",)), None))
    assert "ACME_MASTODON_TOKEN" in str(err.value) and "bad-token-999" not in str(err.value)
