"""The Mastodon listener on statuses recorded by Mastodon.py's own test suite
(tests/fixtures/mastodon/README.md), served on loopback to Mastodon.py: reblogs, threads, servers
with flake ids, and a whole session into real storage."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest
from listeners_testkit import Reply
from replay_kit import Ledger, recorded

from brandpulse.listeners.mastodon import Settings, create
from brandpulse.listeners.query import BrandQuery
from tests.support.clock import ManualClock

TOKEN = "masto-token"
T = datetime(2022, 12, 1, 20, 0, tzinfo=UTC)  # minutes after Mastodon.py recorded the statuses
TOOT = BrandQuery("Toot", terms=("toot",), include_reposts=True)
SESSION = BrandQuery("Toot", terms=("toot", "reply"), hashtags=("toot",), include_reposts=True)  # one timeline


def status(name):
    return copy.deepcopy(recorded("mastodon", name)["body"])


def listener(server, clock, **overrides):
    settings = Settings(**{"access_token": TOKEN, "search": False, "page_size": 2, **overrides})
    return create(settings, base_url=server.url, clock=clock, sleep=clock.sleep)


def order(status_id):
    return len(status_id), status_id  # the server's order, snowflakes and flake ids alike


class Timeline:
    """`GET /api/v1/timelines/tag/:tag` over `statuses` with Mastodon's min_id/max_id semantics."""

    def __init__(self, server, statuses, headers=None):
        self.statuses = list(statuses)
        self.headers = headers or {}
        server.route("GET", r"/api/v1/timelines/tag/([^/]+)", self.page)
        server.route("GET", "/api/v1/instance/?", {"uri": "localhost:3000", "version": "4.0.2"})
        server.route("GET", "/api/v2/instance/?", {"domain": "localhost:3000", "version": "4.0.2"})

    def page(self, req):
        pool = sorted(self.statuses, key=lambda s: order(s["id"]), reverse=True)
        limit = int(req.arg("limit", "20"))
        if req.arg("min_id"):
            newer = [s for s in pool if order(s["id"]) > order(req.arg("min_id"))]
            pool = newer[-limit:]
        return Reply(body=pool[:limit], headers=self.headers)


def collect(batches):
    return [m for batch in batches for m in batch.mentions]


def test_a_reblog_is_kept_with_include_reposts_and_carries_the_reblogged_words(server):
    reblog = status("mastodonpy_reblog.json")
    Timeline(server, [reblog], recorded("mastodon", "mastodonpy_reblog.json")["headers"])
    [mention] = collect(listener(server, ManualClock(T)).fetch(TOOT, None))
    assert mention.external_id == reblog["uri"]  # the reblog activity, not the original's uri
    assert mention.text == "Toot!" and mention.language == "ja"
    assert mention.engagement.reposts == 1  # the reblogged status's count
    without = BrandQuery("Toot", terms=("toot",))
    assert collect(listener(server, ManualClock(T)).fetch(without, None)) == []


def test_a_reply_records_its_parent_and_a_thread_root_its_own_thread(server):
    reply, parent = status("mastodonpy_in_reply_to.json"), status("mastodonpy_in_reply_to_parent.json")
    Timeline(server, [reply, parent])
    query = BrandQuery("Toot", terms=("toot", "reply"))
    mentions = {m.text: m for m in collect(listener(server, ManualClock(T)).fetch(query, None))}
    assert mentions["Toot!"].thread_id == parent["uri"] and mentions["Toot!"].parent_id is None
    assert mentions["Reply!"].parent_id == parent["uri"]  # the parent's external id, not its local id
    assert mentions["Reply!"].thread_id == parent["uri"]  # its parent, read in the same walk


