"""The X listener through tweepy against a loopback server speaking API v2's JSON."""

from __future__ import annotations

import base64
import logging
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from listeners_testkit import Reply
from x_fakes import T0, TOKEN, USERS, FakeStream, stream_line, tweet

from brandpulse.listeners.budget import InMemoryReadBudget
from brandpulse.listeners.errors import AuthError, QueryNotSupported, RateLimited, SourceUnavailable
from brandpulse.listeners.query import BrandQuery, to_x
from brandpulse.listeners.x import Settings, create

QUERY = BrandQuery("Acme", terms=("acme",))


class FakeX:
    """Recent/archive search with real next_token semantics (a token pins the page's upper bound,
    so posts arriving between pages never shift the walk), since_id and start_time."""

    def __init__(self, server, tweets):
        self.tweets = list(tweets)
        self.server = server
        self.headers: dict[str, str] = {}
        server.route("GET", "/2/tweets/search/(recent|all)", self.search)

    def add(self, *tweets):
        self.tweets.extend(tweets)

    def search(self, req):
        if req.header("authorization") != f"Bearer {TOKEN}":
            return Reply(401, {"title": "Unauthorized", "type": "about:blank", "status": 401,
                               "detail": "Unauthorized"})
        size = int(req.arg("max_results", "10"))
        assert 10 <= size <= 100
        pool = sorted(self.tweets, key=lambda t: int(t["id"]), reverse=True)
        if req.arg("since_id"):
            pool = [t for t in pool if int(t["id"]) > int(req.arg("since_id"))]
        if req.arg("start_time"):
            start = datetime.fromisoformat(req.arg("start_time").replace("Z", "+00:00"))
            pool = [t for t in pool if _created(t) >= start]
        if req.arg("next_token"):
            below = int(base64.b64decode(req.arg("next_token")).decode())
            pool = [t for t in pool if int(t["id"]) < below]
        page, rest = pool[:size], pool[size:]
        meta = {"result_count": len(page)}
        if page:
            meta.update(newest_id=page[0]["id"], oldest_id=page[-1]["id"])
        if rest:
            meta["next_token"] = base64.b64encode(page[-1]["id"].encode()).decode()
        body = {"meta": meta}
        if page:
            body["data"] = page
            body["includes"] = {"users": USERS}
        return Reply(body=body, headers=dict(self.headers))


def _created(t):
    try:
        return datetime.fromisoformat(t["created_at"].replace("Z", "+00:00"))
    except (KeyError, ValueError):
        return T0


def listener(server, clock, **overrides):
    budget = overrides.pop("budget", None)
    settings = Settings(bearer_token=TOKEN, page_size=10, **overrides)
    return create(settings, base_url=server.url, clock=clock, sleep=clock.sleep, budget=budget)


def ids(batches):
    return [m.external_id for b in batches for m in b.mentions]


def test_walks_pages_newest_first_and_advances_since_id_only_at_the_end(server, clock):
    fake = FakeX(server, [tweet(n) for n in range(25)])
    batches = list(listener(server, clock).fetch(QUERY, None))
    assert len(batches) == 3
    assert ids(batches) == [str(1000 + n) for n in range(24, -1, -1)]
    assert batches[0].cursor["since_id"] is None and batches[0].cursor["walk"]["next_token"]
    assert batches[1].cursor["since_id"] is None
    assert batches[-1].cursor == {"since_id": "1024", "walk": None}
    first = server.calls("/2/tweets/search/recent")[0]
    assert first.arg("query") == to_x(QUERY) == "acme -is:retweet"
    assert first.arg("start_time") == "2025-03-09T12:00:00Z"  # the default lookback, 24h
    assert "public_metrics" in first.arg("tweet.fields")
    assert first.arg("expansions") == "author_id,referenced_tweets.id,referenced_tweets.id.author_id"

    fake.add(tweet(30), tweet(31))
    again = list(listener(server, clock).fetch(QUERY, batches[-1].cursor))
    assert ids(again) == ["1031", "1030"]
    assert server.calls("/2/tweets/search/recent")[-1].arg("since_id") == "1024"
    assert again[-1].cursor == {"since_id": "1031", "walk": None}


