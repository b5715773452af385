"""The Bluesky listener through the atproto SDK against a loopback XRPC server."""

from __future__ import annotations

import base64
import json
import logging
from datetime import UTC, datetime, timedelta

import pytest
from listeners_testkit import Reply

from brandpulse.listeners.bluesky import Settings, create
from brandpulse.listeners.errors import AuthError, RateLimited
from brandpulse.listeners.query import BrandQuery, to_bluesky

T0 = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
QUERY = BrandQuery("Acme", terms=("acme",), languages=("en",))
PASSWORD = "app-pass-abcd-efgh"


def jwt(**claims):
    def part(obj):
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    return ".".join([part({"alg": "HS256", "typ": "JWT"}), part(claims), "c2ln"])


def post(n, text=None, minutes=None, langs=("en",), **extra):
    at = (T0 - timedelta(minutes=minutes if minutes is not None else 120 - n)).isoformat().replace("+00:00", "Z")
    data = {"uri": f"at://did:plc:u{n}/app.bsky.feed.post/rk{n}", "cid": f"bafy{n}",
            "author": {"did": f"did:plc:u{n}", "handle": f"user{n}.bsky.social", "displayName": f"U{n}"},
            "record": {"$type": "app.bsky.feed.post", "text": text or f"acme post {n}", "createdAt": at,
                       "langs": list(langs)},
            "replyCount": 1, "repostCount": 2, "likeCount": n, "quoteCount": 0, "indexedAt": at}
    data.update(extra)
    return data


class FakeBluesky:
    def __init__(self, server, posts=()):
        self.posts = list(posts)
        self.on_search = None
        self.headers: dict[str, str] = {}
        server.route("POST", "/xrpc/com.atproto.server.createSession", self.session)
        server.route("GET", "/xrpc/app.bsky.feed.searchPosts", self.search)

    def session(self, req):
        body = req.json()
        if body.get("password") != PASSWORD:
            return Reply(401, {"error": "AuthenticationRequired", "message": "Invalid identifier or password"})
        exp = int((datetime.now(UTC) + timedelta(hours=2)).timestamp())
        return {"did": "did:plc:me", "handle": body["identifier"], "active": True,
                "accessJwt": jwt(sub="did:plc:me", exp=exp, scope="com.atproto.access"),
                "refreshJwt": jwt(sub="did:plc:me", exp=exp + 86400, scope="com.atproto.refresh")}

    def search(self, req):
        if self.on_search:
            self.on_search(req)
        pool = sorted(self.posts, key=lambda p: (p["record"].get("createdAt", ""), p["uri"]), reverse=True)
        if req.arg("since"):
            since = datetime.fromisoformat(req.arg("since").replace("Z", "+00:00"))
            pool = [p for p in pool if datetime.fromisoformat(
                p["record"].get("createdAt", "2025-03-10T11:00:00Z").replace("Z", "+00:00")) >= since]
        offset = int(req.arg("cursor") or 0)
        limit = int(req.arg("limit") or 25)
        page = pool[offset:offset + limit]
        body = {"posts": page}
        if offset + limit < len(pool):
            body["cursor"] = str(offset + limit)
        return Reply(body=body, headers=dict(self.headers))


def listener(server, clock, **overrides):
    settings = Settings(**{"handle": "me.bsky.social", "app_password": PASSWORD, "page_size": 3, **overrides})
    return create(settings, base_url=server.url, clock=clock, sleep=clock.sleep)


def ids(batches):
    return [m.external_id.rsplit("rk", 1)[1] for b in batches for m in b.mentions]


def test_logs_in_searches_latest_and_walks_the_cursor(server, clock):
    fake = FakeBluesky(server, [post(n) for n in range(1, 8)] + [post(9, "other things")])
    lst = listener(server, clock)
    batches = list(lst.fetch(QUERY, None))
    assert ids(batches) == ["7", "6", "5", "4", "3", "2", "1"]
    calls = server.calls("/xrpc/app.bsky.feed.searchPosts")
    assert calls[0].arg("q") == to_bluesky(QUERY) and calls[0].arg("sort") == "latest"
    assert calls[0].arg("lang") == "en" and calls[0].arg("since") == "2025-03-09T12:00:00Z"
    assert calls[0].header("authorization", "").startswith("Bearer ")
    assert [c.arg("cursor") for c in calls] == [None, "3", "6"]
    m = batches[0].mentions[0]
    assert m.author_handle == "user7.bsky.social" and m.language == "en"
    assert m.url == "https://bsky.app/profile/user7.bsky.social/post/rk7" and m.engagement.likes == 7
    assert len(server.calls("/xrpc/com.atproto.server.createSession")) == 1
    fake.posts.append(post(20, minutes=5))
    again = list(lst.fetch(QUERY, batches[-1].cursor))
    assert ids(again) == ["20"]
    assert len(server.calls("/xrpc/com.atproto.server.createSession")) == 1


