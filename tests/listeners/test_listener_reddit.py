"""The Reddit listener through praw/prawcore against a loopback server speaking Reddit's listings."""

from __future__ import annotations

import base64
import logging
from datetime import UTC, datetime

import pytest
from listeners_testkit import Reply

from brandpulse.listeners.errors import AuthError, RateLimited, SourceUnavailable
from brandpulse.listeners.query import BrandQuery, to_reddit
from brandpulse.listeners.reddit import Settings, create

T0 = datetime(2025, 3, 10, 12, 0, tzinfo=UTC).timestamp()
QUERY = BrandQuery("Acme", terms=("acme",))
ID, SECRET = "client-id-1", "client-secret-XYZ"


def sub(n, title=None, body="", created=None, **extra):
    data = {"id": f"s{n}", "name": f"t3_s{n}", "title": title or f"Acme thing {n}", "selftext": body,
            "created_utc": created if created is not None else T0 - 3600 + n * 60, "author": f"user{n}",
            "permalink": f"/r/gadgets/comments/s{n}/x/", "score": n, "num_comments": 2,
            "subreddit": "gadgets", "url": f"https://example.com/{n}"}
    data.update(extra)
    return data


def comment(n, body=None, created=None, link="t3_s1", replies=None, **extra):
    data = {"id": f"c{n}", "name": f"t1_c{n}", "body": body or f"acme comment {n}",
            "created_utc": created if created is not None else T0 - 3600 + n * 60, "author": f"u{n}",
            "link_id": link, "parent_id": link, "permalink": f"/r/gadgets/comments/s1/x/c{n}/",
            "score": 1, "subreddit": "gadgets", "replies": replies or ""}
    data.update(extra)
    return data


def listing(kind, items, after=None):
    return {"kind": "Listing", "data": {"after": after, "before": None, "dist": len(items),
                                        "children": [{"kind": kind, "data": i} for i in items]}}


class FakeReddit:
    def __init__(self, server, submissions=(), comments=(), threads=None):
        self.submissions = list(submissions)
        self.comments = list(comments)
        self.threads = threads or {}
        self.headers = {"x-ratelimit-remaining": "99", "x-ratelimit-used": "1", "x-ratelimit-reset": "300"}
        self.tokens = 0
        server.route("POST", "/api/v1/access_token", self.token)
        server.route("GET", r"/r/([^/]+)/search/?", lambda req: self.page(req, "t3", self.submissions))
        server.route("GET", r"/r/([^/]+)/comments/?", lambda req: self.page(req, "t1", self.comments))
        server.route("GET", r"/comments/([^/]+)/?", self.thread)

    def token(self, req):
        expected = "Basic " + base64.b64encode(f"{ID}:{SECRET}".encode()).decode()
        if req.header("authorization") != expected:
            return Reply(401, {"message": "Unauthorized", "error": 401})
        assert req.form()["grant_type"] == "client_credentials"
        self.tokens += 1
        return {"access_token": "tok", "token_type": "bearer", "expires_in": 86400, "scope": "*"}

    def _authorized(self, req):
        return req.header("authorization") == "bearer tok"

    def page(self, req, kind, items):
        if not self._authorized(req):
            return Reply(401, {"message": "Unauthorized", "error": 401},
                         headers={"www-authenticate": 'Bearer realm="reddit", error="invalid_token"'})
        pool = sorted(items, key=lambda i: (i.get("created_utc", 0), i["id"]), reverse=True)
        after = req.arg("after")
        if after:
            names = [i["name"] for i in pool]
            pool = pool[names.index(after) + 1:]
        limit = int(req.arg("limit", "25"))
        page = pool[:limit]
        more = len(pool) > limit
        return Reply(body=listing(kind, page, page[-1]["name"] if page and more else None),
                     headers=dict(self.headers))

    def thread(self, req):
        if not self._authorized(req):
            return Reply(401, {"message": "Unauthorized"})
        sid = req.match.group(1)
        s = next(i for i in self.submissions if i["id"] == sid)
        return Reply(body=[listing("t3", [s]), listing("t1", self.threads.get(sid, []))],
                     headers=dict(self.headers))


def listener(server, clock, **overrides):
    settings = Settings(client_id=ID, client_secret=SECRET, **overrides)
    return create(settings, base_url=server.url, clock=clock, sleep=clock.sleep)


