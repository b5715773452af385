"""An urgent mention's way from scoring to on-call, through the database: a post with a crisis term is
collected, scored, and paged at once (the urgent route has no group wait) to a webhook, a real HTTP
server on 127.0.0.1, with the post's link and author. Scoring it again (a new model) does not page
again, nor does re-scoring it once it is old. Every
tick opens a fresh runtime, as a restarted process would."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from brandpulse import jobs
from brandpulse.sentiment.records import Sentiment
from brandpulse.sentiment.standin import StandInScorer
from tests.brandpulse.conftest import START

CRISIS_AT = START + timedelta(hours=2)
POST_URL = "https://x.com/dana_k/status/4242"


class NewModel(StandInScorer):
    """The stand-in's scores under another model id, as a model upgrade would bring."""

    model_id = "standin-lexicon@2"

    def score(self, texts: Sequence[str]) -> list[Sentiment]:
        return [replace(result, model_id=self.model_id) for result in super().score(texts)]


class NewerModel(NewModel):
    model_id = "standin-lexicon@3"


def write_mentions_with_one_crisis(path: Path) -> None:
    """Two hours of ordinary mentions (some complaints, none urgent), then a heater that caught fire."""
    ordinary = [json.dumps({"source": "x", "external_id": str(1000 + i), "brand": "Lumora",
                            "text": "Lumora Halo is awful" if i % 3 == 0 else "Lumora Halo arrived",
                            "created_at": (START + i * timedelta(minutes=10)).isoformat(),
                            "author_handle": f"user{i}", "author_reach": 10}) for i in range(12)]
    crisis = json.dumps({"source": "x", "external_id": "4242", "brand": "Lumora", "url": POST_URL,
                         "text": "My Lumora Halo caught fire on the desk. Awful.", "created_at": CRISIS_AT.isoformat(),
                         "author_handle": "dana_k", "author_reach": 85})
    path.write_text("\n".join([*ordinary, crisis]) + "\n", encoding="utf-8")


def alerts_config(receiver_url: str) -> str:
    return f"""\
        alerts:
          route:
            receiver: oncall
            group_by: [alertname, brand]
            group_wait: 30s
            routes:
              - matchers: ['kind="urgent"']
                group_wait: 0s
          receivers:
            - name: oncall
              webhook:
                url: {receiver_url}
        """


def test_a_crisis_mention_is_paged_at_once_with_its_post_and_author_and_only_once(make_runtime, tmp_path,
                                                                                   http_server):
    stream = tmp_path / "stream.jsonl"
    write_mentions_with_one_crisis(stream)

    def tick(now: datetime, *, scorer: StandInScorer | None = None, rescore: bool = False) -> dict:
        runtime = make_runtime(stream, page_size=50, clock=lambda: now, scorer=scorer or StandInScorer(),
                               extra=alerts_config(f"{http_server.url}/page"))
        jobs.collect(runtime, "replay")
        scored = jobs.score(runtime, rescore=rescore)
        jobs.send(runtime)
        runtime.close()
        return scored

    before = tick(CRISIS_AT - timedelta(minutes=1))         # complaints, but nothing urgent
    assert before["negative"] == 4 and before["urgent"] == 0
    assert http_server.requests == []

    scored = tick(CRISIS_AT + timedelta(minutes=2))         # scored and sent in the same tick
    assert (scored["scored"], scored["urgent"]) == (1, 1)
    [request] = http_server.requests
    body = request.json()
    [alert] = body["alerts"]
    assert (body["status"], alert["labels"]["alertname"], alert["labels"]["kind"]) == ("firing", "UrgentMention",
                                                                                       "urgent")
    assert alert["labels"]["mention"].endswith(":4242") and alert["labels"]["severity"] == "critical"
    assert alert["annotations"]["summary"] == "Urgent mention of Lumora by dana_k: crisis terms: caught fire"
    assert alert["annotations"]["description"] == "My Lumora Halo caught fire on the desk. Awful."
    [top] = alert["topMentions"]
    assert (top["url"], top["author"], top["reach"]) == (POST_URL, "dana_k", 85)

    rescored = tick(CRISIS_AT + timedelta(minutes=10), scorer=NewModel(), rescore=True)   # a new model
    assert (rescored["scored"], rescored["urgent"]) == (13, 1)
    tick(CRISIS_AT + timedelta(minutes=20), scorer=NewModel())
    assert len(http_server.requests) == 1, "the urgent alert is still firing: scoring it again does not page"

    later = tick(CRISIS_AT + timedelta(days=2), scorer=NewerModel(), rescore=True)   # history, re-scored
    assert (later["scored"], later["urgent"]) == (13, 0)
    statuses = [request.json()["status"] for request in http_server.requests]
    assert statuses == ["firing", "resolved"], "the page lapsed after urgent.ttl; an old post does not page again"
