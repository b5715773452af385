"""The Hacker News listener on Algolia pages whose `created_at_i` arrives as text
(tests/fixtures/hackernews/README.md: constructed, no recording exists), served on loopback."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from listeners_testkit import Reply
from replay_kit import Ledger, recorded, reply

from brandpulse.listeners.hackernews import Settings, create
from brandpulse.listeners.query import BrandQuery
from tests.support.clock import ManualClock

SEARCH = "/api/v1/search_by_date"
QUERY = BrandQuery("SQLite", terms=("sqlite",))
PAGES = ("constructed_created_at_i_as_text_page1.json", "constructed_created_at_i_as_text_page2.json")


def listener(server, clock, **overrides):
    settings = Settings(**{"page_size": 3, "lookback": timedelta(hours=24), **overrides})
    return create(settings, base_url=server.url, clock=clock, sleep=clock.sleep)


def serve(server):
    """Page one while no upper bound is set, page two below page one's oldest hit."""
    oldest_first_page = min(int(h["created_at_i"]) for h in recorded("hackernews", PAGES[0])["body"]["hits"])

    def search(req):
        bound = f"created_at_i<={oldest_first_page}"
        return reply("hackernews", PAGES[1] if bound in (req.arg("numericFilters") or "") else PAGES[0])

    server.route("GET", SEARCH, search)


def every_id():
    return {h["objectID"] for name in PAGES for h in recorded("hackernews", name)["body"]["hits"]}


def test_a_created_at_i_sent_as_text_keeps_the_walk_going(server):
    serve(server)
    clock = ManualClock(datetime(2024, 8, 31, 12, 0, tzinfo=UTC))
    batches = list(listener(server, clock).fetch(QUERY, None))
    assert {m.external_id for b in batches for m in b.mentions} == every_id()  # page two is not lost
    assert len(server.calls(SEARCH)) == 2
    first = next(m for b in batches for m in b.mentions if m.external_id == "41400005")
    assert first.created_at == datetime.fromtimestamp(1725100500, UTC)
    assert first.text == "SQLite's CLI is all I need." and first.thread_id == "41400001"


@pytest.fixture
def ledger(database_url):
    store = Ledger(database_url, "hackernews", QUERY)
    yield store
    store.close()


def test_a_session_with_a_rate_limit_and_a_crash_loses_nothing_and_repeats_nothing(server, ledger):
    serve(server)
    server.queue("GET", SEARCH, reply("hackernews", PAGES[0]), Reply(429, {"message": "Too many requests"},
                                                                     headers={"Retry-After": "3"}))
    clock = ManualClock(datetime(2024, 8, 31, 12, 0, tzinfo=UTC))
    ledger.run(listener(server, clock).fetch(QUERY, ledger.cursor()), crash_after=1)
    ledger.run(listener(server, clock).fetch(QUERY, ledger.cursor()))
    assert 3 in clock.sleeps  # the Retry-After the 429 asked for
    ledger.run(listener(server, clock).fetch(QUERY, ledger.cursor()))  # nothing new: nothing twice
    assert ledger.ids() == every_id() and ledger.repeated() == []