def test_mentions_carry_author_metrics_language_and_links(server, clock):
    FakeX(server, [tweet(1, "Loving my &amp; ACME phone", lang="en",
                         referenced_tweets=[{"type": "replied_to", "id": "999"}]),
                   tweet(2, "acme", lang="und")])
    batch = next(listener(server, clock).fetch(QUERY, None))
    second, first = batch.mentions
    assert first.text == "Loving my & ACME phone"
    assert first.author_handle == "user2" and first.author_reach == 200 and first.author_id == "2"
    assert first.engagement.likes == 1 and first.engagement.views == 10
    assert first.language == "en" and second.language is None
    assert first.url == "https://x.com/user2/status/1001"
    assert first.parent_id == "999" and first.thread_id == "1001"
    assert first.created_at == T0 - timedelta(minutes=99)
    assert first.matched_query == QUERY.matched_query and first.brand == "Acme"
    assert batch.stats.calls == 1 and batch.stats.fetched == 2


def test_retweets_and_non_matching_posts_are_filtered_client_side(server, clock):
    rt = tweet(3, "RT @a: acme rocks", referenced_tweets=[{"type": "retweeted", "id": "5"}])
    FakeX(server, [tweet(1), tweet(2, "nothing to see"), rt])
    batch = next(listener(server, clock).fetch(QUERY, None))
    assert [m.external_id for m in batch.mentions] == ["1001"]
    assert batch.stats.filtered == 2 and batch.stats.fetched == 3
    reposts = BrandQuery("Acme", terms=("acme",), include_reposts=True)
    batch = next(listener(server, clock).fetch(reposts, None))
    assert [m.external_id for m in batch.mentions] == ["1003", "1001"]
    assert "-is:retweet" not in server.calls("/2/tweets/search/recent")[-1].arg("query")


def test_crash_between_pages_resumes_at_the_last_committed_cursor(server, clock):
    fake = FakeX(server, [tweet(n) for n in range(35)])
    stored: dict[str, int] = {}
    gen = listener(server, clock).fetch(QUERY, None)
    first = next(gen)
    for m in first.mentions:
        stored[m.external_id] = stored.get(m.external_id, 0) + 1
    gen.close()  # the process dies before the second page is stored
    fake.add(tweet(40), tweet(41))  # and new posts arrive meanwhile
    cursor = first.cursor
    for _ in range(3):
        for batch in listener(server, clock).fetch(QUERY, cursor):
            for m in batch.mentions:
                stored[m.external_id] = stored.get(m.external_id, 0) + 1
            cursor = batch.cursor
    assert set(stored) == {str(1000 + n) for n in [*range(35), 40, 41]}
    assert set(stored.values()) == {1}


def test_page_limit_keeps_the_walk_and_no_post_is_lost(server, clock):
    fake = FakeX(server, [tweet(n) for n in range(30)])
    seen: list[str] = []
    cursor = None
    batches = list(listener(server, clock, max_pages=1).fetch(QUERY, cursor))
    assert len(batches) == 1 and batches[0].cursor["walk"]["next_token"]
    assert batches[0].stats.stop_reason.startswith("page limit")
    seen += ids(batches)
    cursor = batches[-1].cursor
    fake.add(tweet(50))
    for _ in range(4):
        for batch in listener(server, clock, max_pages=1).fetch(QUERY, cursor):
            seen += ids([batch])
            cursor = batch.cursor
    assert sorted(seen) == sorted({str(1000 + n) for n in [*range(30), 50]})
    assert len(seen) == len(set(seen))
    assert cursor == {"since_id": "1050", "walk": None}


