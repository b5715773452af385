"""Rule evaluation and the alert lifecycle: pure, with the clock passed in.

    evaluation = evaluate(config, series, book, now, context)
    book = evaluation.state             # persist (one JSON blob per fingerprint)
    evaluation.events                   # pending / firing / resolved / cancelled transitions
    evaluation.alerts                   # what to hand to alerts.routing.Router.process

``series`` maps a series' labels to its frame of buckets: a key is a brand name (``"acme"``), or the
labels as a ``frozenset``/``tuple`` of ``(name, value)`` pairs or a ``dict``-like
(``frozenset({("brand", "acme"), ("source", "reddit")})``). Frames are indexed by tz-aware bucket
starts with the columns ``volume``, ``negative``, ``negative_share``, ``net_sentiment``.

Lifecycle per (rule, series), judged on the latest *complete* bucket (start + bucket <= now):
an anomalous bucket makes the alert ``pending`` (``active_since`` = that bucket's start); it fires
once the anomalous episode has lasted ``for`` (a bucket starting ``for`` or more after
``active_since`` is still anomalous; ``for: 0`` fires at once); a normal bucket cancels a pending alert
and resolves a firing one, unless the last anomalous bucket is less than ``keep_firing_for`` old.
Evaluating the same bucket twice changes nothing. An alert whose rule or series is no longer passed
in ends (resolved if it was firing), as in Prometheus.
"""

from __future__ import annotations

import math
import string
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pandas as pd

from .config import AlertsConfig, RuleConfig
from .detector_base import Assessment, DetectorParams, time_index
from .detectors import make_detector
from .matchers import matches_all
from .model import Alert, AlertBook, AlertEvent, AlertState, EventKind, fingerprint, utc

#: Labels that narrow a brand's series; only rules with a matcher on such a label evaluate those series.
NARROWING_LABELS = ("source", "language")
METRIC_TITLES = {"volume": "mention volume", "negative": "negative mentions",
                 "negative_share": "negative share", "net_sentiment": "net sentiment"}

#: Context for messages: per brand, {"top_mentions": [{text, url, author, reach, score}, ...],
#: "rising_terms": ["term", ...] or [{"term": ..., "count": ..., "change": ...}]}; or a callable
#: taking the alert's labels and returning such a dict.
Context = Mapping[str, Mapping[str, Any]] | Callable[[dict[str, str]], Mapping[str, Any] | None]


@dataclass
class Evaluation:
    state: AlertBook
    events: list[AlertEvent] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    assessments: dict[str, Assessment] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def series_labels(key: Any) -> dict[str, str]:
    """Labels of a series key: ``"acme"`` -> ``{"brand": "acme"}``; pairs or mappings as they are."""
    if isinstance(key, str):
        return {"brand": key}
    if isinstance(key, Mapping):
        return {str(k): str(v) for k, v in key.items()}
    if isinstance(key, frozenset | tuple | list):
        return {str(k): str(v) for k, v in key}
    raise TypeError(f"a series key is a brand name, a mapping or (name, value) pairs, not {key!r}")


def alert_labels(rule: RuleConfig, labels: Mapping[str, str]) -> dict[str, str]:
    out = {"alertname": rule.name, **labels, "metric": rule.metric, "severity": rule.severity}
    out.update(rule.labels)
    return out


def latest_complete_bucket(index: pd.DatetimeIndex, bucket: timedelta, now: datetime) -> pd.Timestamp | None:
    """The last bucket of a sorted index that has ended by ``now``."""
    cutoff = pd.Timestamp(utc(now)) - pd.Timedelta(bucket)
    position = int(index.searchsorted(cutoff, side="right"))
    return index[position - 1] if position else None


def evaluate(config: AlertsConfig, series: Mapping[Any, pd.DataFrame], state: AlertBook | None,
             now: datetime, context: Context | None = None) -> Evaluation:
    """Evaluate every rule on every matching series at ``now``; see the module docstring."""
    now = utc(now)
    book = _copy_book(state) if state is not None else AlertBook()
    result = Evaluation(state=book)
    present: set[str] = set()
    for rule in config.rules:
        for labels, frame in watched(rule, series):
            full = alert_labels(rule, labels)
            present.add(fingerprint(full))
            _judge(result, config, rule, full, labels, frame, now, context)
    _end_vanished(result, present, now)
    result.alerts = book.alerts()
    return result