def test_posts_arriving_between_pages_cause_no_duplicates_and_no_gaps(server, clock):
    fake = FakeBluesky(server, [post(n) for n in range(1, 8)])
    state = {"n": 0}

    def arrive(req):
        state["n"] += 1
        if state["n"] == 2:  # two new posts shift the offsets under the walk
            fake.posts += [post(30, minutes=1), post(31, minutes=0)]

    fake.on_search = arrive
    lst = listener(server, clock)
    first = list(lst.fetch(QUERY, None))
    assert sorted(ids(first), key=int) == [str(n) for n in range(1, 8)]
    second = list(lst.fetch(QUERY, first[-1].cursor))
    assert ids(second) == ["31", "30"]


def test_crash_mid_walk_resumes_from_the_stored_cursor(server, clock):
    FakeBluesky(server, [post(n) for n in range(1, 11)])
    gen = listener(server, clock).fetch(QUERY, None)
    first = next(gen)
    gen.close()
    rest = list(listener(server, clock).fetch(QUERY, first.cursor))
    got = ids([first, *rest])
    assert sorted(got, key=int) == [str(n) for n in range(1, 11)] and len(got) == len(set(got))
    assert rest[-1].cursor["walk"]["token"] is None


def test_malformed_posts_are_skipped_and_their_neighbours_kept(server, clock, caplog):
    no_date = post(2)
    del no_date["record"]["createdAt"]
    no_cid = post(3)
    del no_cid["cid"]
    FakeBluesky(server, [post(1), no_date, no_cid, post(4)])
    with caplog.at_level(logging.WARNING, logger="brandpulse.listeners.bluesky"):
        batches = list(listener(server, clock, page_size=10).fetch(QUERY, None))
    assert ids(batches) == ["4", "1"]
    stats = batches[0].stats
    assert stats.skipped == 2 and "at://did:plc:u3/app.bsky.feed.post/rk3" in stats.skipped_ids
    assert "rk2" in caplog.text


def test_language_filter_uses_langs(server, clock):
    FakeBluesky(server, [post(1, langs=("de",)), post(2, langs=()), post(3)])
    batches = list(listener(server, clock, page_size=10).fetch(QUERY, None))
    assert ids(batches) == ["3", "2"]
    assert batches[0].mentions[1].language is None


def test_rate_limit_headers_429_and_server_errors(server, clock):
    fake = FakeBluesky(server, [post(n) for n in range(1, 5)])
    reset = int(clock().timestamp()) + 20
    server.queue("GET", "/xrpc/app.bsky.feed.searchPosts",
                 Reply(429, {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
                       headers={"ratelimit-limit": "3000", "ratelimit-remaining": "0",
                                "ratelimit-reset": str(reset), "ratelimit-policy": "3000;w=300"}),
                 Reply(502, {"error": "UpstreamFailure"}))
    fake.headers = {"ratelimit-remaining": "0", "ratelimit-reset": str(reset + 15)}
    batches = list(listener(server, clock).fetch(QUERY, None))
    assert ids(batches) == ["4", "3", "2", "1"]
    assert clock.sleeps[0] == 20.0 and 0 < clock.sleeps[1] <= 2.0  # reset, then a short 5xx backoff
    assert clock.sleeps[2] == pytest.approx(13, abs=1)  # the exhausted window (35s - 22s waited) is waited out
    server.queue("GET", "/xrpc/app.bsky.feed.searchPosts", *[Reply(429, {"error": "RateLimitExceeded"})] * 9)
    with pytest.raises(RateLimited):
        list(listener(server, clock, max_retries=2).fetch(QUERY, None))


def test_auth_failure_names_the_env_var(server, clock, caplog):
    FakeBluesky(server, [post(1)])
    caplog.set_level(logging.DEBUG)
    settings = Settings(handle="me.bsky.social", app_password="wrong-password-zzz",
                        credential_env={"app_password": "ACME_BSKY_PASSWORD"})
    with pytest.raises(AuthError) as err:
        list(create(settings, base_url=server.url, clock=clock, sleep=clock.sleep).fetch(QUERY, None))
    assert "ACME_BSKY_PASSWORD" in str(err.value) and "wrong-password-zzz" not in caplog.text + str(err.value)
    with pytest.raises(AuthError, match="BLUESKY_APP_PASSWORD"):
        list(create(Settings(handle="me.bsky.social"), base_url=server.url).fetch(QUERY, None))


def test_without_credentials_it_searches_anonymously(server, clock):
    FakeBluesky(server, [post(1)])
    batches = list(create(Settings(), base_url=server.url, clock=clock).fetch(QUERY, None))
    assert ids(batches) == ["1"]
    assert not server.calls("/xrpc/com.atproto.server.createSession")
    assert server.calls("/xrpc/app.bsky.feed.searchPosts")[0].header("authorization") is None
