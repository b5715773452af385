"""The Reddit listener on listings recorded by praw's own test suite (tests/fixtures/reddit/README.md),
served on loopback to praw: comments without a permalink, and removed or deleted bodies."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest
from replay_kit import Ledger, recorded, reply

from brandpulse.listeners.query import BrandQuery
from brandpulse.listeners.reddit import Settings, create
from tests.support.clock import ManualClock

ID, SECRET = "client-id-1", "client-secret-XYZ"


def listener(server, clock, **overrides):
    settings = Settings(**{"client_id": ID, "client_secret": SECRET, "page_size": 25, **overrides})
    return create(settings, base_url=server.url, clock=clock, sleep=clock.sleep)


def token(server):
    server.route("POST", "/api/v1/access_token", {"access_token": "tok", "token_type": "bearer",
                                                 "expires_in": 86400, "scope": "*"})


def test_a_comment_without_permalink_gets_one_built_from_its_ids(server):
    token(server)
    server.route("GET", r"/r/AskReddit/comments/?", reply("reddit", "praw_info_comment_without_permalink.json"))
    clock = ManualClock(datetime(2017, 8, 29, 14, 0, tzinfo=UTC))
    reddit = listener(server, clock, subreddits=["AskReddit"], submissions=False, thread_comments="off")
    [mention] = [m for batch in reddit.fetch(BrandQuery("Evidence", terms=("evidence",)), None) for m in batch.mentions]
    assert mention.external_id == "t1_dma3mi5"
    assert mention.url == "https://www.reddit.com/r/AskReddit/comments/6wmniq/_/dma3mi5/"
    assert mention.thread_id == "t3_6wmniq" and mention.parent_id == "t1_dm9ldf0"


def thread_with(*comments):
    """The recorded thread of 52o2fl, its comment listing holding `comments` (t1 children)."""
    thread = copy.deepcopy(recorded("reddit", "praw_thread_52o2fl.json")["body"])
    thread[1]["data"]["children"] = list(comments)
    return thread


def removed(comment):
    """Derived from the recorded [deleted] comment: the body a moderator's removal leaves."""
    comment = copy.deepcopy(comment)
    comment["data"].update(id="d7ltvl1", name="t1_d7ltvl1", body="[removed]",
                           body_html='<div class="md"><p>[removed]</p>\n</div>')
    return comment


def test_removed_and_deleted_bodies_are_never_stored_as_text(server):
    token(server)
    submission = recorded("reddit", "praw_thread_52o2fl.json")["body"][0]
    deleted = recorded("reddit", "praw_info_deleted_comment.json")["body"]["data"]["children"][0]
    server.route("GET", r"/r/test/search/?", submission)
    server.route("GET", r"/comments/52o2fl/?", thread_with(deleted, removed(deleted)))
    clock = ManualClock(datetime(2016, 9, 14, 2, 0, tzinfo=UTC))
    reddit = listener(server, clock, subreddits=["test"], comment_stream=False, thread_comments="all")
    batches = list(reddit.fetch(BrandQuery("Test", terms=("test",)), None))
    mentions = [m for batch in batches for m in batch.mentions]
    assert [m.external_id for m in mentions] == ["t3_52o2fl"]  # the submission; neither comment
    assert all("[deleted]" not in m.text and "[removed]" not in m.text for m in mentions)
    assert sum(b.stats.filtered for b in batches) >= 2  # counted as left out, not as malformed
    assert sum(b.stats.skipped for b in batches) == 0


def test_a_removed_submission_body_leaves_its_title(server):
    token(server)
    submission = copy.deepcopy(recorded("reddit", "praw_thread_52o2fl.json")["body"][0])
    submission["data"]["children"][0]["data"]["selftext"] = "[removed]"  # derived, as above
    server.route("GET", r"/r/test/search/?", submission)
    server.route("GET", r"/comments/52o2fl/?", thread_with())
    clock = ManualClock(datetime(2016, 9, 14, 2, 0, tzinfo=UTC))
    reddit = listener(server, clock, subreddits=["test"], comment_stream=False)
    [mention] = [m for batch in reddit.fetch(BrandQuery("Bot", terms=("bot",)), None) for m in batch.mentions]
    assert mention.text == "testing define bot!"


SESSION = BrandQuery("Anything", terms=("the", "a", "i"))


@pytest.fixture
def ledger(database_url):
    store = Ledger(database_url, "reddit", SESSION)
    yield store
    store.close()


class Pages:
    """The recorded /r/all/comments listing, three comments a page, chained by `after`."""

    def __init__(self, server):
        self.children = copy.deepcopy(recorded("reddit", "praw_r_all_comments.json")["body"]["data"]["children"])
        server.route("GET", r"/r/all/comments/?", self.page)

    def page(self, req):
        names = [child["data"]["name"] for child in self.children]
        start = names.index(req.arg("after")) + 1 if req.arg("after") else 0
        chunk = self.children[start:start + int(req.arg("limit", "25"))]
        after = chunk[-1]["data"]["name"] if start + len(chunk) < len(self.children) else None
        return reply_listing(chunk, after)


def reply_listing(children, after):
    return {"kind": "Listing", "data": {"modhash": "", "children": children, "after": after, "before": None}}


def test_a_recorded_session_of_comments_in_one_second_loses_nothing_and_repeats_nothing(server, ledger):
    """Eight comments praw recorded, all created in the same second, paged three at a time; a
    crash after the first page; then one of them is deleted and re-read: nothing lost or repeated."""
    token(server)
    pages = Pages(server)
    clock = ManualClock(datetime(2016, 12, 22, 2, 20, tzinfo=UTC))

    def run(**options):
        reddit = listener(server, clock, subreddits=["all"], submissions=False, thread_comments="off",
                          page_size=3, **options)
        return reddit.fetch(SESSION, ledger.cursor())

    ledger.run(run(), crash_after=1)
    ledger.run(run())
    deleted = pages.children[3]["data"]
    deleted.update(body="[deleted]", author="[deleted]")
    ledger.run(run())

    expected = {f"t1_{c['data']['id']}" for c in recorded("reddit", "praw_r_all_comments.json")["body"]["data"][
        "children"] if SESSION.matches(c["data"]["body"])}
    assert ledger.ids() == expected and len(expected) >= 6
    assert ledger.repeated() == []
