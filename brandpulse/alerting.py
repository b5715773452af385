"""Wiring between stored data and the alerts package: series and message context in, state,
routing and outbox rows out, all in one transaction per evaluation."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import Connection

from brandpulse.alerts.backtest import Backtest, replay
from brandpulse.alerts.channels import build_all
from brandpulse.alerts.config import AlertsConfig
from brandpulse.alerts.engine import NARROWING_LABELS, series_labels
from brandpulse.alerts.engine import evaluate as evaluate_rules
from brandpulse.alerts.model import Alert
from brandpulse.alerts.outbox import DeliveryReport, deliver
from brandpulse.alerts.routing import Router
from brandpulse.reports.text import excluded_terms, rising_terms
from brandpulse.runtime import Runtime
from brandpulse.storage.alert_store import (
    SqlOutbox,
    enqueue_notifications,
    load_alert_book,
    load_routing_state,
    lock_alert_state,
    save_alert_book,
    save_routing_state,
)
from brandpulse.storage.queries import labelled_mentions, top_reached
from brandpulse.storage.series import brand_series, split_series
from brandpulse.storage.silences import load_acknowledgements, load_silences

#: In-process guard; `lock_alert_state` guards across processes.
_alert_state_lock = threading.Lock()
TOP_MENTIONS = 5
RISING_TERMS = 8


def message_context(runtime: Runtime, model_id: str, now: datetime) -> Callable[[dict[str, str]], dict[str, Any]]:
    """For a firing alert's labels: its brand's most-reached negative posts and the terms that rose."""
    window = runtime.config.alerts.bucket * 3
    brands = {brand.name: brand for brand in runtime.config.brands}

    def context(labels: dict[str, str]) -> dict[str, Any]:
        brand = labels.get("brand")
        if brand not in brands:
            return {}
        with runtime.engine.connect() as connection:
            top = top_reached(connection, model_id=model_id, brand=brand, start=now - window, end=now,
                              limit=TOP_MENTIONS)
            recent = labelled_mentions(connection, model_id=model_id, brand=brand, start=now - window, end=now)
            earlier = labelled_mentions(connection, model_id=model_id, brand=brand, start=now - 8 * window,
                                        end=now - window)
        config = brands[brand]
        exclude = excluded_terms([brand, *config.terms, *config.aliases, *config.handles, *config.hashtags])
        return {
            "top_mentions": [{"text": row["text"], "url": row["url"], "author": row["author_handle"],
                              "reach": int(row["reach"]), "score": float(row["score"])}
                             for row in top.to_dict("records")],
            "rising_terms": rising_terms(recent["text"], earlier["text"], exclude, RISING_TERMS),
        }

    return context


def _route_and_store(connection: Connection, runtime: Runtime, book: Any, extra: list[Alert],
                     now: datetime) -> int:
    router = Router(runtime.config.alerts)
    routing, notifications = router.process(
        [*book.alerts(), *extra], load_routing_state(connection), load_silences(connection, now), now,
        load_acknowledgements(connection, now))
    save_alert_book(connection, book, now)
    save_routing_state(connection, routing, now)
    return enqueue_notifications(connection, notifications, now)


def watched_series(connection: Connection, runtime: Runtime, model_id: str, start: datetime,
                   end: datetime, config: AlertsConfig | None = None) -> dict[Any, pd.DataFrame]:
    """Every brand's series, plus its per-source or per-language series when a rule (of ``config``,
    by default the runtime's alerts) names that label."""
    config = config or runtime.config.alerts
    brands = [brand.name for brand in runtime.config.brands]
    series: dict[Any, pd.DataFrame] = dict(brand_series(connection, model_id=model_id, start=start, end=end,
                                                        bucket=config.bucket, brand_names=brands))
    named = {matcher.name for rule in config.rules for matcher in rule.matcher_objects()}
    for dimension in sorted(named & set(NARROWING_LABELS)):
        split = split_series(connection, by=dimension, model_id=model_id, start=start, end=end,
                             bucket=config.bucket, brand_names=brands)
        series.update({frozenset({("brand", brand), (dimension, value)}): frame
                       for (brand, value), frame in split.items() if value})
    return series


def evaluate(runtime: Runtime, model_id: str) -> dict[str, Any]:
    """Judge the latest complete bucket of every brand's series, then route what changed."""
    config = runtime.config.alerts
    now = runtime.clock()
    history = max((rule.history for rule in config.rules), default=timedelta(days=28)) + config.bucket
    with runtime.engine.connect() as connection:
        series = watched_series(connection, runtime, model_id, now - history, now)
    context = message_context(runtime, model_id, now)
    with _alert_state_lock, runtime.engine.begin() as connection:
        lock_alert_state(connection)
        evaluation = evaluate_rules(config, series, load_alert_book(connection), now, context)
        queued = _route_and_store(connection, runtime, evaluation.state, [], now)
    return {"series": len(series), "firing": len(evaluation.state.firing()), "events": len(evaluation.events),
            "notifications": queued, **({"errors": len(evaluation.errors)} if evaluation.errors else {})}


def page_urgent(runtime: Runtime, urgent: list[Alert]) -> int:
    """Route urgent-mention alerts at once, with the current alerts so nothing else looks resolved."""
    if not urgent:
        return 0
    now = runtime.clock()
    with _alert_state_lock, runtime.engine.begin() as connection:
        lock_alert_state(connection)
        return _route_and_store(connection, runtime, load_alert_book(connection), urgent, now)


def send(runtime: Runtime) -> DeliveryReport:
    """Flush the alert groups that are due (group_wait, group_interval and repeat_interval run on this
    tick, not only on evaluations), then deliver due outbox rows, retrying failures with backoff."""
    now = runtime.clock()
    with _alert_state_lock, runtime.engine.begin() as connection:
        lock_alert_state(connection)
        _route_and_store(connection, runtime, load_alert_book(connection), [], now)
    channels = build_all(runtime.config.alerts.receivers)
    return deliver(SqlOutbox(runtime.engine), channels, now)


def history_backtest(runtime: Runtime, config: AlertsConfig, brand: str, since: timedelta) -> Backtest:
    """Replay the stored history of ``brand`` over the last ``since`` through ``config``'s rules,
    on the series the service watches (the brand's, and its per-source or per-language ones when a
    rule names that label), with the rules' look-back before ``since`` as their baseline."""
    now = runtime.clock()
    lookback = max((rule.history for rule in config.rules), default=timedelta(days=28))
    with runtime.engine.connect() as connection:
        series = watched_series(connection, runtime, runtime.model_id(), now - since - lookback, now, config)
    mine = {key: frame for key, frame in series.items() if series_labels(key).get("brand") == brand}
    return replay(config, mine, start=now - since)