def test_a_server_with_flake_ids_is_followed_and_its_cursor_resumes(server):
    first, reply, later = status("derived_pleroma_flake_ids.json")
    timeline = Timeline(server, [first, reply])
    clock = ManualClock(T)
    batches = list(listener(server, clock).fetch(TOOT, None))
    assert {m.external_id for m in collect(batches)} == {first["uri"], reply["uri"]}
    assert {m.thread_id for m in collect(batches)} == {"4711"}  # pleroma.conversation_id
    cursor = batches[-1].cursor
    assert cursor["tags"]["toot"]["min_id"] == reply["id"]

    timeline.statuses.append(later)
    again = list(listener(server, clock).fetch(TOOT, cursor))
    assert [m.external_id for m in collect(again)] == [later["uri"]]
    assert server.calls(r"/api/v1/timelines/tag/toot")[-1].arg("min_id") == reply["id"]


@pytest.fixture
def ledger(database_url):
    store = Ledger(database_url, "mastodon", SESSION)
    yield store
    store.close()


def test_a_recorded_session_with_an_edit_and_a_deletion_loses_nothing_and_repeats_nothing(server, ledger):
    """Four recorded statuses over pages of two; a crash after the first page; between runs the
    reply is deleted and the original edited. Every status is stored once, the edit not as new."""
    statuses = [status(name) for name in ("mastodonpy_in_reply_to_parent.json", "mastodonpy_in_reply_to.json",
                                          "mastodonpy_reblog.json")]
    original = copy.deepcopy(statuses[2]["reblog"])
    timeline = Timeline(server, [*statuses, original], recorded("mastodon", "mastodonpy_reblog.json")["headers"])
    clock = ManualClock(T)

    ledger.run(listener(server, clock, derive_hashtags=False).fetch(SESSION, ledger.cursor()), crash_after=1)
    assert len(ledger.ids()) == 2
    timeline.statuses.remove(statuses[1])  # the reply is deleted
    edited = next(s for s in timeline.statuses if s["id"] == original["id"])
    edited.update(content="<p>Toot! (edited)</p>", edited_at="2022-12-01T19:50:00.000Z")
    for _ in range(2):
        ledger.run(listener(server, clock, derive_hashtags=False).fetch(SESSION, ledger.cursor()))

    assert ledger.ids() == {s["uri"] for s in statuses} | {original["uri"]}
    assert ledger.repeated() == []


def test_a_gotosocial_server_is_read_from_its_newest_page_on_the_first_run(server):
    """GoToSocial's ids are ULIDs, which sort below any snowflake: the first run's snowflake min_id
    finds nothing, so the newest page is read instead (what lies within lookback is kept) and
    the cursor continues from the server's own ids. Statuses derived as in the flake-id test."""
    ulids = ["01GKZ1Z5X6Q4V8M2N3P4R5S6T7", "01GKZ1Z5X6Q4V8M2N3P4R5S6T8", "01GKZ1Z5X6Q4V8M2N3P4R5S6T9"]
    statuses = status("derived_pleroma_flake_ids.json")
    for ulid, derived in zip(ulids, statuses, strict=True):
        derived.update(id=ulid, uri=f"https://gts.example/users/lain/statuses/{ulid}")
        derived.pop("pleroma")
    served = statuses[:2]

    def timeline(req):  # GoToSocial compares ids as strings
        pool = sorted(served, key=lambda s: s["id"], reverse=True)
        if req.arg("min_id"):
            pool = [s for s in pool if s["id"] > req.arg("min_id")]
        return Reply(body=pool[:int(req.arg("limit", "20"))])

    server.route("GET", r"/api/v1/timelines/tag/([^/]+)", timeline)
    server.route("GET", "/api/v2/instance/?", {"domain": "gts.example", "version": "0.17.0"})
    clock = ManualClock(T)
    batches = list(listener(server, clock).fetch(TOOT, None))
    assert {m.external_id for m in collect(batches)} == {s["uri"] for s in statuses[:2]}
    assert batches[-1].cursor["tags"]["toot"]["min_id"] == ulids[1]
    served.append(statuses[2])
    again = list(listener(server, clock).fetch(TOOT, batches[-1].cursor))
    assert [m.external_id for m in collect(again)] == [statuses[2]["uri"]]