def ids(batches):
    return [m.external_id for b in batches for m in b.mentions]


def test_submissions_are_searched_newest_first_with_a_resumable_floor(server, clock):
    fake = FakeReddit(server, [sub(n) for n in range(1, 8)] + [sub(20, title="other stuff")])
    lst = listener(server, clock, page_size=3, comment_stream=False, thread_comments="off",
                   subreddits=["gadgets", "r/phones"])
    batches = list(lst.fetch(QUERY, None))
    assert ids(batches) == [f"t3_s{n}" for n in range(7, 0, -1)]
    search = server.calls(r"/r/gadgets\+phones/search/?")
    assert search[0].arg("q") == to_reddit(QUERY) and search[0].arg("sort") == "new"
    assert search[0].arg("restrict_sr") == "on" and search[1].arg("after") == "t3_s6"
    first = batches[0].mentions[0]
    assert first.url == "https://www.reddit.com/r/gadgets/comments/s7/x/" and first.author_handle == "user7"
    assert first.thread_id == "t3_s7" and first.engagement.likes == 7 and first.language is None
    cursor = batches[-1].cursor
    assert cursor["submissions"]["token"] is None and cursor["submissions"]["floor"]["ids"] == ["s20"]
    fake.submissions += [sub(30), sub(31)]
    again = list(lst.fetch(QUERY, cursor))
    assert ids(again) == ["t3_s31", "t3_s30"]
    assert fake.tokens == 1


def test_page_limit_and_crash_resume_without_gaps_or_duplicates(server, clock):
    fake = FakeReddit(server, [sub(n) for n in range(1, 12)])
    stored: dict[str, int] = {}
    cursor = None
    gen = listener(server, clock, page_size=2, max_pages=2, comment_stream=False,
                   thread_comments="off").fetch(QUERY, cursor)
    first = next(gen)
    gen.close()  # crash before the second page is stored
    for m in first.mentions:
        stored[m.external_id] = stored.get(m.external_id, 0) + 1
    cursor = first.cursor
    fake.submissions.append(sub(40))
    for _ in range(6):
        for b in listener(server, clock, page_size=2, max_pages=2, comment_stream=False,
                          thread_comments="off").fetch(QUERY, cursor):
            for m in b.mentions:
                stored[m.external_id] = stored.get(m.external_id, 0) + 1
            cursor = b.cursor
    assert set(stored) == {f"t3_s{n}" for n in [*range(1, 12), 40]}
    assert set(stored.values()) == {1}


def test_comment_stream_is_filtered_by_the_query_and_resumes(server, clock):
    fake = FakeReddit(server, comments=[comment(1), comment(2, "nothing here"), comment(3, "ACME rocks")])
    lst = listener(server, clock, submissions=False, thread_comments="off", subreddits=["gadgets"])
    batches = list(lst.fetch(QUERY, None))
    assert ids(batches) == ["t1_c3", "t1_c1"]
    m = batches[0].mentions[1]
    assert m.thread_id == "t3_s1" and m.parent_id == "t3_s1" and m.author_handle == "u1"
    assert server.calls(r"/r/gadgets/comments/?")
    fake.comments.append(comment(9))
    assert ids(lst.fetch(QUERY, batches[-1].cursor)) == ["t1_c9"]


def test_no_comment_stream_without_subreddits(server, clock):
    FakeReddit(server, [sub(1)])
    list(listener(server, clock, thread_comments="off").fetch(QUERY, None))
    assert not server.calls(r"/r/all/comments/?") and server.calls(r"/r/all/search/?")


def test_thread_comments_of_matching_submissions_including_replies(server, clock):
    nested = comment(2, "acme reply", replies=listing("t1", [comment(3, "deep acme", link="t3_s1")]))
    threads = {"s1": [comment(1, "acme top"), comment(4, "no brand here"), nested,
                      ],
               "s2": [comment(5, "acme elsewhere", link="t3_s2")]}
    fake = FakeReddit(server, [sub(1), sub(2, title="unrelated")], threads=threads)
    lst = listener(server, clock, comment_stream=False)
    batches = list(lst.fetch(QUERY, None))
    assert ids(batches) == ["t3_s1", "t1_c1", "t1_c2", "t1_c3"]
    assert [r.path for r in server.calls(r"/comments/.*")] == ["/comments/s1/"]
    assert server.calls(r"/comments/.*")[0].arg("sort") == "new"
    fake.threads["s1"].append(comment(6, "late acme"))
    again = list(lst.fetch(QUERY, batches[-1].cursor))
    assert ids(again) == ["t1_c6"]
    everything = list(listener(server, clock, comment_stream=False, thread_comments="all").fetch(QUERY, None))
    assert "t1_c4" in ids(everything)