def test_429_with_reset_header_waits_exactly_until_the_reset(server, clock):
    FakeX(server, [tweet(1)])
    reset = int(clock().timestamp()) + 42
    server.queue("GET", "/2/tweets/search/recent",
                 Reply(429, {"title": "Too Many Requests", "status": 429},
                       headers={"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)}))
    batches = list(listener(server, clock).fetch(QUERY, None))
    assert clock.sleeps == [42.0]
    assert ids(batches) == ["1001"]
    assert batches[0].stats.calls == 2 and batches[0].stats.errors == 1


def test_429_without_reset_header_backs_off_with_bounded_jitter_then_gives_up(server, clock):
    FakeX(server, [tweet(1)])
    server.queue("GET", "/2/tweets/search/recent", *[Reply(429, {"title": "Too Many Requests"})] * 10)
    with pytest.raises(RateLimited):
        list(listener(server, clock, max_retries=3, rate_limit_base=timedelta(seconds=2)).fetch(QUERY, None))
    assert len(server.calls("/2/tweets/search/recent")) == 4
    assert len(clock.sleeps) == 3
    for attempt, wait in enumerate(clock.sleeps, start=1):
        ceiling = 2 * 2 ** (attempt - 1)
        assert ceiling / 2 <= wait <= ceiling


def test_a_reset_too_far_away_stops_the_run_without_hanging(server, clock):
    FakeX(server, [tweet(1)])
    server.queue("GET", "/2/tweets/search/recent",
                 Reply(429, {}, headers={"x-rate-limit-reset": str(int(clock().timestamp()) + 900)}))
    with pytest.raises(RateLimited) as err:
        list(listener(server, clock).fetch(QUERY, None))
    assert clock.sleeps == [] and err.value.retry_after == pytest.approx(900)


def test_exhausted_window_in_headers_waits_before_the_next_call(server, clock):
    fake = FakeX(server, [tweet(n) for n in range(15)])
    fake.headers = {"x-rate-limit-remaining": "0", "x-rate-limit-limit": "450",
                    "x-rate-limit-reset": str(int(clock().timestamp()) + 30)}
    batches = list(listener(server, clock).fetch(QUERY, None))
    assert len(batches) == 2 and clock.sleeps == [30.0]


def test_server_errors_are_retried_then_reported(server, clock):
    FakeX(server, [tweet(1)])
    server.queue("GET", "/2/tweets/search/recent", Reply(503, {"title": "Service Unavailable"}),
                 Reply(500, "oops", content_type="text/plain"))
    assert ids(listener(server, clock).fetch(QUERY, None)) == ["1001"]
    assert len(clock.sleeps) == 2
    server.queue("GET", "/2/tweets/search/recent", *[Reply(502, {})] * 10)
    with pytest.raises(SourceUnavailable):
        list(listener(server, clock, max_retries=2).fetch(QUERY, None))


def test_a_silent_server_times_out_instead_of_hanging(server, clock):
    server.route("GET", "/2/tweets/search/recent", Reply(stream=[5.0]))  # headers, then nothing
    started = time.monotonic()
    with pytest.raises(SourceUnavailable):
        list(listener(server, clock, timeout=timedelta(seconds=0.2), max_retries=1).fetch(QUERY, None))
    assert time.monotonic() - started < 2 and len(server.calls()) == 2


def test_auth_failure_names_the_env_var_and_never_the_secret(server, clock, caplog):
    FakeX(server, [tweet(1)])
    settings = Settings(bearer_token="wrong-secret-value", credential_env={"bearer_token": "ACME_X_TOKEN"})
    caplog.set_level(logging.DEBUG)
    with pytest.raises(AuthError) as err:
        list(create(settings, base_url=server.url, clock=clock, sleep=clock.sleep).fetch(QUERY, None))
    assert "ACME_X_TOKEN" in str(err.value) and err.value.env_vars == ("ACME_X_TOKEN",)
    assert "wrong-secret-value" not in str(err.value) and "wrong-secret-value" not in caplog.text
    assert len(server.calls()) == 1  # no retry on 401
    with pytest.raises(AuthError, match="X_BEARER_TOKEN"):
        list(create(Settings(), base_url=server.url).fetch(QUERY, None))


def test_malformed_posts_are_skipped_counted_and_logged(server, clock, caplog):
    bad_date = tweet(2, created_at="yesterday-ish")
    no_text = tweet(3)
    del no_text["text"]
    FakeX(server, [tweet(1), bad_date, no_text, tweet(4, public_metrics={"like_count": "many"})])
    with caplog.at_level(logging.WARNING, logger="brandpulse.listeners.x"):
        batch = next(listener(server, clock).fetch(QUERY, None))
    assert [m.external_id for m in batch.mentions] == ["1004", "1001"]
    assert batch.mentions[0].engagement.likes is None  # an unreadable count is unknown, the post is kept
    assert batch.stats.skipped == 2 and sorted(batch.stats.skipped_ids) == ["1002", "1003"]
    assert "1002" in caplog.text and "malformed" in caplog.text


def test_read_budget_is_checked_before_every_call_and_never_passed(server, clock, caplog):
    FakeX(server, [tweet(n) for n in range(60)])
    budget = InMemoryReadBudget(cap=25)
    with caplog.at_level(logging.WARNING, logger="brandpulse.listeners.x"):
        batches = list(listener(server, clock, budget=budget).fetch(QUERY, None))
    sizes = [int(r.arg("max_results")) for r in server.calls("/2/tweets/search/recent")]
    assert sizes == [10, 10]  # 5 left: even the smallest page (10) could pass the cap
    assert budget.used == 20 and budget.remaining() == 5
    assert sum(b.stats.budget_used for b in batches) == 20
    assert batches[-1].stats.stop_reason == "read budget exhausted"
    assert "read budget" in caplog.text
    # the stopped run's cursor resumes the walk when the budget allows again
    budget.cap = 1000
    rest = list(listener(server, clock, budget=budget).fetch(QUERY, batches[-1].cursor))
    assert len(ids(batches) + ids(rest)) == 60


def test_budget_shrinks_the_page_to_what_remains(server, clock):
    FakeX(server, [tweet(n) for n in range(60)])
    budget = InMemoryReadBudget(cap=15)
    list(listener(server, clock, budget=budget).fetch(QUERY, None))
    assert [r.arg("max_results") for r in server.calls("/2/tweets/search/recent")] == ["10"]
    assert budget.remaining() == 5


def test_full_archive_backfill_and_fallback_when_the_plan_refuses(server, clock):
    old = [tweet(n, created_at=(T0 - timedelta(days=20 - n)).isoformat()) for n in range(5)]
    FakeX(server, old)
    batches = list(listener(server, clock, lookback=timedelta(days=30), full_archive=True).fetch(QUERY, None))
    assert len(ids(batches)) == 5
    assert server.calls("/2/tweets/search/all")[0].arg("start_time") == "2025-02-08T12:00:00Z"
    server.queue("GET", "/2/tweets/search/all", Reply(403, {"title": "Client Forbidden",
                                                            "reason": "client-not-enrolled"}))
    batches = list(listener(server, clock, lookback=timedelta(days=30), full_archive=True).fetch(QUERY, None))
    recent = server.calls("/2/tweets/search/recent")
    assert recent and recent[-1].arg("start_time") == "2025-03-03T12:01:00Z"
    assert batches[-1].cursor["walk"] is None


def test_a_refused_pagination_token_restarts_the_walk(server, clock):
    FakeX(server, [tweet(n) for n in range(12)])
    server.queue("GET", "/2/tweets/search/recent",
                 Reply(400, {"errors": [{"message": "Invalid 'next_token'"}], "title": "Invalid Request"}))
    cursor = {"since_id": None, "walk": {"endpoint": "recent", "next_token": "stale", "newest_id": "1011",
                                         "start_time": "2025-03-09T12:00:00+00:00"}}
    batches = list(listener(server, clock).fetch(QUERY, cursor))
    assert sorted(ids(batches)) == sorted(str(1000 + n) for n in range(12))


def test_a_since_id_older_than_the_window_restarts_from_seven_days(server, clock):
    FakeX(server, [tweet(n) for n in range(3)])
    server.queue("GET", "/2/tweets/search/recent",
                 Reply(400, {"errors": [{"message": "Invalid 'since_id'"}], "title": "Invalid Request"}))
    batches = list(listener(server, clock).fetch(QUERY, {"since_id": "5", "walk": None}))
    assert sorted(ids(batches)) == ["1000", "1001", "1002"]
    retry = server.calls("/2/tweets/search/recent")[1]
    assert retry.arg("since_id") is None and retry.arg("start_time") == "2025-03-03T12:01:00Z"


# -- filtered stream ----------------------------------------------------------------------------------


class RealClock:
    def __call__(self):
        return datetime.now(UTC)


TAG = "brandpulse:Acme:default"


def stream_listener(server, **overrides):
    defaults = dict(mode="stream", bearer_token=TOKEN, page_size=10, stream_idle_timeout=timedelta(seconds=0.6),
                    stream_max=timedelta(seconds=5), stream_stall=timedelta(seconds=0.4),
                    stream_flush=timedelta(seconds=0.2))
    defaults.update(overrides)
    budget = defaults.pop("budget", None)
    sleeps: list[float] = []
    lst = create(Settings(**defaults), base_url=server.url, clock=RealClock(), sleep=sleeps.append,
                 budget=budget)
    return lst, sleeps


def test_stream_syncs_rules_reads_posts_and_ends_after_idle_timeout(server):
    fake = FakeStream(server, rules=[{"id": "old", "value": "acme OR old", "tag": TAG},
                                     {"id": "theirs", "value": "cats", "tag": "someone-else"}])
    fake.replies = [Reply(stream=[stream_line(tweet(1), TAG), b"\r\n", stream_line(tweet(2), TAG),
                                  b"not json\r\n",
                                  stream_line(tweet(9, "acme, for another team's rule"), "someone-else"),
                                  stream_line(tweet(3, "unrelated words"), TAG),
                                  *[x for _ in range(50) for x in (0.1, b"\r\n")]])]  # keep-alives
    lst, _ = stream_listener(server)
    started = time.monotonic()
    batches = list(lst.fetch(QUERY, None))
    assert time.monotonic() - started < 4  # the idle timeout ends the run, not the server
    assert fake.deleted == ["old"] and [r["id"] for r in fake.rules] == ["theirs", "new0"]
    assert fake.added == [{"value": "acme -is:retweet", "tag": TAG, "id": "new0"}]
    assert ids(batches) == ["1001", "1002"]  # not 1009 (another rule's), not 1003 (our filter says no)
    assert batches[-1].stats.stop_reason == "stream idle timeout"
    assert batches[-1].cursor == {"since_id": "1003", "walk": None}  # the newest post our rule delivered
    assert sum(b.stats.skipped for b in batches) == 1
    assert sum(b.stats.budget_used for b in batches) == 4  # every post delivered is billed
    assert sum(b.stats.fetched for b in batches) == 4 and sum(b.stats.filtered for b in batches) == 2
    assert fake.connections[0].arg("expansions") == "author_id,referenced_tweets.id,referenced_tweets.id.author_id"
    assert fake.connections[0].header("authorization") == f"Bearer {TOKEN}"


def test_a_reconnect_asks_for_the_configured_backfill_in_whole_minutes(server):
    fake = FakeStream(server, replies=[Reply(stream=[0.3])])
    lst, _ = stream_listener(server, stream_idle_timeout=timedelta(seconds=0.2), stream_backfill=timedelta(minutes=2))
    list(lst.fetch(QUERY, None))
    assert fake.connections[0].arg("backfill_minutes") == "2"


GLOBEX = BrandQuery("Globex", terms=("globex",))
GLOBEX_TAG = "brandpulse:Globex:default"


def test_one_connection_carries_every_brand_and_routes_posts_by_their_rule_tags(server):
    fake = FakeStream(server, replies=[Reply(stream=[
        stream_line(tweet(1, "acme phone"), TAG),
        stream_line(tweet(2, "globex tablet"), GLOBEX_TAG),
        stream_line(tweet(3, "acme versus globex"), TAG, GLOBEX_TAG),
        *[x for _ in range(50) for x in (0.1, b"\r\n")]])])
    lst, _ = stream_listener(server)
    out = list(lst.stream([(QUERY, {"since_id": "900", "walk": None}), (GLOBEX, None)]))
    assert len(fake.connections) == 1
    assert sorted((r["tag"], r["value"]) for r in fake.rules) == [(TAG, "acme -is:retweet"),
                                                                 (GLOBEX_TAG, "globex -is:retweet")]
    got = {(query.brand, m.external_id, m.brand) for query, batch in out for m in batch.mentions}
    assert got == {("Acme", "1001", "Acme"), ("Acme", "1003", "Acme"),
                   ("Globex", "1002", "Globex"), ("Globex", "1003", "Globex")}
    last = {query.brand: batch for query, batch in out}  # the run ends with a batch for every brand
    assert last["Acme"].cursor == {"since_id": "1003", "walk": None}
    assert last["Globex"].cursor == {"since_id": "1003", "walk": None}
    assert {b.stats.stop_reason for b in last.values()} == {"stream idle timeout"}
    assert sum(b.stats.budget_used for _, b in out) == 3  # the post for both brands is read and billed once
    assert sum(b.stats.fetched for _, b in out) == 3


def test_rules_of_brands_gone_from_the_config_are_deleted_and_others_kept(server):
    fake = FakeStream(server, rules=[{"id": "a", "value": "acme -is:retweet", "tag": TAG},
                                     {"id": "g", "value": "globex -is:retweet", "tag": GLOBEX_TAG},
                                     {"id": "o", "value": "initech", "tag": "brandpulse:Initech:default"},
                                     {"id": "t", "value": "cats", "tag": "someone-else"}],
                      replies=[Reply(stream=[0.3])])
    lst, _ = stream_listener(server, stream_idle_timeout=timedelta(seconds=0.2))
    list(lst.stream([(QUERY, None), (GLOBEX, None)]))
    assert fake.deleted == ["o"] and fake.added == []  # still billed for every post it matched
    assert sorted(r["id"] for r in fake.rules) == ["a", "g", "t"]

    list(lst.stream([]))  # the last brand went: no rule of ours is left, and nothing connects
    assert sorted(fake.deleted) == ["a", "g", "o"] and [r["id"] for r in fake.rules] == ["t"]
    assert len(fake.connections) == 1


def test_a_stop_ends_a_silent_stream_at_once_with_what_arrived(server):
    sent = threading.Event()

    def posts_then_silence():
        yield stream_line(tweet(1), TAG)
        yield stream_line(tweet(2), TAG)
        sent.set()
        yield 60.0  # not even a keep-alive

    fake = FakeStream(server, replies=[Reply(stream=posts_then_silence())])
    lst, sleeps = stream_listener(server, stream_idle_timeout=timedelta(minutes=5),
                                  stream_max=timedelta(minutes=15), stream_stall=timedelta(seconds=30),
                                  stream_flush=timedelta(minutes=1))
    stop = threading.Event()
    batches: list = []
    run = threading.Thread(target=lambda: batches.extend(lst.stream([(QUERY, None)], stop=stop)))
    run.start()
    assert sent.wait(5)
    time.sleep(0.3)  # the client reads both posts, then waits on the silent socket
    stopped = time.monotonic()
    stop.set()
    run.join(10)
    assert not run.is_alive() and time.monotonic() - stopped < 2
    assert [(q.brand, [m.external_id for m in b.mentions]) for q, b in batches] == [("Acme", ["1001", "1002"])]
    assert batches[-1][1].cursor == {"since_id": "1002", "walk": None}
    assert batches[-1][1].stats.stop_reason == "stop requested"
    assert len(fake.connections) == 1 and sleeps == []  # ended, not reconnected


def test_a_stop_cuts_the_reconnect_wait_short(server):
    """The stream drops and the next attempt is a minute away: a stop set meanwhile ends the run at
    once (a shutdown must not sit out the backoff), yielding the post read before the drop."""
    fake = FakeStream(server, replies=[Reply(stream=[stream_line(tweet(1), TAG)])])  # then the server hangs up
    stop = threading.Event()
    settings = Settings(mode="stream", bearer_token=TOKEN, backoff_base=timedelta(minutes=1),
                        backoff_max=timedelta(minutes=2), stream_flush=timedelta(minutes=1))
    lst = create(settings, base_url=server.url, stop=stop)  # waits in real time
    threading.Timer(0.5, stop.set).start()
    started = time.monotonic()
    batches = list(lst.stream([(QUERY, None)]))  # the listener's own stop serves the stream
    assert time.monotonic() - started < 2
    assert [m.external_id for _, b in batches for m in b.mentions] == ["1001"]
    assert batches[-1][1].cursor == {"since_id": "1001", "walk": None}
    assert batches[-1][1].stats.stop_reason == "stop requested"
    assert len(fake.connections) == 1


def test_stream_reconnects_after_disconnects_429_and_stalls(server):
    fake = FakeStream(server)
    fake.replies = [
        Reply(stream=[stream_line(tweet(1), TAG)]),          # server drops the connection
        Reply(429, {"title": "ConnectionException", "detail": "TooManyConnections"}),
        Reply(503, {"title": "Service Unavailable"}),
        Reply(stream=[stream_line(tweet(2), TAG), 2.0]),     # then stalls past stream_stall
        Reply(stream=[stream_line(tweet(3), TAG), *[x for _ in range(50) for x in (0.1, b"\r\n")]]),
    ]
    lst, sleeps = stream_listener(server, stream_idle_timeout=timedelta(seconds=1.5))
    batches = list(lst.fetch(QUERY, None))
    assert sorted(ids(batches)) == ["1001", "1002", "1003"]
    assert len(fake.connections) == 5
    assert len(sleeps) == 4  # one backoff per failed connect or dropped connection, all bounded
    assert all(0 < s <= 120 for s in sleeps)


def test_stream_gives_up_after_max_reconnects(server):
    fake = FakeStream(server)
    fake.replies = [Reply(503, {})] * 20
    lst, _ = stream_listener(server, max_retries=1, stream_max_reconnects=2)
    with pytest.raises(SourceUnavailable):
        list(lst.fetch(QUERY, None))


def test_stream_stops_before_the_read_cap(server):
    fake = FakeStream(server, rules=[{"id": "r1", "value": "acme -is:retweet", "tag": TAG}])
    fake.replies = [Reply(stream=[stream_line(tweet(n), TAG) for n in range(10)] + [2.0])]
    budget = InMemoryReadBudget(cap=4)
    lst, _ = stream_listener(server, budget=budget)
    batches = list(lst.fetch(QUERY, None))
    assert budget.used == 4 and len(ids(batches)) == 4
    assert batches[-1].stats.stop_reason == "read budget exhausted"
    assert fake.added == []  # the rule was already in place
    assert list(lst.fetch(QUERY, None))[-1].stats.stop_reason == "read budget exhausted"
    assert len(fake.connections) == 1


def test_stream_lists_a_refused_query_among_the_failures_and_serves_the_others(server):
    """A brand whose query X cannot take (here: longer than the plan allows) gets no rule; the run
    goes on for the others and names the refused one in its batches' `failures`."""
    fake = FakeStream(server, replies=[Reply(stream=[stream_line(tweet(1), TAG),
                                                     *[x for _ in range(50) for x in (0.1, b"\r\n")]])])
    long_query = BrandQuery("Globex", terms=tuple(f"globexword{n}" for n in range(40)))
    lst, _ = stream_listener(server, max_query_length=100)
    batches = [batch for _, batch in lst.stream([(QUERY, None), (long_query, None)])]
    assert ids(batches) == ["1001"] and [rule["tag"] for rule in fake.added] == [TAG]
    failures = [failure for batch in batches for failure in batch.stats.failures]
    assert len(failures) == 1 and failures[0].startswith("Globex (default): ")
    assert "100" in failures[0]  # says what was wrong: the limit


def test_stream_with_only_refused_queries_fails_the_run_naming_them(server):
    FakeStream(server)
    long_query = BrandQuery("Globex", terms=tuple(f"globexword{n}" for n in range(40)))
    lst, _ = stream_listener(server, max_query_length=100)
    with pytest.raises(QueryNotSupported, match="Globex"):
        list(lst.stream([(long_query, None)]))
