"""The RSS/Atom listener through requests and feedparser against a loopback server."""

from __future__ import annotations

import logging
from urllib.parse import unquote_plus

import pytest
from listeners_testkit import Reply

from brandpulse.listeners.errors import SourceUnavailable
from brandpulse.listeners.query import BrandQuery, to_web
from brandpulse.listeners.rss import Settings, create

QUERY = BrandQuery("Acme", terms=("acme", "Acme Corp"))


def rss(*items, title="Acme news"):
    body = "".join(
        f"<item><title>{t}</title><link>https://news.example/{i}</link><guid>https://news.example/{i}</guid>"
        f"<pubDate>{d}</pubDate><description><![CDATA[{s}]]></description></item>"
        for i, t, d, s in items)
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>{title}</title>'
            f"<link>https://news.example/</link><description>x</description>{body}</channel></rss>")


ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Google Alert - acme</title><id>tag:alerts</id>
<updated>2025-03-10T11:00:00Z</updated>
<entry><id>tag:alerts:1</id><title type="html">&lt;b&gt;Acme&lt;/b&gt; opens a store</title>
<link href="https://www.google.com/url?q=https://paper.example/a1"/><published>2025-03-10T10:00:00Z</published>
<content type="html">&lt;p&gt;The &lt;b&gt;Acme&lt;/b&gt; store &amp;amp; caf&amp;eacute;&lt;/p&gt;
&lt;script&gt;evil()&lt;/script&gt;</content>
</entry>
<entry><id>tag:alerts:2</id><title>Weather today</title><link href="https://paper.example/w"/>
<published>2025-03-10T10:30:00Z</published><content type="html">sunny</content></entry>
</feed>"""


def listener(server, clock, feeds, **overrides):
    return create(Settings(feeds=feeds, **overrides), base_url=server.url, clock=clock, sleep=clock.sleep)


def test_rss_entries_become_mentions_with_conditional_get(server, clock):
    state = {"items": [("1", "Acme launches phone", "Mon, 10 Mar 2025 10:00:00 GMT", "<p>Big <b>news</b></p>"),
                       ("2", "Unrelated", "Mon, 10 Mar 2025 10:05:00 GMT", "nothing"),
                       ("3", "Old Acme story", "Mon, 03 Mar 2025 10:00:00 GMT", "old")]}

    def feed(req):
        if req.header("if-none-match") == '"v2"':
            return Reply(304)
        return Reply(body=rss(*state["items"]), content_type="application/rss+xml",
                     headers={"ETag": '"v2"' if len(state["items"]) > 3 else '"v1"'})

    server.route("GET", "/feed.xml", feed)
    lst = listener(server, clock, [f"{server.url}/feed.xml"])
    batches = list(lst.fetch(QUERY, None))
    assert [m.external_id for b in batches for m in b.mentions] == ["https://news.example/1"]  # 3 is too old
    m = batches[0].mentions[0]
    assert m.text == "Acme launches phone\n\nBig news" and m.url == "https://news.example/1"
    assert m.created_at.isoformat() == "2025-03-10T10:00:00+00:00" and m.language is None
    cursor = batches[-1].cursor
    [feed_state] = cursor["feeds"].values()  # keyed by a digest of the URL, which may hold a key
    assert feed_state["etag"] == '"v1"'
    state["items"].append(("4", "Acme again", "Mon, 10 Mar 2025 11:00:00 GMT", "more"))
    again = list(lst.fetch(QUERY, cursor))
    assert [m.external_id for b in again for m in b.mentions] == ["https://news.example/4"]
    assert server.calls("/feed.xml")[-1].header("if-none-match") == '"v1"'
    third = list(lst.fetch(QUERY, again[-1].cursor))
    assert third[0].mentions == [] and third[0].stats.calls == 1  # 304 Not Modified


def test_query_placeholder_atom_alerts_and_html_reduction(server, clock):
    server.route("GET", "/alerts", Reply(body=ATOM, content_type="application/atom+xml"))
    lst = listener(server, clock, [f"{server.url}/alerts?q={{query}}&hl=en"])
    batches = list(lst.fetch(QUERY, None))
    assert unquote_plus(server.calls("/alerts")[0].arg("q")) == to_web(QUERY)
    [m] = batches[0].mentions
    assert m.text == "Acme opens a store\n\nThe Acme store & café" and "evil" not in m.text
    assert m.external_id == "tag:alerts:1"


def test_a_failing_feed_does_not_stop_the_others(server, clock, caplog):
    server.route("GET", "/good", Reply(body=rss(("1", "Acme a", "Mon, 10 Mar 2025 10:00:00 GMT", "x")),
                                       content_type="application/rss+xml"))
    server.route("GET", "/broken", Reply(503, "down", content_type="text/plain"))
    server.route("GET", "/html", Reply(body="<html><body>not a feed", content_type="text/html"))
    feeds = [f"{server.url}/broken", f"{server.url}/html", f"{server.url}/good"]
    with caplog.at_level(logging.ERROR, logger="brandpulse.listeners.rss"):
        batches = list(listener(server, clock, feeds, max_retries=1).fetch(QUERY, None))
    assert [m.external_id for b in batches for m in b.mentions] == ["https://news.example/1"]
    assert "/broken" in caplog.text and "/html" in caplog.text
    with pytest.raises(SourceUnavailable):
        list(listener(server, clock, feeds[:2], max_retries=0).fetch(QUERY, None))


def test_rate_limited_feeds_wait_as_told(server, clock):
    server.queue("GET", "/f", Reply(429, "slow down", content_type="text/plain", headers={"Retry-After": "9"}))
    server.route("GET", "/f", Reply(body=rss(("1", "Acme", "Mon, 10 Mar 2025 10:00:00 GMT", "x")),
                                    content_type="application/rss+xml"))
    batches = list(listener(server, clock, [f"{server.url}/f"]).fetch(QUERY, None))
    assert clock.sleeps == [9.0] and len(batches[0].mentions) == 1 and batches[0].stats.errors == 1


def test_malformed_entries_are_skipped_and_neighbours_kept(server, clock):
    feed = rss(("1", "Acme ok", "Mon, 10 Mar 2025 10:00:00 GMT", "fine"),
               ("2", "", "Mon, 10 Mar 2025 10:00:00 GMT", ""),
               ("3", "Acme undated", "", "no date"))
    server.route("GET", "/f", Reply(body=feed, content_type="application/rss+xml"))
    batches = list(listener(server, clock, [f"{server.url}/f"]).fetch(QUERY, None))
    got = [m.external_id for b in batches for m in b.mentions]
    assert got == ["https://news.example/1", "https://news.example/3"]
    assert batches[0].stats.skipped == 1 and batches[0].stats.skipped_ids == ["https://news.example/2"]
    undated = batches[0].mentions[1]
    assert undated.created_at == clock()
