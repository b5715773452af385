"""End to end, on SQLite and PostgreSQL: the Mastodon listener collects a customer's complaint from a
hashtag timeline and the brand account's reply from the account's own statuses (Mastodon.py's
recorded reply and the status it answers, served on loopback), the collect job stores the reply as
the brand's own post, the stand-in scorer scores both, and the reply answers the customer's case
with its first-response time, while it never counts as a mention of the brand."""

from __future__ import annotations

import copy
import json
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from brandpulse import jobs
from brandpulse.config import load_config
from brandpulse.listeners.base import parse_time
from brandpulse.runtime import Runtime
from brandpulse.sentiment.standin import StandInScorer
from brandpulse.storage.cases import case_posts, list_cases
from brandpulse.storage.queries import brand_totals
from tests.listeners.listeners_testkit import serving

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "mastodon"
NOW = datetime(2022, 12, 1, 20, 0, tzinfo=UTC)  # minutes after Mastodon.py recorded the statuses


def recorded(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))["body"]


@pytest.fixture
def server():
    with serving() as srv:
        yield srv


def serve(server) -> tuple[dict, dict]:
    """The recorded reply by mastodonpy_test, and the status it answers, derived into a customer's
    complaint: another account (dana) and words about Lumora in place of "Toot!"."""
    answer = recorded("mastodonpy_in_reply_to.json")
    complaint = copy.deepcopy(recorded("mastodonpy_in_reply_to_parent.json"))
    complaint["account"].update(id="1", username="dana", acct="dana", followers_count=120)
    complaint.update(content="<p>My <a href=\"#\">#Lumora</a> earbuds arrived broken, awful support</p>",
                     language="en")
    server.route("GET", "/api/v1/instance/?", {"uri": "localhost:3000", "version": "4.0.2"})
    server.route("GET", "/api/v2/instance/?", {"domain": "localhost:3000", "version": "4.0.2"})
    server.route("GET", r"/api/v1/timelines/tag/Lumora/?", [complaint])
    server.route("GET", "/api/v1/accounts/lookup/?", answer["account"])
    server.route("GET", rf"/api/v1/accounts/{answer['account']['id']}/statuses/?", [answer])
    server.route("GET", r"/api/v1/statuses/\d+/context/?", {"ancestors": [complaint], "descendants": []})
    return complaint, answer


@pytest.fixture
def runtime(server, tmp_path, database_url):
    path = tmp_path / "brandpulse.yaml"
    path.write_text(textwrap.dedent(f"""\
        database: {database_url}
        brands:
          - name: Lumora
            terms: [Lumora]
            accounts: {{mastodon: ["@mastodonpy_test"]}}
        sources:
          mastodon:
            api_base_url: {server.url}
            search: false
        """), encoding="utf-8")
    runtime = Runtime.open(load_config(path), clock=lambda: NOW, _scorer=StandInScorer())
    yield runtime
    runtime.close()


def test_a_collected_brand_reply_answers_the_case_and_is_not_a_mention(server, runtime):
    complaint, answer = serve(server)
    counts = jobs.collect(runtime, "mastodon")
    assert (counts["new"], counts["own_posts"]) == (1, 1)  # the reply is stored, as the brand's own post
    scored = jobs.score(runtime)
    assert scored["scored"] == 2 and scored["case_posts"] == 1 and scored["replies"] == 1

    with runtime.engine.connect() as connection:
        [case] = list_cases(connection)
        posts = case_posts(connection, case.id)
        totals = brand_totals(connection, StandInScorer.model_id)
    assert (case.author, case.state, case.source) == ("dana", "waiting", "mastodon")
    assert case.opened_at == parse_time(complaint["created_at"])
    assert case.first_response_at == parse_time(answer["created_at"])  # 43 ms later, as recorded
    assert [(p.role, p.external_id) for p in posts] == [("customer", complaint["uri"]), ("reply", answer["uri"])]
    assert totals.set_index("brand").loc["Lumora", "mentions"] == 1  # the brand's reply is no customer voice

    again = jobs.collect(runtime, "mastodon")  # a replay stores nothing twice and links nothing twice
    assert again.get("new", 0) == 0
    with runtime.engine.connect() as connection:
        assert len(case_posts(connection, case.id)) == 2
