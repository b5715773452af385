"""The `angry customer` urgent rule: anger x reach x recency (x 2 with crisis terms) pages on-call with
the post, its author, reach and link, through the same urgent path as the other urgent mentions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from brandpulse.alerts import urgent
from brandpulse.alerts.config import AlertsConfig, AngryCustomerConfig

NOW = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)


def angry(**fields):
    """A furious complaint posted at NOW by an author with 20,000 followers, scored strongly negative."""
    return {"id": "77", "source": "x", "brand": "acme", "text": "I am FURIOUS, three weeks and no refund",
            "url": "https://x.com/dana/status/77", "author": "@dana", "reach": 20_000, "score": -0.55,
            "anger": 0.92, "created_at": NOW} | fields


def test_an_angry_customer_with_reach_pages_with_post_author_reach_and_link():
    [alert] = urgent.check([angry()], AlertsConfig(), NOW)
    assert alert.labels["kind"] == "urgent" and alert.labels["mention"] == "x:77"
    assert "by @dana: angry customer (anger 0.92, reach 20,000): urgency 0.92" in alert.annotations["summary"]
    [post] = alert.context["top_mentions"]
    assert post == {"text": angry()["text"], "url": "https://x.com/dana/status/77", "author": "@dana",
                    "reach": 20_000, "score": -0.55, "anger": 0.92}


@pytest.mark.parametrize(("change", "why"), [
    ({"anger": 0.4}, "not angry enough"),
    ({"score": 0.3}, "not negative"),
    ({"reach": 3}, "too few people saw it: log(4) / log(5001) = 0.16"),
    ({"reach": 1_300, "anger": 0.98}, "1,300 followers: 0.98 x 0.84 is the inbox's, not the pager's"),
    ({"created_at": NOW - timedelta(hours=12)}, "two half-lives old: x 0.25"),
    ({"anger": None}, "a model without emotions"),
])
def test_calm_small_or_stale_complaints_do_not_page(change, why):
    assert urgent.check([angry(**change)], AlertsConfig(), NOW) == [], why


def test_crisis_terms_double_the_urgency_of_a_small_angry_account():
    small = angry(reach=60, text="FURIOUS, three weeks and no refund")
    assert urgent.anger_urgency(urgent.as_mention(small), AngryCustomerConfig(), [], NOW) == pytest.approx(
        0.92 * 0.4827, abs=1e-3)
    assert urgent.check([small], AlertsConfig(), NOW) == []
    with_terms = angry(reach=60, text="FURIOUS: the charger caught fire and nobody answers")
    [alert] = urgent.check([with_terms], AlertsConfig(), NOW)
    assert "angry customer (anger 0.92, reach 60, crisis terms)" in alert.annotations["summary"]
    assert "crisis terms: caught fire" in alert.annotations["summary"]


def test_anger_is_read_from_a_sentiment_record_and_the_rule_can_be_tuned_or_off():
    # what a scorer returns: a Sentiment-like record with emotions; -0.5 is above the strongly-negative
    # rule's -0.6, so only anger can page it
    scored = SimpleNamespace(score=-0.5, emotions={"anger": 0.9, "joy": 0.03, "optimism": 0.02, "sadness": 0.05})
    record = angry(anger=None, score=None, sentiment=scored)
    assert urgent.as_mention(record).anger == 0.9 and urgent.as_mention(record).score == -0.5
    assert len(urgent.check([record], AlertsConfig(), NOW)) == 1
    strict = AlertsConfig.model_validate({"urgent": {"angry": {"threshold": 0.95}}})
    assert urgent.check([record], strict, NOW) == []
    off = AlertsConfig.model_validate({"urgent": {"angry": {"enabled": False}}})
    assert urgent.check([record], off, NOW) == []
