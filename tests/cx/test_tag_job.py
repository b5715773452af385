"""The tag job through the database, on SQLite and PostgreSQL: scoring queues each batch for tags, the
tag job drains the queue, and a case opened before its post was tagged takes the post's tags.

The scorer is the stand-in lexicon scorer with `bag_of_words` embeddings (tests/cx/test_tagging.py),
and the taxonomy is configured with a few words per label, so the expected tags can be read off the texts."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from brandpulse import jobs
from brandpulse.listeners.records import Mention
from brandpulse.sentiment.standin import StandInScorer
from brandpulse.storage.cases import list_cases
from brandpulse.storage.mentions import store_mentions
from brandpulse.storage.schema import mention_tags
from brandpulse.storage.tags import tag_backlog
from tests.brandpulse.conftest import START, make_runtime, write_stream  # noqa: F401 (make_runtime: a fixture)
from tests.cx.test_tagging import bag_of_words

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


def test_the_tag_job_tags_what_scoring_queued_and_the_cases_it_opened(make_runtime, tmp_path):  # noqa: F811
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
