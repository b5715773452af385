"""The RSS listener on feedparser's own test documents and a Google News search feed
(tests/fixtures/rss/README.md), served on loopback: the feed's declared language, the source's
name said once, and a session of conditional fetches."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from listeners_testkit import Reply
from replay_kit import Ledger, recorded

from brandpulse.listeners.query import BrandQuery
from brandpulse.listeners.rss import Settings, create
from tests.support.clock import ManualClock

QUERY = BrandQuery("Acme", terms=("acme", "example"))
T = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)


def feed(name):
    return Reply(body=recorded("rss", name), content_type="application/rss+xml; charset=utf-8")


def listener(server, clock, *paths, **overrides):
    settings = Settings(**{"feeds": [f"{server.url}{p}" for p in paths], **overrides})
    return create(settings, base_url=server.url, clock=clock, sleep=clock.sleep)


def mentions_of(server, name, query=QUERY):
    server.route("GET", "/feed.xml", feed(name))
    return [m for b in listener(server, ManualClock(T), "/feed.xml").fetch(query, None) for m in b.mentions]


@pytest.mark.parametrize(("name", "language"), [
    ("feedparser_entry_content_xml_lang.xml", "en"),          # xml:lang on the entry's content
    ("feedparser_item_fullitem_xml_lang_inherit.xml", "en"),  # xml:lang on the root, inherited
    ("derived_channel_language.xml", "de-de"),                # <language>
    ("derived_channel_dc_language.xml", "fr"),                # <dc:language>
])
def test_the_feeds_declared_language_is_the_mentions_language(server, name, language):
    [mention] = mentions_of(server, name)
    assert mention.language == language


def test_a_google_news_item_names_its_source_once(server):
    mentions = mentions_of(server, "constructed_google_news_search.xml")
    assert [m.text for m in mentions] == ["Acme recalls its X2 headphones over battery fault - The Verge",
                                          "Acme's quarterly results beat forecasts - Reuters"]
    assert [m.raw["source"] for m in mentions] == ["The Verge", "Reuters"]
    assert {m.language for m in mentions} == {"en-US"}


@pytest.fixture
def ledger(database_url):
    store = Ledger(database_url, "rss", QUERY)
    yield store
    store.close()


def test_a_session_of_conditional_fetches_loses_nothing_and_repeats_nothing(server, ledger):
    """The Google News feed fetched, then answered 304 for its ETag, then a 503 (retried), then the
    same feed again: every item stored once, the cursor carrying the ETag after the data."""
    calls = []

    def google(req):
        calls.append(req.header("if-none-match"))
        if req.header("if-none-match") == '"v1"' and len(calls) == 2:
            return Reply(304)
        return Reply(body=recorded("rss", "constructed_google_news_search.xml"), headers={"ETag": '"v1"'},
                     content_type="application/rss+xml")

    server.route("GET", "/rss/search", google)
    clock = ManualClock(T)
    for _ in range(2):
        ledger.run(listener(server, clock, "/rss/search?q={query}").fetch(QUERY, ledger.cursor()))
    server.queue("GET", "/rss/search", Reply(503, "unavailable"))
    ledger.run(listener(server, clock, "/rss/search?q={query}").fetch(QUERY, ledger.cursor()))
    assert calls == [None, '"v1"', '"v1"']  # conditional after the first fetch (the 503 is not seen here)
    assert len(ledger.ids()) == 2 and ledger.repeated() == []
    assert next(iter(ledger.cursor()["feeds"].values()))["etag"] == '"v1"'
