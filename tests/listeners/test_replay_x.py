"""The X listener on responses recorded from the real API (tests/fixtures/x/README.md), served on
loopback to tweepy: each defect found on real payloads, and a whole session into real storage."""

from __future__ import annotations

import html
from datetime import UTC, datetime

import pytest
from listeners_testkit import Reply
from replay_kit import Ledger, recorded, reply

from brandpulse.listeners.query import BrandQuery
from brandpulse.listeners.x import Settings, create
from tests.support.clock import ManualClock

TOKEN = "recorded-x-token"
SEARCH = "/2/tweets/search/recent"


def listener(server, clock, **overrides):
    settings = Settings(**{"bearer_token": TOKEN, "page_size": 10, **overrides})
    return create(settings, base_url=server.url, clock=clock, sleep=clock.sleep)


def test_a_single_object_data_is_kept_and_since_id_covers_it(server):
    """tweepy's recorded `GET /2/tweets/:id`: `data` is one object, not a list. The post is kept
    (dated by its snowflake id, as the response has no created_at) and since_id moves to it."""
    server.route("GET", SEARCH, reply("x", "tweepy_get_tweet.json"))
    clock = ManualClock(datetime(2020, 8, 12, 12, 0, tzinfo=UTC))
    query = BrandQuery("Twitter", terms=("twitterapi",))
    [batch] = list(listener(server, clock).fetch(query, None))
    [mention] = batch.mentions
    assert mention.external_id == "1293593516040269825"
    assert mention.text.startswith("It’s finally here! 🥁 Say hello to the new #TwitterAPI.")
    assert mention.created_at == datetime(2020, 8, 12, 17, 1, 42, 686000, tzinfo=UTC)  # from the id
    assert batch.cursor == {"since_id": "1293593516040269825", "walk": None}


def test_a_retweet_has_its_full_text_and_a_null_metric_is_unknown(server):
    """A retweet's own text is cut at 140 characters; with `referenced_tweets.id` expanded the
    original's full text is there. Its null like count is kept as unknown, the post is kept."""
    server.route("GET", SEARCH, reply("x", "constructed_retweet_with_null_metrics.json"))
    clock = ManualClock(datetime(2023, 2, 1, 19, 0, tzinfo=UTC))
    query = BrandQuery("Kurdistan", terms=("kurdistan",), include_reposts=True)
    [batch] = list(listener(server, clock).fetch(query, None))
    [mention] = batch.mentions  # "Kurdistan" is only in the part the 140 characters cut off
    original = recorded("x", "constructed_retweet_with_null_metrics.json")["body"]["includes"]["tweets"][0]
    assert mention.text == "RT @BayanRahman: " + html.unescape(original["text"])
    assert mention.engagement.likes is None and mention.engagement.views is None
    assert mention.engagement.reposts == 12
    assert mention.raw["retweeted"]["id"] == "1620620961015037952"
    expansions = server.calls(SEARCH)[0].arg("expansions").split(",")
    assert "referenced_tweets.id" in expansions and "author_id" in expansions


PAGES = ["tweepy_search_recent.json", "dart_lookup_home_timeline.json", "dart_search_recent.json"]
QUERY = BrandQuery("Twitter", terms=("tweepy", "twitter", "twitterapi", "bots"))


def serve_session(server):
    """Three recorded pages chained by their own next_tokens; the second is refused once with X's
    recorded 429 body and a reset 10 seconds away; a later run (since_id) finds nothing new."""
    first, second = (recorded("x", name)["body"]["meta"]["next_token"] for name in PAGES[:2])
    pages = {None: PAGES[0], first: PAGES[1], second: PAGES[2]}

    def search(req):
        if req.arg("since_id"):
            return Reply(body={"meta": {"result_count": 0}})
        return reply("x", pages[req.arg("next_token")])

    server.route("GET", SEARCH, search)
    server.queue("GET", SEARCH, reply("x", PAGES[0]))
    reset = str(int(datetime(2022, 10, 7, 22, 43, 29, tzinfo=UTC).timestamp()))
    server.queue("GET", SEARCH, reply("x", "dart_rate_limit_exceeded_error.json", 429,
                                      **{"x-rate-limit-remaining": "0", "x-rate-limit-reset": reset}))


def expected_ids() -> set[str]:
    posts = [post for name in PAGES for post in recorded("x", name)["body"]["data"]]
    return {post["id"] for post in posts if QUERY.matches(html.unescape(post["text"]))}


@pytest.fixture
def ledger(database_url):
    store = Ledger(database_url, "x", QUERY)
    yield store
    store.close()


def test_a_recorded_session_loses_nothing_and_repeats_nothing_across_a_crash(server, ledger):
    serve_session(server)
    clock = ManualClock(datetime(2022, 10, 7, 22, 43, 19, tzinfo=UTC))  # when tweepy recorded page one

    ledger.run(listener(server, clock, max_pages=2).fetch(QUERY, ledger.cursor()), crash_after=1)
    assert ledger.cursor()["walk"]["next_token"] == recorded("x", PAGES[0])["body"]["meta"]["next_token"]
    assert ledger.cursor()["since_id"] is None  # the walk is not complete: nothing may be skipped yet

    ledger.run(listener(server, clock, max_pages=5).fetch(QUERY, ledger.cursor()))
    assert clock.sleeps and clock.sleeps[0] == pytest.approx(10, abs=1)  # waited for the recorded reset
    assert ledger.cursor() == {"since_id": "1578516068309794817", "walk": None}  # page one's newest

    ledger.run(listener(server, clock).fetch(QUERY, ledger.cursor()))
    assert server.calls(SEARCH)[-1].arg("since_id") == "1578516068309794817"

    assert ledger.ids() == expected_ids() and len(expected_ids()) >= 15
    assert ledger.repeated() == []

