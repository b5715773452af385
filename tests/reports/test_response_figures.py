"""Response figures from cases: rate, median and p90 first-response time, share within the SLA, per
group and period; and the feedback report's section built from stored cases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from brandpulse.listeners.records import Mention
from brandpulse.reports.cx import format_seconds, response_figures
from brandpulse.reports.feedback import build_report
from brandpulse.sentiment.records import Sentiment, Tags
from brandpulse.storage.cases import add_customer_post, candidates, link_reply
from brandpulse.storage.engine import open_database
from brandpulse.storage.mentions import store_mentions
from brandpulse.storage.schema import mentions
from brandpulse.storage.scoring import save_scores
from brandpulse.storage.tags import save_tags

MONDAY = datetime(2026, 3, 2, tzinfo=UTC)
TARGETS = {"urgent": timedelta(hours=1), "negative": timedelta(hours=24)}
HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class Case:
    opened_at: datetime
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    severity: str = "negative"
    source: str = "x"
    touchpoint: str | None = "delivery"
    brand: str = "Lumora"


def answered_after(hours: float, **fields) -> Case:
    return Case(opened_at=MONDAY, first_response_at=MONDAY + timedelta(hours=hours), **fields)


def test_rate_median_p90_and_sla_share_per_source():
    cases = [answered_after(h) for h in (1, 2, 3, 4, 30)] + [Case(opened_at=MONDAY)]
    cases.append(answered_after(0.5, source="reddit", severity="urgent"))
    rows = {row.group: row for row in response_figures(cases, TARGETS, MONDAY + timedelta(days=3), by="source")}
    x = rows["x"]
    assert (x.cases, x.answered, round(x.response_rate, 3)) == (6, 5, 0.833)
    assert x.median_first_response_s == 3 * 3600
    assert x.p90_first_response_s == (4 + 0.6 * 26) * 3600  # numpy's linear interpolation between 4 h and 30 h
    assert x.within_sla == 4 / 6  # 30 h is late, and the unanswered case is past its 24 h
    assert rows["reddit"].within_sla == 1.0


def test_a_case_still_inside_its_target_is_not_yet_counted_against_the_sla():
    [row] = response_figures([Case(opened_at=MONDAY), answered_after(2)], TARGETS, MONDAY + 3 * HOUR)
    assert (row.response_rate, row.within_sla) == (0.5, 1.0)


def test_periods_and_touchpoints():
    cases = [answered_after(1, touchpoint="price"), Case(opened_at=MONDAY + timedelta(days=8), touchpoint=None)]
    rows = response_figures(cases, TARGETS, MONDAY + timedelta(days=20), by="touchpoint", every="week")
    assert [(r.period, r.group, r.cases) for r in rows] == [("2026-03-02", "price", 1), ("2026-03-09", "untagged", 1)]
    assert format_seconds(5400) == "1.5h" and format_seconds(None) == "-"


def test_the_feedback_report_shows_responses_by_source_and_touchpoint(tmp_path):
    engine = open_database(f"sqlite:///{tmp_path / 'pulse.db'}")
    posts = [Mention(source="x", external_id="1", text="my Lumora parcel is lost", brand="Lumora",
                     author_handle="dana_k", created_at=MONDAY + HOUR),
             Mention(source="x", external_id="2", text="Sorry, sending a new one", brand="Lumora",
                     author_handle="LumoraHelp", created_at=MONDAY + 3 * HOUR, parent_id="1")]
    negative = Sentiment.from_probabilities({"negative": 0.9, "neutral": 0.05, "positive": 0.05}, "m1")
    with engine.begin() as connection:
        store_mentions(connection, "Lumora", posts)
        ids = connection.execute(select(mentions.c.id).order_by(mentions.c.id)).scalars().all()
        save_scores(connection, [(ids[0], negative)])
        save_tags(connection, [(ids[0], Tags("delivery", "purchase", 0.9, 0.8))], "cx-tags@test", MONDAY)
        complaint, reply = candidates(connection, ids, "m1")
        add_customer_post(connection, complaint, "negative", MONDAY + HOUR)
        link_reply(connection, reply, MONDAY + 3 * HOUR)
    document = build_report(engine, "Lumora", MONDAY, MONDAY + timedelta(days=7), model_id="m1", pdf=False,
                            response_targets=TARGETS, now=MONDAY + timedelta(days=7))
    engine.dispose()
    assert document.data.responses.by_touchpoint[0].group == "delivery"
    assert document.data.responses.by_source[0].median_first_response_s == 7200
    assert "Responses to customers" in document.html and "2.0h" in document.html
