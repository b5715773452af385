"""The brand's own accounts' replies (`BrandQuery.accounts`), read by each listener from recorded
responses served on loopback to the real client library: every reply is kept whatever the brand's
filter says, marked `from_brand`, and names the post it answers (`parent_id`) and its thread in the
same form the source's other mentions use, so the response inbox can link it to the customer's case.
Each fixture's origin is in tests/fixtures/<source>/README.md; what a test derives, it says."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

from replay_kit import recorded

from brandpulse.listeners import bluesky, mastodon, reddit, x
from brandpulse.listeners.query import BrandQuery
from tests.support.clock import ManualClock


def mentions_of(batches):
    return [m for batch in batches for m in batch.mentions]


# -- X: recent search for ``from:<account> is:reply`` --------------------------------------------------

X_SEARCH = "/2/tweets/search/recent"


def test_x_reads_the_accounts_replies_with_their_parent_and_conversation(server):
    """twitter-dart's recorded search with every field: a reply names its parent in
    ``referenced_tweets``, another its conversation; the brand's own words match no term of its."""
    replies = recorded("x", "dart_search_recent_with_various_fields.json")["body"]

    def search(req):
        return replies if req.arg("query") == "from:TwitterDev is:reply" else {"meta": {"result_count": 0}}

    server.route("GET", X_SEARCH, search)
    clock = ManualClock(datetime(2021, 3, 20, tzinfo=UTC))
    query = BrandQuery("Twitter", terms=("nothing-like-this",), accounts=("@TwitterDev",))
    listener = x.create(x.Settings(bearer_token="token", page_size=10), base_url=server.url, clock=clock,
                        sleep=clock.sleep)
    batches = list(listener.fetch(query, None))
    found = {m.external_id: m for m in mentions_of(batches)}
    assert len(found) == 6 and all(m.from_brand and m.brand == "Twitter" for m in found.values())
    answer = found["1367519323925843968"]
    assert (answer.parent_id, answer.thread_id) == ("1242125486844604425", None)  # as a customer's reply would
    in_thread = found["1373001119480344583"]
    assert (in_thread.parent_id, in_thread.thread_id) == (None, "1050118621198921728")
    assert batches[-1].cursor["replies"]["since_id"] == "1373001119480344583"
    assert batches[-1].cursor["since_id"] is None  # the brand's own search has its own position

    list(listener.fetch(query, batches[-1].cursor))
    assert [call.arg("since_id") for call in server.calls(X_SEARCH)][-1] == "1373001119480344583"


def test_x_without_accounts_sends_no_replies_search(server):
    server.route("GET", X_SEARCH, {"meta": {"result_count": 0}})
    clock = ManualClock(datetime(2021, 3, 20, tzinfo=UTC))
    listener = x.create(x.Settings(bearer_token="token"), base_url=server.url, clock=clock, sleep=clock.sleep)
    batches = list(listener.fetch(BrandQuery("Twitter", terms=("twitter",)), None))
    assert [call.arg("query") for call in server.calls(X_SEARCH)] == ["twitter -is:retweet"]
    assert "replies" not in batches[-1].cursor


# -- Reddit: the account's comment listing ---------------------------------------------------------------

def test_reddit_reads_the_accounts_comments_with_their_parent_and_submission(server):
    """The recorded r/all comment listing's comment by PoliticsModeratorBot, served as that
    account's own listing (``/user/<name>/comments``)."""
    listing = copy.deepcopy(recorded("reddit", "praw_r_all_comments.json")["body"])
    listing["data"]["children"] = [c for c in listing["data"]["children"]
                                   if c["data"]["author"] == "PoliticsModeratorBot"]
    listing["data"]["after"] = None
    server.route("POST", "/api/v1/access_token", {"access_token": "tok", "token_type": "bearer",
                                                 "expires_in": 86400, "scope": "*"})
    server.route("GET", r"/user/PoliticsModeratorBot/comments/?", listing)
    clock = ManualClock(datetime(2016, 12, 22, 3, 0, tzinfo=UTC))
    settings = reddit.Settings(client_id="id", client_secret="secret", submissions=False, comment_stream=False,
                               thread_comments="off")
    listener = reddit.create(settings, base_url=server.url, clock=clock, sleep=clock.sleep)
    query = BrandQuery("Politics", terms=("nothing-like-this",), accounts=("PoliticsModeratorBot",))
    batches = list(listener.fetch(query, None))
    [answer] = mentions_of(batches)
    assert (answer.external_id, answer.parent_id, answer.thread_id) == ("t1_dbhn119", "t3_5jo0z2", "t3_5jo0z2")
    assert answer.from_brand and answer.matched_query == "account:PoliticsModeratorBot"
    assert server.calls(r"/user/PoliticsModeratorBot/comments/?")[0].arg("sort") == "new"
    assert "PoliticsModeratorBot" in batches[-1].cursor["accounts"]
    assert mentions_of(listener.fetch(query, batches[-1].cursor)) == []  # the walk's floor covers it now


