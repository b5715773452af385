"""The response inbox through the database, on SQLite and PostgreSQL: scored mentions that need an
answer become one case per customer, the brand's replies answer them, people assign, comment and
resolve, and a case left waiting past its target fires an SLA alert that its answer resolves.

Scores come from the stand-in lexicon scorer ("awful", "broken", "worst" are negative), which gives
no embeddings, so these cases carry no tags (tests/brandpulse/test_tag_job.py covers tags); what
storage reads for the case rules is tested in tests/storage/test_cases.py."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from brandpulse import cases as cx
from brandpulse import jobs
from brandpulse.alerts.model import Notification
from brandpulse.listeners.records import Mention
from brandpulse.sentiment.standin import StandInScorer
from brandpulse.storage.cases import (
    CaseError,
    assign,
    case_history,
    case_posts,
    comment,
    get_case,
    list_cases,
    resolve,
)
from brandpulse.storage.mentions import store_mentions
from brandpulse.storage.schema import outbox
from tests.brandpulse.conftest import START, write_stream
from tests.support.clock import ManualClock

ACCOUNTS = "accounts: {x: ['@LumoraHelp']}"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def runtime(make_runtime, tmp_path, clock):
    return make_runtime(write_stream(tmp_path / "stream.jsonl", 0), brand=ACCOUNTS, clock=clock,
                        scorer=StandInScorer())


def post(external_id: str, text: str, author: str, minutes: float, *, parent: str | None = None,
         thread: str | None = None) -> Mention:
    return Mention(source="x", external_id=external_id, text=text, brand="Lumora", author_handle=author,
                   author_reach=120, created_at=START + timedelta(minutes=minutes), parent_id=parent,
                   thread_id=thread)


def collect_and_score(runtime, *posts: Mention) -> dict:
    with runtime.engine.begin() as connection:
        store_mentions(connection, "Lumora", list(posts))
    return jobs.score(runtime)


def only_case(runtime):
    with runtime.engine.connect() as connection:
        [case] = list_cases(connection, states=None)
        return case, case_posts(connection, case.id), case_history(connection, case.id)


def test_one_angry_customer_is_one_case_and_a_brand_reply_answers_it(runtime, clock):
    clock.now = START + timedelta(minutes=15)
    counts = collect_and_score(
        runtime,
        post("1", "Lumora Halo arrived broken, awful", "dana_k", 0, thread="1"),
        post("2", "@Lumora still broken, worst support", "dana_k", 10, thread="1"),
        post("3", "Lumora Halo arrived today", "eli", 12))
    assert counts["case_posts"] == 2
    case, posts, _ = only_case(runtime)
    assert (case.state, case.severity, case.author, case.source, case.opened_at) == \
        ("open", "negative", "dana_k", "x", START)
    assert [p.external_id for p in posts] == ["1", "2"]

    clock.now = START + timedelta(minutes=45)
    counts = collect_and_score(runtime, post("9", "So sorry Dana, we sent you a DM", "LumoraHelp", 40,
                                             parent="2", thread="1"))
    assert counts["replies"] == 1
    case, posts, history = only_case(runtime)
    assert (case.state, case.first_response_at) == ("waiting", START + timedelta(minutes=40))
    assert [(p.role, p.author) for p in posts][-1] == ("reply", "LumoraHelp")
    assert [event.kind for event in history] == ["opened", "customer", "reply"]

    clock.now = START + timedelta(hours=2)
    counts = collect_and_score(runtime, post("4", "any news on the replacement?", "dana_k", 100, thread="1"),
                               post("5", "Lumora speakers on sale today", "dana_k", 101, thread="77"))
    assert counts["follow_ups"] == 1  # a calm post in the case's thread joins it; one elsewhere does not
    case, posts, _ = only_case(runtime)
    assert case.state == "open" and [p.external_id for p in posts][-1] == "4"  # the case needs the brand again


def test_a_reply_collected_before_the_complaint_was_scored_still_answers_it(runtime, clock):
    clock.now = START + timedelta(hours=1)
    with runtime.engine.begin() as connection:  # both stored before any scoring run
        store_mentions(connection, "Lumora", [post("1", "Lumora charger is broken", "dana_k", 0),
                                              post("9", "DM us please", "LumoraHelp", 20, parent="1")])
    jobs.score(runtime)
    case, posts, _ = only_case(runtime)
    assert case.first_response_at == START + timedelta(minutes=20)
    assert [p.role for p in posts] == ["customer", "reply"]


def test_people_assign_comment_and_resolve_and_the_next_complaint_opens_a_new_case(runtime, clock):
    clock.now = START + timedelta(minutes=5)
    collect_and_score(runtime, post("1", "Lumora app is awful", "dana_k", 0))
    case, _, _ = only_case(runtime)
    with runtime.engine.begin() as connection:
        assign(connection, case.id, "sam", "lead", clock.now)
        comment(connection, case.id, "called her back", "sam", clock.now)
        resolve(connection, case.id, "sam", clock.now, "refund sent")
        with pytest.raises(CaseError, match="already resolved"):
            resolve(connection, case.id, "sam", clock.now)
        with pytest.raises(CaseError, match="no case 999"):
            comment(connection, 999, "hello", "sam", clock.now)
        resolved = get_case(connection, case.id)
        history = [(e.actor, e.kind, e.note) for e in case_history(connection, case.id)][1:]
    assert (resolved.state, resolved.assignee, resolved.resolved_at) == ("resolved", "sam", clock.now)
    assert history == [("lead", "assigned", "sam"), ("sam", "comment", "called her back"),
                       ("sam", "resolved", "refund sent")]

    collect_and_score(runtime, post("2", "Lumora app broken again", "dana_k", 30))
    with runtime.engine.connect() as connection:
        assert [c.state for c in list_cases(connection)] == ["open", "resolved"]


def test_a_brand_watched_but_not_answered_opens_no_cases(make_runtime, tmp_path, clock):
    runtime = make_runtime(write_stream(tmp_path / "stream.jsonl", 0), brand="cases: false", clock=clock,
                           scorer=StandInScorer())
    clock.now = START + timedelta(minutes=5)
    counts = collect_and_score(runtime, post("1", "Lumora order arrived broken, awful", "dana_k", 0))
    assert counts["scored"] == 1 and counts.get("case_posts", 0) == 0
    with runtime.engine.connect() as connection:
        assert list_cases(connection, states=None) == []


def test_a_case_waiting_past_its_target_fires_an_sla_alert_that_its_answer_resolves(runtime, clock):
    clock.now = START + timedelta(minutes=5)
    collect_and_score(runtime, post("1", "Lumora order arrived broken, awful", "dana_k", 0))

    clock.now = START + timedelta(hours=23)
    assert jobs.respond(runtime)["sla_firing"] == 0
    for minutes in (0, 1):  # the default route waits 30 s before a new group's first message
        clock.now = START + timedelta(hours=25, minutes=minutes)
        jobs.respond(runtime)
    assert [(n.status, n.alerts[0].labels["alertname"]) for n in notifications(runtime)] == [("firing", "ResponseSLA")]

    clock.now = START + timedelta(hours=26)
    collect_and_score(runtime, post("9", "Sorry! A new one is on its way", "LumoraHelp", 25 * 60 + 30, parent="1"))
    clock.now = START + timedelta(hours=26, minutes=10)
    assert cx.respond(runtime)["sla_answered_late"] == 1
    sent = notifications(runtime)
    assert [n.status for n in sent] == ["firing", "resolved"]
    assert "answered after 1d1h30m" in sent[1].alerts[0].annotations["summary"]


def notifications(runtime) -> list[Notification]:
    with runtime.engine.connect() as connection:
        rows = connection.execute(select(outbox.c.payload).order_by(outbox.c.created_at)).scalars().all()
    return [Notification.from_dict(row) for row in rows]