def watched(rule: RuleConfig, series: Mapping[Any, pd.DataFrame]) -> Iterator[tuple[dict[str, str], pd.DataFrame]]:
    """The series ``rule`` watches, with their labels: those its matchers accept, where a per-source or
    per-language series counts only for rules that name that label."""
    matchers = rule.matcher_objects()
    named = {matcher.name for matcher in matchers}
    for key, frame in series.items():
        labels = series_labels(key)
        if any(dimension in labels and dimension not in named for dimension in NARROWING_LABELS):
            continue
        if matches_all(matchers, labels):
            yield labels, frame


def _judge(result: Evaluation, config: AlertsConfig, rule: RuleConfig, full: dict[str, str],
           labels: dict[str, str], frame: pd.DataFrame, now: datetime, context: Context | None) -> None:
    """Judge the series' latest complete bucket for ``rule``, once, and move its alert on."""
    if rule.metric not in frame.columns:
        result.errors.append(f"{rule.name}: series {labels} has no column {rule.metric!r}")
        return
    frame = _utc_frame(frame)
    bucket = latest_complete_bucket(time_index(frame), config.bucket, now)
    if bucket is None:
        return
    fp = fingerprint(full)
    entry = result.state.states.get(fp) or AlertState(fingerprint=fp, rule=rule.name, labels=full)
    if entry.last_bucket is not None and pd.Timestamp(entry.last_bucket) >= bucket:
        return  # this bucket was judged already
    try:
        assessment = _assess(rule, config, frame, bucket, entry)
    except (ValueError, KeyError, TypeError) as exc:
        result.errors.append(f"{rule.name} on {labels}: {exc}")
        return
    result.assessments[fp] = assessment
    event = _advance(entry, rule, assessment, bucket.to_pydatetime(), now)
    _describe(entry, rule, assessment, config, context)
    result.state.states[fp] = entry
    if event:
        result.events.append(AlertEvent(kind=event, fingerprint=fp, at=now, alert=entry.alert()))


def _end_vanished(result: Evaluation, present: set[str], now: datetime) -> None:
    """Like Prometheus: when a rule or its series is gone, its alert ends."""
    for fp, entry in result.state.states.items():
        if fp in present or entry.state not in ("pending", "firing"):
            continue
        kind: EventKind = "resolved" if entry.state == "firing" else "cancelled"
        entry.state = "resolved" if kind == "resolved" else "inactive"
        entry.resolved_at = now if kind == "resolved" else entry.resolved_at
        result.events.append(AlertEvent(kind=kind, fingerprint=fp, at=now, alert=entry.alert()))


def _copy_book(book: AlertBook) -> AlertBook:
    """A copy the evaluation may change without touching the caller's book. Detector states are
    shared, not copied: detectors never change the state they are handed (they return a new one)."""
    return AlertBook({fp: replace(entry, labels=dict(entry.labels), annotations=dict(entry.annotations),
                                  context=dict(entry.context))
                      for fp, entry in book.states.items()})


def _utc_frame(frame: pd.DataFrame) -> pd.DataFrame:
    index = time_index(frame)
    if index.tz is None:
        frame = frame.tz_localize("UTC")
    elif str(index.tz) != "UTC":
        frame = frame.tz_convert("UTC")
    return frame if frame.index.is_monotonic_increasing else frame.sort_index()


def _assess(rule: RuleConfig, config: AlertsConfig, frame: pd.DataFrame, bucket: pd.Timestamp,
            entry: AlertState) -> Assessment:
    """Judge ``bucket`` with the rule's detector, handing it the state it left on this alert."""
    params = DetectorParams.from_rule(rule, bucket=config.bucket)
    previous = (entry.detector_state or {}).get(rule.detector)
    judgement = make_detector(params, rule.detector).judge(frame, bucket, previous)  # each looks back params.history
    entry.detector_state = {rule.detector: judgement.state} if judgement.state is not None else None
    return judgement.assessment