# -- Mastodon: the account's statuses, each reply's context ------------------------------------------------

def mastodon_routes(server, statuses, parent):
    account = statuses[0]["account"]
    server.route("GET", "/api/v1/instance/?", {"uri": "localhost:3000", "version": "4.0.2"})
    server.route("GET", "/api/v2/instance/?", {"domain": "localhost:3000", "version": "4.0.2"})
    server.route("GET", "/api/v1/accounts/lookup/?", account)
    server.route("GET", rf"/api/v1/accounts/{account['id']}/statuses/?", statuses)
    # derived: the context Mastodon gives for the reply, built from the recorded parent status
    server.route("GET", r"/api/v1/statuses/\d+/context/?", {"ancestors": [parent], "descendants": []})


def test_mastodon_reads_the_accounts_replies_with_their_parents_uri(server):
    """Mastodon.py's recorded reply and the status it answers, as the account's statuses: the reply
    names its parent by local id only, so the listener asks for its context and stores the
    parent's URI (a status's external id) and the thread's root."""
    answer = recorded("mastodon", "mastodonpy_in_reply_to.json")["body"]
    parent = recorded("mastodon", "mastodonpy_in_reply_to_parent.json")["body"]
    mastodon_routes(server, [answer, parent], parent)
    clock = ManualClock(datetime(2022, 12, 1, 20, 0, tzinfo=UTC))
    settings = mastodon.Settings(access_token="token", search=False, derive_hashtags=False)
    listener = mastodon.create(settings, base_url=server.url, clock=clock, sleep=clock.sleep)
    query = BrandQuery("Toot", terms=("nothing-like-this",), accounts=("mastodonpy_test@localhost",))
    batches = list(listener.fetch(query, None))
    [mention] = mentions_of(batches)  # its top-level status is no reply: left out
    assert (mention.external_id, mention.text, mention.from_brand) == (answer["uri"], "Reply!", True)
    assert mention.parent_id == parent["uri"] and mention.thread_id == parent["uri"]
    assert server.calls(r"/api/v1/accounts/lookup/?")[0].arg("acct") == "mastodonpy_test@localhost"
    assert batches[-1].cursor["accounts"]["mastodonpy_test@localhost"] == {
        "id": answer["account"]["id"], "min_id": answer["id"]}

    list(listener.fetch(query, batches[-1].cursor))
    assert len(server.calls(r"/api/v1/accounts/lookup/?")) == 1  # the id is kept in the cursor
    assert server.calls(rf"/api/v1/accounts/{answer['account']['id']}/statuses/?")[-1].arg("min_id") == answer["id"]


# -- Bluesky: the account's author feed, replies included --------------------------------------------------

def test_bluesky_reads_the_accounts_replies_from_its_author_feed(server):
    """Derived: the recorded test.marshal.dev post given a ``record.reply`` to the recorded
    raven.corvids.club post and some words (no public recording of an author feed with a reply was
    found); beside it the recorded raven post as a repost and as a top-level post, both left out."""
    raven = recorded("bluesky", "atproto_post_with_embed_media.json")["body"]["posts"][0]
    answer = copy.deepcopy(recorded("bluesky", "atproto_thread_view_post_with_embed_media.json")["body"]["posts"][0])
    target = {"uri": raven["uri"], "cid": raven["cid"]}
    answer["record"].update(text="Sorry about that, we sent you a DM", reply={"root": target, "parent": target})
    own_post = copy.deepcopy(answer)
    own_post["record"].pop("reply")
    own_post["uri"] += "x"
    feed = [{"post": answer}, {"post": own_post},
            {"post": raven, "reason": {"$type": "app.bsky.feed.defs#reasonRepost", "by": answer["author"],
                                       "indexedAt": answer["indexedAt"]}}]
    server.route("GET", "/xrpc/app.bsky.feed.searchPosts", {"posts": []})
    server.route("GET", "/xrpc/app.bsky.feed.getAuthorFeed", {"feed": feed})
    clock = ManualClock(datetime(2023, 9, 29, tzinfo=UTC))
    listener = bluesky.create(bluesky.Settings(lookback=timedelta(days=30)), base_url=server.url, clock=clock,
                              sleep=clock.sleep)
    query = BrandQuery("Corvids", terms=("nothing-like-this",), accounts=("test.marshal.dev",))
    batches = list(listener.fetch(query, None))
    [mention] = mentions_of(batches)
    assert (mention.external_id, mention.parent_id, mention.thread_id) == (answer["uri"], raven["uri"], raven["uri"])
    assert mention.from_brand and mention.text == "Sorry about that, we sent you a DM"
    call = server.calls("/xrpc/app.bsky.feed.getAuthorFeed")[0]
    assert (call.arg("actor"), call.arg("filter")) == ("test.marshal.dev", "posts_with_replies")
    assert batches[-1].stats.filtered == 2
    assert mentions_of(listener.fetch(query, batches[-1].cursor)) == []  # the floor covers it now
