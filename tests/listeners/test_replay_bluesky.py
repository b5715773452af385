"""The Bluesky listener on post views recorded by the atproto SDK's test suite
(tests/fixtures/bluesky/README.md), served on loopback to the atproto client as searchPosts pages."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import pytest
from listeners_testkit import Reply
from replay_kit import Ledger, recorded

from brandpulse.listeners.bluesky import Settings, create
from brandpulse.listeners.query import BrandQuery
from tests.support.clock import ManualClock

SEARCH = "/xrpc/app.bsky.feed.searchPosts"


def post(name):
    return copy.deepcopy(recorded("bluesky", name)["body"]["posts"][0])


RAVEN = "atproto_post_with_embed_media.json"
MARSHAL = "atproto_thread_view_post_with_embed_media.json"


def listener(server, clock, **overrides):
    settings = Settings(**{"page_size": 25, "lookback": timedelta(days=365), **overrides})
    return create(settings, base_url=server.url, clock=clock, sleep=clock.sleep)


def with_alt(view, alt):
    """Derived: the recorded post with an alt text on its image."""
    view["record"]["embed"]["media"]["images"][0]["alt"] = alt
    view["embed"]["media"]["images"][0]["alt"] = alt
    return view


def run(server, clock, query, *posts, **overrides):
    server.route("GET", SEARCH, {"posts": list(posts)})
    batches = list(listener(server, clock, **overrides).fetch(query, None))
    return [m for b in batches for m in b.mentions], batches


def test_an_image_only_post_is_kept_with_its_alt_text(server):
    view = with_alt(post(RAVEN), "a large pile of BLÅHAJ ")
    mentions, _ = run(server, ManualClock(datetime(2023, 7, 28, tzinfo=UTC)), BrandQuery("Ikea", terms=("blahaj",)),
                      view)
    assert [m.text for m in mentions] == ["a large pile of BLÅHAJ"]
    assert mentions[0].author_handle == "raven.corvids.club" and mentions[0].language == "en"


def test_an_image_only_post_without_alt_text_is_not_malformed(server):
    mentions, batches = run(server, ManualClock(datetime(2023, 7, 28, tzinfo=UTC)),
                            BrandQuery("Ikea", terms=("blahaj",)), post(RAVEN))
    assert mentions == []
    assert sum(b.stats.skipped for b in batches) == 0 and sum(b.stats.filtered for b in batches) == 1


def test_an_author_whose_handle_is_invalid_is_named_by_display_name_and_did(server):
    view = with_alt(post(MARSHAL), "python test card")
    view["author"]["handle"] = "handle.invalid"  # derived: as the AppView reports a lapsed handle
    mentions, _ = run(server, ManualClock(datetime(2023, 9, 29, tzinfo=UTC)), BrandQuery("Py", terms=("python",)), view)
    [mention] = mentions
    assert mention.author_id == "did:plc:kvwvcn5iqfooopmyzvb4qzba"
    assert mention.author_handle == "I love Python 3"
    assert mention.url == "https://bsky.app/profile/did:plc:kvwvcn5iqfooopmyzvb4qzba/post/3kaheyt6vpc22"
    assert "handle.invalid" not in (mention.author_handle, mention.url)


def test_a_created_at_in_the_future_is_clamped_to_indexed_at(server):
    view = with_alt(post(MARSHAL), "python test card")
    view["record"]["createdAt"] = "2031-01-01T00:00:00.000Z"  # derived: a client clock years ahead
    mentions, _ = run(server, ManualClock(datetime(2023, 9, 29, tzinfo=UTC)), BrandQuery("Py", terms=("python",)), view)
    assert mentions[0].created_at == datetime(2023, 9, 28, 12, 49, 36, 735000, tzinfo=UTC)  # indexedAt


QUERY = BrandQuery("Ikea", terms=("blahaj", "python"))


@pytest.fixture
def ledger(database_url):
    store = Ledger(database_url, "bluesky", QUERY)
    yield store
    store.close()


def test_a_recorded_session_over_two_pages_and_a_rate_limit_loses_nothing(server, ledger):
    """The two recorded posts (alt texts derived) on two pages chained by a cursor; the second is
    refused once with a 429 and its reset header; then a later run finds only a newer post."""
    newer, older = with_alt(post(MARSHAL), "python test card"), with_alt(post(RAVEN), "a large pile of BLÅHAJ")
    clock = ManualClock(datetime(2023, 9, 29, tzinfo=UTC))
    pages = {None: Reply(body={"posts": [newer], "cursor": "1"}), "1": Reply(body={"posts": [older]})}
    server.route("GET", SEARCH, lambda req: pages[req.arg("cursor")])
    reset = str(int(clock().timestamp()) + 5)
    refused = Reply(429, {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
                    headers={"ratelimit-remaining": "0", "ratelimit-reset": reset})
    server.queue("GET", SEARCH, pages[None], refused)

    ledger.run(listener(server, clock).fetch(QUERY, ledger.cursor()), crash_after=1)
    ledger.run(listener(server, clock).fetch(QUERY, ledger.cursor()))
    assert ledger.ids() == {newer["uri"], older["uri"]}
    assert clock.sleeps and clock.sleeps[0] == pytest.approx(5, abs=1)

    pages[None] = Reply(body={"posts": [newer]})  # nothing new yet: nothing stored twice
    ledger.run(listener(server, clock).fetch(QUERY, ledger.cursor()))
    assert ledger.repeated() == []
