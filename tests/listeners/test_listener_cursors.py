"""The typed cursors: what storage holds reads back unchanged, and a cursor that no longer
validates starts the listener afresh (logged) instead of failing every run."""

from __future__ import annotations

import logging

import pytest

from brandpulse.listeners.records import (
    BlueskyCursor,
    HackerNewsCursor,
    MastodonCursor,
    RedditCursor,
    ReplayCursor,
    RssCursor,
    XCursor,
)

WALK = {"floor": {"value": 1741600000.0, "ids": ["a", "b"]}, "token": "t2", "top": None,
        "bottom": {"value": 1741500000.0, "ids": ["z"]}}

STORED = [
    (XCursor, {"since_id": "1024", "walk": None}),
    (XCursor, {"since_id": None, "walk": {"endpoint": "all", "next_token": "b26v89c", "newest_id": "1031",
                                           "start_time": "2025-03-09T12:00:00+00:00"}}),
    (RedditCursor, {"submissions": WALK, "comments": {"floor": None, "token": None, "top": None, "bottom": None},
                    "threads": {"t3_s1": {"created": 1741600000.0, "mark": {"value": 1741600100.0, "ids": ["c1"]}}}}),
    (MastodonCursor, {"tags": {"acme": {"min_id": "AQWfhEVc9pNfiLcNYu", "recent": ["https://x.example/1"]}},
                      "search": {"acme": WALK, "acme phone": None}}),
    (BlueskyCursor, {"walk": WALK}),
    (HackerNewsCursor, {"queries": {"acme phone": {**WALK, "token": [1741600000, 2]}}}),
    (RssCursor, {"feeds": {"sha256:ab": {"etag": '"v1"', "modified": None, "seen": ["id-1", "id-2"]}}}),
    (ReplayCursor, {"last": ["2025-03-01T02:00:00+00:00", "x-2"], "pos": 2}),
]


@pytest.mark.parametrize(("model", "stored"), STORED, ids=[f"{m.__name__}-{n}" for n, (m, _) in enumerate(STORED)])
def test_a_stored_cursor_reads_back_unchanged(model, stored):
    state = model.load(stored)
    assert state.dump() == stored
    assert state.dump() is not state.dump()  # each batch gets its own document


def test_no_cursor_is_a_first_run():
    assert XCursor.load(None) == XCursor() and XCursor.load({}).dump() == {"since_id": None, "walk": None}
    assert ReplayCursor.load(None).dump() == {}


def test_an_unreadable_cursor_starts_afresh_and_says_so(caplog):
    with caplog.at_level(logging.WARNING, logger="listeners"):
        state = XCursor.load({"since_id": None, "walk": {"endpoint": "everything"}})
    assert state == XCursor()
    assert "XCursor: unreadable stored cursor, starting afresh" in caplog.text