def test_malformed_items_are_skipped_and_counted(server, clock, caplog):
    broken = sub(3)
    del broken["created_utc"]
    empty = sub(2)
    empty["title"] = ""
    FakeReddit(server, [sub(1), broken, empty])
    with caplog.at_level(logging.WARNING, logger="brandpulse.listeners.reddit"):
        batch = next(listener(server, clock, comment_stream=False, thread_comments="off").fetch(QUERY, None))
    assert [m.external_id for m in batch.mentions] == ["t3_s1"]
    assert batch.stats.skipped == 2 and set(batch.stats.skipped_ids) == {"s2", "s3"}
    assert "s3" in caplog.text


def test_rate_limit_headers_and_429_are_honoured(server, clock):
    fake = FakeReddit(server, [sub(n) for n in range(1, 5)])
    server.queue("GET", r"/r/all/search/?", Reply(429, {"message": "Too Many Requests"},
                                                  headers={"x-ratelimit-remaining": "0",
                                                           "x-ratelimit-used": "100",
                                                           "x-ratelimit-reset": "7"}))
    fake.headers = {"x-ratelimit-remaining": "0", "x-ratelimit-used": "100", "x-ratelimit-reset": "5"}
    batches = list(listener(server, clock, page_size=2, comment_stream=False,
                            thread_comments="off").fetch(QUERY, None))
    assert len(ids(batches)) == 4
    assert clock.sleeps[0] == 7.0  # the 429's reset
    paced = clock.sleeps[1:]
    assert paced and all(4 < s <= 5 for s in paced)  # prawcore's pacing, through our sleep


def test_429_without_headers_is_bounded(server, clock):
    FakeReddit(server, [sub(1)])
    server.queue("GET", r"/r/all/search/?", *[Reply(429, {"message": "Too Many Requests"})] * 9)
    with pytest.raises(RateLimited):
        list(listener(server, clock, max_retries=2, comment_stream=False).fetch(QUERY, None))
    assert len(server.calls(r"/r/all/search/?")) == 3 and len(clock.sleeps) == 2


def test_server_errors_are_retried_by_our_policy_only(server, clock):
    FakeReddit(server, [sub(1)])
    server.queue("GET", r"/r/all/search/?", Reply(503, "busy", content_type="text/html"),
                 Reply(500, {"message": "Internal"}))
    batch = next(listener(server, clock, comment_stream=False, thread_comments="off").fetch(QUERY, None))
    assert batch.stats.calls == 3 and batch.stats.errors == 2 and len(clock.sleeps) == 2
    server.queue("GET", r"/r/all/search/?", *[Reply(502, "bad gateway", content_type="text/html")] * 9)
    with pytest.raises(SourceUnavailable):
        list(listener(server, clock, max_retries=1, comment_stream=False).fetch(QUERY, None))


def test_auth_failure_names_the_env_vars_and_not_the_secret(server, clock, caplog):
    FakeReddit(server, [sub(1)])
    settings = Settings(client_id=ID, client_secret="not-the-secret",
                        credential_env={"client_id": "ACME_REDDIT_ID", "client_secret": "ACME_REDDIT_SECRET"})
    caplog.set_level(logging.DEBUG)
    with pytest.raises(AuthError) as err:
        list(create(settings, base_url=server.url, clock=clock, sleep=clock.sleep).fetch(QUERY, None))
    assert "ACME_REDDIT_ID" in str(err.value) and "ACME_REDDIT_SECRET" in str(err.value)
    assert "not-the-secret" not in str(err.value) and "not-the-secret" not in caplog.text
    with pytest.raises(AuthError, match="REDDIT_CLIENT_SECRET"):
        list(create(Settings(client_id=ID)).fetch(QUERY, None))
