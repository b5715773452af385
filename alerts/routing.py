"""Alertmanager's routing, grouping, silencing and inhibition, as a pure function of time.

    router = Router(config)
    routing_state, notifications = router.process(alerts, routing_state, silences, now, acks)

Call ``process`` whenever alerts change and on a timer (``router.next_due(routing_state)`` says when
the next group flush is due). Semantics follow Alertmanager:

* Routes form a tree. An alert descends into the first child route whose matchers it satisfies (all
  of them; more children when a matching child has ``continue: true``); it is handled by the deepest
  matching routes, or by the parent when no child matches. Children inherit unset settings.
* Within a route, alerts are grouped by the values of ``group_by`` (``...`` groups by all labels).
  A new group waits ``group_wait`` before its first notification, so alerts that fire together arrive
  together. Afterwards the group is checked every ``group_interval``: it notifies when its set of
  firing alerts changed (a new alert, or a resolved one if the receiver has ``send_resolved``), and
  repeats an unchanged firing set every ``repeat_interval``.
* Silenced alerts (an active silence whose matchers all match) and inhibited alerts (a firing alert
  matching an inhibit rule's ``source_matchers`` with equal values of its ``equal`` labels) are not
  notified. Acknowledged alerts are not repeated.
* A firing alert that disappears from the input is taken as resolved, unless its ``ends_at`` lies in
  the future (urgent mentions stay firing for their time to live).

The routing state is plain data (``to_dict``/``from_dict``); notification ids are deterministic
(group key and sequence number), so a tick recomputed after a crash produces the same ids.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from .config import AlertsConfig, InhibitRuleConfig, RouteConfig
from .matchers import Matcher, matches_all, parse_matchers
from .model import Alert, Notification, iso, parse_time, utc
from .silences import Acknowledgement, Silence

DEFAULT_GROUP_WAIT = timedelta(seconds=30)
DEFAULT_GROUP_INTERVAL = timedelta(minutes=5)
DEFAULT_REPEAT_INTERVAL = timedelta(hours=4)

_T = TypeVar("_T")


@dataclass(frozen=True)
class Route:
    """A route node with its inherited settings resolved; ``path`` identifies it ("0", "0.1", ...)."""

    path: str
    receiver: str
    matchers: tuple[Matcher, ...]
    group_by: tuple[str, ...]
    group_wait: timedelta
    group_interval: timedelta
    repeat_interval: timedelta
    continue_: bool
    children: tuple[Route, ...] = ()

    @classmethod
    def build(cls, config: RouteConfig, parent: Route | None = None, path: str = "0") -> Route:
        def pick(own: _T | None, inherited: _T | None, default: _T) -> _T:
            return own if own is not None else (inherited if inherited is not None else default)

        receiver = config.receiver or (parent.receiver if parent else None)
        if not receiver:
            raise ValueError(f"route {path} has no receiver and no parent to inherit one from")
        node = cls(
            path=path, receiver=receiver, matchers=tuple(config.matcher_objects()),
            group_by=tuple(pick(config.group_by, parent.group_by if parent else None, ())),
            group_wait=pick(config.group_wait, parent.group_wait if parent else None, DEFAULT_GROUP_WAIT),
            group_interval=pick(config.group_interval, parent.group_interval if parent else None,
                                DEFAULT_GROUP_INTERVAL),
            repeat_interval=pick(config.repeat_interval, parent.repeat_interval if parent else None,
                                 DEFAULT_REPEAT_INTERVAL),
            continue_=config.continue_,
        )
        children = tuple(cls.build(child, node, f"{path}.{i}") for i, child in enumerate(config.routes))
        return cls(**{**node.__dict__, "children": children})

    def match(self, labels: Mapping[str, str]) -> list[Route]:
        """The routes that handle an alert with these labels (self is assumed to match)."""
        found: list[Route] = []
        for child in self.children:
            if matches_all(child.matchers, labels):
                found.extend(child.match(labels))
                if not child.continue_:
                    break
        return found or [self]

    def group_labels(self, labels: Mapping[str, str]) -> dict[str, str]:
        if "..." in self.group_by:
            return dict(sorted(labels.items()))
        return {name: labels[name] for name in self.group_by if labels.get(name)}


@dataclass
class GroupState:
    key: str
    route: str
    receiver: str
    labels: dict[str, str]
    alerts: dict[str, Alert] = field(default_factory=dict)
    created_at: datetime | None = None
    next_flush: datetime | None = None
    last_notified: datetime | None = None
    notified_firing: list[str] = field(default_factory=list)
    sequence: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "route": self.route, "receiver": self.receiver, "labels": self.labels,
                "alerts": {fp: a.to_dict() for fp, a in self.alerts.items()},
                "created_at": iso(self.created_at), "next_flush": iso(self.next_flush),
                "last_notified": iso(self.last_notified), "notified_firing": list(self.notified_firing),
                "sequence": self.sequence}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GroupState:
        return cls(key=data["key"], route=data["route"], receiver=data["receiver"], labels=dict(data["labels"]),
                   alerts={fp: Alert.from_dict(a) for fp, a in data["alerts"].items()},
                   created_at=parse_time(data.get("created_at")), next_flush=parse_time(data.get("next_flush")),
                   last_notified=parse_time(data.get("last_notified")),
                   notified_firing=list(data.get("notified_firing", [])), sequence=int(data.get("sequence", 0)))


@dataclass
class RoutingState:
    groups: dict[str, GroupState] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"groups": {k: g.to_dict() for k, g in self.groups.items()}}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> RoutingState:
        return cls({k: GroupState.from_dict(g) for k, g in ((data or {}).get("groups") or {}).items()})

    def copy(self) -> RoutingState:
        return RoutingState.from_dict(self.to_dict())


@dataclass(frozen=True)
class Inhibition:
    source: tuple[Matcher, ...]
    target: tuple[Matcher, ...]
    equal: tuple[str, ...]

    @classmethod
    def from_config(cls, rule: InhibitRuleConfig) -> Inhibition:
        return cls(tuple(parse_matchers(rule.source_matchers)), tuple(parse_matchers(rule.target_matchers)),
                   tuple(rule.equal))


def inhibited(alert: Alert, firing: Iterable[Alert], rules: Iterable[Inhibition]) -> bool:
    """Whether a firing source alert inhibits ``alert`` (an alert never inhibits itself)."""
    firing = list(firing)
    for rule in rules:
        if not matches_all(rule.target, alert.labels):
            continue
        for source in firing:
            if source.fingerprint == alert.fingerprint or not matches_all(rule.source, source.labels):
                continue
            if all(source.labels.get(n, "") == alert.labels.get(n, "") for n in rule.equal):
                return True
    return False


def _common(items: list[dict[str, str]]) -> dict[str, str]:
    if not items:
        return {}
    first = items[0]
    return {k: v for k, v in sorted(first.items()) if all(i.get(k) == v for i in items[1:])}


class Router:
    def __init__(self, config: AlertsConfig):
        self.config = config
        self.root = Route.build(config.route)
        self.inhibitions = [Inhibition.from_config(r) for r in config.inhibit_rules]
        self.send_resolved = {r.name: r.integration.send_resolved for r in config.receivers}
        self._routes = {route.path: route for route in _walk(self.root)}

    def routes_for(self, labels: Mapping[str, str]) -> list[Route]:
        return self.root.match(labels)

    def group_key(self, route: Route, labels: Mapping[str, str]) -> str:
        grouped = route.group_labels(labels)
        inner = ",".join(f'{k}="{v}"' for k, v in sorted(grouped.items()))
        return f"{route.path}:{route.receiver}:{{{inner}}}"

    def process(self, alerts: Iterable[Alert], state: RoutingState | None, silences: Iterable[Silence] = (),
                now: datetime | None = None, acks: Iterable[Acknowledgement] = ()
                ) -> tuple[RoutingState, list[Notification]]:
        """Take in the current alerts, flush the groups that are due at ``now``; see the module doc."""
        if now is None:
            raise ValueError("process needs the time (now=...)")
        now = utc(now)
        state = state.copy() if state is not None else RoutingState()
        incoming = {a.fingerprint: a for a in alerts}
        self._place(state, incoming.values(), now)
        _resolve_lapsed(state, incoming, now)
        acked = {a.fingerprint for a in acks if a.is_active(now)}
        return state, self._flush_due(state, list(silences), acked, now)

    def _place(self, state: RoutingState, alerts: Iterable[Alert], now: datetime) -> None:
        """Put each alert into the group of every route that handles it; a firing alert opens a group."""
        for alert in alerts:
            for route in self.routes_for(alert.labels):
                key = self.group_key(route, alert.labels)
                group = state.groups.get(key)
                if group is None:
                    if alert.status != "firing" or (alert.ends_at is not None and alert.ends_at <= now):
                        continue  # a resolved alert nobody was told about
                    group = GroupState(key=key, route=route.path, receiver=route.receiver,
                                       labels=route.group_labels(alert.labels), created_at=now,
                                       next_flush=now + route.group_wait)
                    state.groups[key] = group
                group.alerts[alert.fingerprint] = alert

    def _flush_due(self, state: RoutingState, silences: list[Silence], acked: set[str],
                   now: datetime) -> list[Notification]:
        """Flush the groups whose time has come, set their next check, drop the emptied ones."""
        firing_now = list({a.fingerprint: a for g in state.groups.values() for a in g.alerts.values()
                           if a.status == "firing"}.values())
        notifications = []
        for key in sorted(state.groups):
            group = state.groups[key]
            if group.next_flush is None or group.next_flush > now:
                continue
            notification = self._flush(group, firing_now, silences, acked, now)
            if notification is not None:
                notifications.append(notification)
            group.next_flush = now + self._routes.get(group.route, self.root).group_interval
            if not group.alerts:
                del state.groups[key]
        return notifications

    def _flush(self, group: GroupState, firing_now: list[Alert], silences: list[Silence], acked: set[str],
               now: datetime) -> Notification | None:
        route = self._routes.get(group.route, self.root)
        send_resolved = self.send_resolved.get(group.receiver, True)

        def muted(alert: Alert) -> bool:
            return any(s.mutes(alert.labels, now) for s in silences) or inhibited(alert, firing_now, self.inhibitions)

        firing = sorted((a for a in group.alerts.values() if a.status == "firing" and not muted(a)),
                        key=lambda a: (a.starts_at or now, a.fingerprint))
        resolved = sorted((a for a in group.alerts.values()
                           if a.status == "resolved" and a.fingerprint in group.notified_firing),
                          key=lambda a: (a.ends_at or now, a.fingerprint))
        firing_set = {a.fingerprint for a in firing}
        previous = set(group.notified_firing)
        new_firing = bool(firing_set - previous)
        newly_resolved = bool(resolved) and send_resolved
        repeat_due = bool(firing) and group.last_notified is not None \
            and now - group.last_notified >= route.repeat_interval \
            and not firing_set <= acked
        notify = new_firing or newly_resolved or repeat_due
        # resolved alerts have now been dealt with (announced, or not wanted)
        for fp, alert in list(group.alerts.items()):
            if alert.status == "resolved":
                del group.alerts[fp]
        if not notify:
            if firing_set < previous:   # alerts left quietly (resolved without send_resolved, or muted)
                group.notified_firing = sorted(firing_set)
            return None
        shown = firing + (resolved if send_resolved else [])
        group.sequence += 1
        group.last_notified = now
        group.notified_firing = sorted(firing_set)
        for alert in shown:
            if alert.fingerprint in acked:
                alert.context = {**alert.context, "acknowledged": True}
        return Notification(
            id=f"{hashlib.sha256(group.key.encode()).hexdigest()[:16]}-{group.sequence}",
            receiver=group.receiver, group_key=group.key, status="firing" if firing else "resolved",
            alerts=shown, group_labels=dict(group.labels),
            common_labels=_common([a.labels for a in shown]),
            common_annotations=_common([a.annotations for a in shown]), created_at=now,
            dashboard_url=self.config.dashboard_url)

    def next_due(self, state: RoutingState) -> datetime | None:
        """When the next group flush is due (None when there are no groups)."""
        times = [g.next_flush for g in state.groups.values() if g.next_flush is not None]
        return min(times) if times else None


def _resolve_lapsed(state: RoutingState, incoming: Mapping[str, Alert], now: datetime) -> None:
    """Firing alerts gone from the input (or past their ``ends_at``) count as resolved."""
    for group in state.groups.values():
        for fp, alert in list(group.alerts.items()):
            if alert.status != "firing":
                continue
            lapsed = alert.ends_at is not None and alert.ends_at <= now
            if lapsed or (fp not in incoming and alert.ends_at is None):
                group.alerts[fp] = Alert.from_dict({**alert.to_dict(), "status": "resolved",
                                                    "ends_at": iso(alert.ends_at if lapsed else now)})


def _walk(route: Route) -> Iterator[Route]:
    yield route
    for child in route.children:
        yield from _walk(child)
