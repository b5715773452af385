"""Wiring of the customer-experience loop: cases (and the tag queue) after each scored batch, the
`tag` job, and the `respond` job's SLA check. The rules live in `sentiment.touchpoints`, `alerts.sla`
and `storage.cases`."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from brandpulse import alerting
from brandpulse.alerts.sla import case_severity
from brandpulse.alerts.sla import check as check_sla
from brandpulse.config import BrandConfig
from brandpulse.runtime import Runtime
from brandpulse.sentiment.touchpoints import TagClassifier
from brandpulse.storage.cases import (
    Candidate,
    add_customer_post,
    add_follow_up,
    candidates,
    cases_for_sla,
    customers_with_open_cases,
    link_reply,
    lock_customers,
    stored_replies,
)
from brandpulse.storage.tags import claim_untagged, queue_for_tags, save_tags

_classifiers: dict[tuple[int, int], tuple[Any, Any, TagClassifier]] = {}
_classifiers_lock = threading.Lock()


def classifier(runtime: Runtime, scorer: Any) -> TagClassifier | None:
    """The configured tag classifier on `scorer`'s embeddings (built once per scorer and config), or
    None when tags are off or the scorer gives no embeddings (a stand-in scorer)."""
    settings = runtime.config.cx.tags
    if not settings.enabled or not callable(getattr(scorer, "embed", None)):
        return None
    key = (id(scorer), id(settings))
    with _classifiers_lock:
        if key not in _classifiers:  # the scorer and settings are kept, so their ids stay theirs
            _classifiers[key] = (scorer, settings, settings.classifier(scorer.embed))
        return _classifiers[key][2]


def after_scoring(runtime: Runtime, scorer: Any, mention_ids: Sequence[int]) -> Counter[str]:
    """Queue the newly scored mentions for tags, then open or extend cases from those that need an
    answer and link the brand's replies among them."""
    counts: Counter[str] = Counter()
    inbox = _Inbox(runtime, runtime.clock())
    with runtime.engine.begin() as connection:
        if classifier(runtime, scorer) is not None:
            counts["queued_for_tags"] += queue_for_tags(connection, mention_ids)
        posts = candidates(connection, mention_ids, scorer.model_id)
        lock_customers(connection, [post for post in posts if post.brand])
        inbox.with_open_cases = customers_with_open_cases(connection, posts)
        for post in posts:
            counts.update(inbox.take(connection, post))
    return counts


def tag(runtime: Runtime, progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Tag queued mentions batch by batch (a batch's claim, on PostgreSQL, is held while it is tagged)."""
    scorer = runtime.scorer()
    tagger = classifier(runtime, scorer)
    if tagger is None:
        return {"tagged": 0}
    size = runtime.config.schedule.score_batch_size
    tagged = 0
    while not runtime.stop.is_set():
        with runtime.engine.begin() as connection:
            tasks = claim_untagged(connection, size)
            if not tasks:
                break
            labels = tagger.tag([task.text for task in tasks])
            save_tags(connection, [(task.mention_id, tags) for task, tags in zip(tasks, labels, strict=True)],
                      tagger.identity, runtime.clock())
        tagged += len(tasks)
        if progress:
            progress(len(tasks))
    return {"tagged": tagged}


class _Inbox:
    """Sorts one scored batch's posts: brand replies, posts that need an answer, follow-ups."""

    def __init__(self, runtime: Runtime, now: datetime) -> None:
        self.config = runtime.config
        self.now = now
        self.brands = {brand.name: brand for brand in self.config.brands}
        self.accounts = {(source, handle.lstrip("@").casefold()) for brand in self.config.brands
                         for source, handles in brand.accounts.items() for handle in handles}
        self.with_open_cases: set[tuple[str, str, str]] = set()

    def take(self, connection: Connection, post: Candidate) -> Counter[str]:
        # a post linked to no brand is one of a brand's own, stored unlinked by the collect job
        if post.brand is None or (post.author and (post.source, post.author.lstrip("@").casefold()) in self.accounts):
            return Counter(replies=1) if link_reply(connection, post, self.now) is not None else Counter()
        brand = self.brands.get(post.brand or "")
        if brand is None or not brand.cases:
            return Counter()
        severity = case_severity(post, self.config.cx.cases, self.config.alerts.urgent, self.now)
        if severity is None:
            if (brand.name, post.source, post.customer) not in self.with_open_cases:
                return Counter()
            return Counter(follow_ups=1) if add_follow_up(connection, post, self.now) is not None else Counter()
        case_id = add_customer_post(connection, post, severity, self.now)
        self.with_open_cases.add((brand.name, post.source, post.customer))
        return Counter(case_posts=1, replies=self._link_stored_replies(connection, brand, case_id, post))

    def _link_stored_replies(self, connection: Connection, brand: BrandConfig, case_id: int, post: Candidate) -> int:
        """Replies collected before the post they answer was scored."""
        ids = stored_replies(connection, case_id, brand.accounts.get(post.source, []))
        replies = {reply.mention_id: reply for reply in candidates(connection, ids, "")}
        return sum(link_reply(connection, replies[i], self.now) is not None for i in ids)


def respond(runtime: Runtime) -> dict[str, Any]:
    """Route SLA alerts: firing for cases waiting past their target, resolved for those answered since."""
    sla = runtime.config.cx.sla
    now = runtime.clock()
    with runtime.engine.connect() as connection:
        records = cases_for_sla(connection, answered_since=now - max(sla.ttl, timedelta(hours=1)))
    alerts = check_sla(records, sla, now)
    queued = alerting.page_urgent(runtime, alerts)
    firing = sum(alert.status == "firing" for alert in alerts)
    return {"cases_checked": len(records), "sla_firing": firing, "sla_answered_late": len(alerts) - firing,
            "notifications": queued}
