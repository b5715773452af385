"""The tag job through the database, on SQLite and PostgreSQL: scoring queues each batch for tags, the
tag job drains the queue, and a case opened before its post was tagged takes the post's tags.

The scorer is the stand-in lexicon scorer with `bag_of_words` embeddings (tests/support/embeddings.py),
and the taxonomy is configured with a few words per label, so the expected tags can be read off the texts;
(slow) the same with the shipped encoder and the default taxonomy, on SQLite."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from brandpulse import jobs
from brandpulse.config import load_config
from brandpulse.listeners.records import Mention
from brandpulse.runtime import Runtime
from brandpulse.sentiment.standin import StandInScorer
from brandpulse.sentiment.touchpoints import TagClassifier
from brandpulse.storage.cases import list_cases
from brandpulse.storage.mentions import store_mentions
from brandpulse.storage.schema import mention_tags
from brandpulse.storage.tags import tag_backlog
from tests.brandpulse.conftest import START, write_stream
from tests.support.embeddings import bag_of_words

TAXONOMY = """\
    cx:
      tags:
        touchpoints:
          delivery: [parcel courier late arrived]
          price: [price expensive fee cost]
        stages:
          purchase: [ordered order checkout]
          support: [help answer nobody]
    """


class EmbeddingStandIn(StandInScorer):
    def embed(self, texts):
        return bag_of_words(texts)


def test_the_tag_job_tags_what_scoring_queued_and_the_cases_it_opened(make_runtime, tmp_path):
    runtime = make_runtime(write_stream(tmp_path / "stream.jsonl", 0), extra=TAXONOMY, scorer=EmbeddingStandIn(),
                           clock=lambda: START + timedelta(hours=1))
    with runtime.engine.begin() as connection:
        store_mentions(connection, "Lumora", [
            Mention(source="x", external_id="1", brand="Lumora", author_handle="dana", created_at=START,
                    text="Lumora parcel never arrived, courier is awful and nobody will answer"),
            Mention(source="x", external_id="2", brand="Lumora", author_handle="eli", created_at=START,
                    text="Lumora price went up again, expensive fee")])
    assert jobs.score(runtime)["queued_for_tags"] == 2
    with runtime.engine.connect() as connection:
        assert tag_backlog(connection) == 2
        [case] = list_cases(connection)
    assert case.touchpoint is None  # opened before its post was tagged

    assert jobs.tag(runtime) == {"tagged": 2}
    with runtime.engine.connect() as connection:
        assert tag_backlog(connection) == 0
        tags = dict(connection.execute(select(mention_tags.c.touchpoint, mention_tags.c.stage)).all())
        [case] = list_cases(connection)
    assert set(tags) == {"delivery", "price"} and tags["delivery"] == "support"
    assert (case.author, case.touchpoint, case.stage) == ("dana", "delivery", "support")
    assert jobs.tag(runtime) == {"tagged": 0}


# ----------------------------------------------------------------------------------------------------
# With the shipped encoder (slow: loads the model)

@pytest.fixture(scope="module")
def scorer():
    from brandpulse import sentiment

    return sentiment.load_scorer()


@pytest.mark.slow
def test_scored_mentions_are_tagged_by_the_tag_job_and_so_are_their_cases(tmp_path, scorer):
    path = tmp_path / "brandpulse.yaml"
    path.write_text(f"database: sqlite:///{tmp_path / 'pulse.db'}\nbrands:\n  - name: Kivo\n    terms: [Kivo]\n",
                    encoding="utf-8")
    now = datetime.now(UTC)
    runtime = Runtime.open(load_config(path), _scorer=scorer)
    with runtime.engine.begin() as connection:
        store_mentions(connection, "Kivo", [
            Mention(source="x", external_id="1", brand="Kivo", author_handle="ana", created_at=now,
                    text="Kivo lleva tres días sin traerme el pedido y nadie contesta. Vergonzoso."),
            Mention(source="x", external_id="2", brand="Kivo", author_handle="ben", created_at=now,
                    text="Kivo raised the delivery fee again, I'm cancelling my subscription")])
    assert jobs.score(runtime)["queued_for_tags"] == 2
    assert jobs.tag(runtime) == {"tagged": 2}
    with runtime.engine.connect() as connection:
        stored = connection.execute(mention_tags.select()).all()
        cases = list_cases(connection)
    runtime.close()
    assert {row.classifier for row in stored} == {TagClassifier(scorer.embed).identity}
    assert any(case.author == "ana" and case.touchpoint == "delivery" for case in cases), cases