def _advance(entry: AlertState, rule: RuleConfig, assessment: Assessment, bucket: datetime,
             now: datetime) -> EventKind | None:
    """Move the lifecycle on by one judged bucket; returns the event kind, if any."""
    entry.last_bucket = bucket
    if assessment.value is not None:
        entry.value, entry.expected, entry.score = assessment.value, assessment.expected, assessment.score
    if assessment.anomalous:
        entry.last_anomalous = bucket
        if entry.state in ("inactive", "resolved"):
            entry.state, entry.active_since = "pending", bucket
            entry.fired_at = entry.resolved_at = None
            entry.peak_score = assessment.score
            if bucket - entry.active_since >= rule.for_:
                entry.state, entry.fired_at = "firing", now
                return "firing"
            return "pending"
        entry.peak_score = max(entry.peak_score or 0.0, assessment.score)
        if entry.state == "pending" and entry.active_since is not None \
                and bucket - entry.active_since >= rule.for_:
            entry.state, entry.fired_at = "firing", now
            return "firing"
        return None
    if entry.state == "pending":
        entry.state, entry.active_since = "inactive", None
        return "cancelled"
    if entry.state == "firing":
        if entry.last_anomalous is not None and bucket - entry.last_anomalous < rule.keep_firing_for:
            return None
        entry.state, entry.resolved_at = "resolved", now
        return "resolved"
    return None


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def format_value(metric: str, value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if metric == "negative_share":
        return f"{100 * value:.1f}%"
    if metric == "net_sentiment":
        return f"{value:+.2f}"
    return f"{value:.0f}" if abs(value - round(value)) < 1e-9 or abs(value) >= 10 else f"{value:.1f}"


def explorer_link(base: str | None, brand: str, *, since: datetime | None = None, **filters: str | None) -> str | None:
    """The dashboard's mentions explorer filtered to what a message is about (None without a base URL):
    ``{base}/mentions?brand=...&sentiment=...&since=YYYY-MM-DD``; filters are the explorer's own
    (``source``, ``language``, ``sentiment``, ``q``)."""
    if not base:
        return None
    query = {"brand": brand, **{k: v for k, v in filters.items() if v}}
    if since is not None:
        query["since"] = utc(since).date().isoformat()
    return f"{base.rstrip('/')}/mentions?{urlencode(query)}"


def dashboard_link(base: str | None, labels: Mapping[str, str], since: datetime | None = None) -> str | None:
    """The explorer showing the alert's series: its brand (and source or language) from the day before
    the episode began, negative mentions only when the metric is about negativity."""
    negative = labels.get("metric") in ("negative", "negative_share", "net_sentiment")
    return explorer_link(base, labels.get("brand", ""), since=since - timedelta(days=1) if since else None,
                         source=labels.get("source"), language=labels.get("language"),
                         sentiment="negative" if negative else None)


def _context_for(context: Context | None, labels: dict[str, str]) -> dict[str, Any]:
    if context is None:
        return {}
    if callable(context):
        return dict(context(labels) or {})
    return dict(context.get(labels.get("brand", ""), {}) or {})


def _describe(entry: AlertState, rule: RuleConfig, assessment: Assessment, config: AlertsConfig,
              context: Context | None) -> None:
    """Fill the annotations and message context of a pending/firing/resolved alert."""
    if entry.state == "inactive":
        return
    metric = rule.metric
    values = _Blank(entry.labels)
    values.update(
        metric_title=METRIC_TITLES[metric], value=format_value(metric, entry.value),
        expected=format_value(metric, entry.expected), score=f"{entry.score or 0:.1f}",
        since=entry.active_since.isoformat() if entry.active_since else "", rule=rule.name)
    direction = assessment.direction or rule.effective_direction
    verb = "rose" if direction == "up" else "fell"
    where = entry.labels.get("brand", "")
    narrower = ", ".join(f"{k} {entry.labels[k]}" for k in ("source", "language") if entry.labels.get(k))
    if narrower:
        where = f"{where} ({narrower})"
    defaults = {
        "summary": f"{METRIC_TITLES[metric].capitalize()} for {where} {verb} to {values['value']}"
                   f" (expected {values['expected']})",
        "description": f"{METRIC_TITLES[metric].capitalize()} {verb} to {values['value']} against an expected"
                       f" {values['expected']} (score {values['score']}, {rule.detector} detector) since"
                       f" {values['since']}. Severity {rule.severity}.",
    }
    annotations = dict(defaults)
    for name, template in rule.annotations.items():
        annotations[name] = string.Formatter().vformat(template, (), values)
    entry.annotations = annotations
    extra = _context_for(context, entry.labels) if entry.state == "firing" else {}
    entry.context = {
        "metric": metric, "metric_title": METRIC_TITLES[metric], "direction": direction,
        "value_text": values["value"], "expected_text": values["expected"],
        "since": entry.active_since.isoformat() if entry.active_since else None,
        "detector": rule.detector, "bucket": assessment.timestamp.isoformat() if assessment.timestamp else None,
        "top_mentions": list(extra.get("top_mentions", entry.context.get("top_mentions", [])))[:5],
        "rising_terms": list(extra.get("rising_terms", entry.context.get("rising_terms", [])))[:10],
        "dashboard_url": dashboard_link(config.dashboard_url, entry.labels, entry.active_since),
    }
