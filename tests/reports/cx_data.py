"""Customer-experience data on top of the reports' dataset (conftest.seed): tagged Lumora posts scored
with emotions in both periods, and three cases with the brand's replies.

    previous period (February)      window (March, START..END)
    delivery x purchase: 1 neg, 1 pos   delivery x purchase: 8 neg (5 angry), 1 pos   <- moved most
    price x consideration: 3 neutral    price x consideration: 2 neutral
                                        customer_service x support: 3 neg (none angry)

Cases (opened in the window; targets: angry 4h, negative 24h): dana's angry delivery post answered by
@LumoraHelp after 30 minutes (within SLA), eli's negative delivery post on reddit answered after 30 h
(late), fay's customer-service post unanswered (late by the clock the tests use, END - 1h).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from brandpulse.listeners.records import Mention
from brandpulse.sentiment.records import Sentiment, Tags
from brandpulse.storage.cases import add_customer_post, candidates, link_reply
from brandpulse.storage.mentions import store_mentions
from brandpulse.storage.schema import mentions
from brandpulse.storage.scoring import save_scores
from brandpulse.storage.tags import save_tags
from tests.reports.conftest import MODEL, START

TARGETS = {"urgent": timedelta(hours=1), "angry": timedelta(hours=4), "negative": timedelta(hours=24)}
HOUR = timedelta(hours=1)
BEFORE = START - timedelta(days=28)


def scored(label: str, anger: float) -> Sentiment:
    rest = (1 - anger) / 3
    return Sentiment.from_probabilities({"negative": 0.1, "neutral": 0.1, "positive": 0.1} | {label: 0.8}, MODEL,
                                        {"anger": anger, "joy": rest, "optimism": rest, "sadness": rest})


def _post(key: str, when, text: str, **fields) -> Mention:
    return Mention(source=fields.pop("source", "x"), external_id=f"cx-{key}", text=text, brand="Lumora",
                   created_at=when, url=f"https://example.test/cx/{key}", language="en", **fields)


def seed_cx(engine) -> dict:
    """Store the CX posts, tags and cases; returns the case ids by customer."""
    posts: list[tuple[Mention, Sentiment | None, Tags | None]] = []
    delivery, price = Tags("delivery", "purchase", 0.9, 0.9), Tags("price", "consideration", 0.8, 0.8)
    service = Tags("customer_service", "support", 0.8, 0.8)
    posts += [(_post("b-neg", BEFORE + timedelta(days=3), "Lumora parcel a day late"), scored("negative", 0.1),
               delivery),
              (_post("b-pos", BEFORE + timedelta(days=4), "Lumora delivered fast"), scored("positive", 0.0), delivery)]
    posts += [(_post(f"b-price{i}", BEFORE + timedelta(days=5 + i), f"Is Lumora worth the price {i}?"),
               scored("neutral", 0.0), price) for i in range(3)]
    posts += [(_post("dana", START + timedelta(days=2), "@Lumora where is my parcel?! Third week waiting, furious",
                     author_handle="dana_k", author_reach=900), scored("negative", 0.9), delivery),
              (_post("eli", START + timedelta(days=10), "Lumora courier left my order in the rain", source="reddit",
                     author_handle="eli_r", author_reach=300), scored("negative", 0.2), delivery),
              (_post("fay", START + timedelta(days=20), "Lumora support never answers my emails",
                     author_handle="fay_m", author_reach=50), scored("negative", 0.1), service)]
    posts += [(_post(f"late{i}", START + timedelta(days=3 + i), f"Lumora delivery late again {i}",
                     author_handle=f"late{i}", author_reach=20 + i), scored("negative", 0.8 if i < 4 else 0.2),
               delivery) for i in range(6)]
    posts += [(_post("thanks", START + timedelta(days=12), "Lumora came early, thanks"), scored("positive", 0.0),
               delivery)]
    posts += [(_post(f"svc{i}", START + timedelta(days=21 + i), f"Lumora chat support useless {i}"),
               scored("negative", 0.1), service) for i in range(2)]
    posts += [(_post(f"price{i}", START + timedelta(days=6 + i), f"Lumora price question {i}"), scored("neutral", 0.0),
               price) for i in range(2)]
    replies = [_post("r-dana", START + timedelta(days=2) + HOUR / 2, "@dana_k so sorry, a new parcel is on its way",
                     author_handle="LumoraHelp", parent_id="cx-dana"),
               _post("r-eli", START + timedelta(days=10) + 30 * HOUR, "@eli_r sorry about that, refund sent",
                     source="reddit", author_handle="LumoraHelp", parent_id="cx-eli")]
    with engine.begin() as connection:
        store_mentions(connection, "Lumora", [mention for mention, _, _ in posts] + replies)
        ids = dict(connection.execute(select(mentions.c.external_id, mentions.c.id)
                                      .where(mentions.c.external_id.like("cx-%"))).all())
        save_scores(connection, [(ids[m.external_id], score) for m, score, _ in posts])
        save_tags(connection, [(ids[m.external_id], tags) for m, _, tags in posts], "cx-tags@test", START)
        by_id = {c.external_id: c for c in candidates(connection, list(ids.values()), MODEL)}
        cases = {name: add_customer_post(connection, by_id[f"cx-{name}"], severity, by_id[f"cx-{name}"].created_at)
                 for name, severity in (("dana", "angry"), ("eli", "negative"), ("fay", "negative"))}
        for reply in ("r-dana", "r-eli"):
            link_reply(connection, by_id[f"cx-{reply}"], by_id[f"cx-{reply}"].created_at)
    return cases
