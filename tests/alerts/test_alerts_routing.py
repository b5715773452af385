"""Alertmanager semantics with an injected clock: group_wait, group_interval, repeat_interval,
send_resolved, routes and continue, silences, inhibition, acknowledgements."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from brandpulse.alerts.config import AlertsConfig
from brandpulse.alerts.model import Alert
from brandpulse.alerts.routing import Router, RoutingState, inhibited
from brandpulse.alerts.silences import new_acknowledgement, new_silence
from brandpulse.alerts.urgent import check
from tests.alerts.conftest import T0


def cfg(**overrides) -> AlertsConfig:
    data = {
        "receivers": [{"name": "oncall", "webhook": {"url": "http://127.0.0.1:9/"}},
                      {"name": "quiet", "webhook": {"url": "http://127.0.0.1:9/", "send_resolved": False}},
                      {"name": "pager", "pagerduty": {"routing_key": "k"}}],
        "route": {"receiver": "oncall", "group_by": ["alertname", "brand"], "group_wait": "30s",
                  "group_interval": "5m", "repeat_interval": "4h"},
        "inhibit_rules": [],
    }
    data.update(overrides)
    return AlertsConfig.model_validate(data)


def alert(brand="acme", name="NegativeSpike", status="firing", **labels) -> Alert:
    return Alert(labels={"alertname": name, "brand": brand, "severity": "warning", **labels},
                 annotations={"summary": f"{name} for {brand}"}, status=status, starts_at=T0)


class Harness:
    """Calls the router like the service does, persisting its state as JSON between calls."""

    def __init__(self, config: AlertsConfig):
        self.router = Router(config)
        self.state: RoutingState | None = None
        self.sent = []

    def tick(self, alerts, at, silences=(), acks=()):
        state, notes = self.router.process(alerts, self.state, silences, at, acks)
        self.state = RoutingState.from_dict(json.loads(json.dumps(state.to_dict())))
        self.sent.extend(notes)
        return notes


def names(notification) -> list[tuple[str, str]]:
    return [(a.labels["brand"], a.status) for a in notification.alerts]


def test_group_wait_collects_alerts_that_fire_together():
    h = Harness(cfg())
    a, b = alert(source="reddit"), alert(source="x")
    assert h.tick([a], T0) == []
    assert h.tick([a, b], T0 + timedelta(seconds=20)) == []
    (note,) = h.tick([a, b], T0 + timedelta(seconds=30))
    assert note.receiver == "oncall" and note.status == "firing"
    assert [x.labels["source"] for x in note.alerts] == ["reddit", "x"]
    assert note.group_labels == {"alertname": "NegativeSpike", "brand": "acme"}
    assert note.common_labels == {"alertname": "NegativeSpike", "brand": "acme", "severity": "warning"}


def test_different_group_by_values_make_different_groups():
    h = Harness(cfg())
    h.tick([alert("acme"), alert("globex")], T0)
    notes = h.tick([alert("acme"), alert("globex")], T0 + timedelta(seconds=30))
    assert sorted(n.group_labels["brand"] for n in notes) == ["acme", "globex"]


def test_group_interval_batches_later_alerts_and_repeat_interval_resends():
    h = Harness(cfg())
    a, b = alert(source="reddit"), alert(source="x")
    h.tick([a], T0)
    assert len(h.tick([a], T0 + timedelta(seconds=30))) == 1               # first flush
    assert h.tick([a, b], T0 + timedelta(minutes=2)) == []                  # b waits for the interval
    (update,) = h.tick([a, b], T0 + timedelta(minutes=5, seconds=30))      # next flush
    assert len(update.alerts) == 2
    for minutes in range(10, 240, 5):                                       # unchanged: no repeats
        assert h.tick([a, b], T0 + timedelta(minutes=minutes, seconds=30)) == []
    (repeat,) = h.tick([a, b], T0 + timedelta(hours=4, minutes=5, seconds=30))
    assert len(repeat.alerts) == 2
    assert [n.id.split("-")[1] for n in h.sent] == ["1", "2", "3"]


def test_resolved_alerts_are_announced_with_send_resolved_and_the_group_closes():
    h = Harness(cfg())
    a = alert()
    h.tick([a], T0)
    h.tick([a], T0 + timedelta(seconds=30))
    gone = Alert.from_dict({**a.to_dict(), "status": "resolved", "ends_at": (T0 + timedelta(minutes=1)).isoformat()})
    assert h.tick([gone], T0 + timedelta(minutes=1)) == []
    (note,) = h.tick([gone], T0 + timedelta(minutes=5, seconds=30))
    assert note.status == "resolved" and names(note) == [("acme", "resolved")]
    assert h.state.groups == {}
    assert h.tick([gone], T0 + timedelta(minutes=11)) == []


def test_send_resolved_false_stays_quiet_on_resolution():
    h = Harness(cfg(route={"receiver": "quiet", "group_by": ["brand"], "group_wait": "0s"}))
    a = alert()
    assert len(h.tick([a], T0)) == 1
    assert h.tick([], T0 + timedelta(minutes=5)) == []      # vanished from the input: resolved
    assert h.state.groups == {}


def test_an_alert_missing_from_the_input_resolves_unless_it_has_a_future_end():
    h = Harness(cfg(route={"receiver": "oncall", "group_by": ["mention"], "group_wait": "0s",
                           "group_interval": "1m", "repeat_interval": "1d"}))
    urgent = Alert(labels={"alertname": "UrgentMention", "brand": "acme", "mention": "x:1"}, starts_at=T0,
                   ends_at=T0 + timedelta(hours=1))
    assert len(h.tick([urgent], T0)) == 1
    assert h.tick([], T0 + timedelta(minutes=30)) == []       # still firing until its end
    (note,) = h.tick([], T0 + timedelta(hours=1, minutes=1))
    assert note.status == "resolved"


def test_child_routes_match_in_order_and_continue_fans_out():
    config = cfg(route={
        "receiver": "oncall", "group_by": ["alertname"], "group_wait": "10s",
        "routes": [{"matchers": ['severity="critical"'], "receiver": "pager", "continue": True},
                   {"matchers": ["brand=~acme|globex"], "receiver": "quiet", "group_wait": "1m"},
                   {"matchers": ['severity="critical"'], "receiver": "oncall"}]})
    router = Router(config)
    assert [r.receiver for r in router.routes_for({"severity": "critical", "brand": "acme"})] == ["pager", "quiet"]
    assert [r.receiver for r in router.routes_for({"severity": "critical", "brand": "x"})] == ["pager", "oncall"]
    assert [r.receiver for r in router.routes_for({"severity": "info", "brand": "x"})] == ["oncall"]
    quiet = router.routes_for({"brand": "acme"})[0]
    assert quiet.group_wait == timedelta(minutes=1) and quiet.group_by == ("alertname",)   # inherited
    h = Harness(config)
    a = alert(severity="critical")
    h.tick([a], T0)
    assert [n.receiver for n in h.tick([a], T0 + timedelta(seconds=10))] == ["pager"]
    assert [n.receiver for n in h.tick([a], T0 + timedelta(minutes=1))] == ["quiet"]


def test_silenced_alerts_are_not_sent_until_the_silence_ends():
    h = Harness(cfg())
    silence = new_silence('brand="acme"', "ana", "known issue, PR in progress", T0, timedelta(minutes=3))
    a, b = alert("acme"), alert("globex")
    h.tick([a, b], T0, [silence])
    notes = h.tick([a, b], T0 + timedelta(seconds=30), [silence])
    assert [n.group_labels["brand"] for n in notes] == ["globex"]
    assert silence.state(T0 + timedelta(minutes=3)) == "expired"
    (note,) = h.tick([a, b], T0 + timedelta(minutes=5, seconds=30), [silence])
    assert names(note) == [("acme", "firing")]


def test_a_silence_that_matches_nothing_in_particular_is_refused():
    with pytest.raises(ValueError):
        new_silence('brand=~".*"', "ana", "everything", T0, timedelta(hours=1))
    with pytest.raises(ValueError):
        new_silence("brand=acme", "ana", "", T0, timedelta(hours=1))


def test_brand_wide_critical_alert_inhibits_its_narrower_alerts_only():
    h = Harness(cfg(inhibit_rules=[
        {"source_matchers": ['severity="critical"', 'source=""'], "target_matchers": ['source=~".+"'],
         "equal": ["brand"]}]))
    crisis = Alert(labels={"alertname": "Crisis", "brand": "acme", "severity": "critical"}, starts_at=T0)
    narrow = alert("acme", source="reddit")
    elsewhere = alert("globex", source="reddit")
    h.tick([crisis, narrow, elsewhere], T0)
    notes = h.tick([crisis, narrow, elsewhere], T0 + timedelta(seconds=30))
    sent = sorted((n.group_labels["alertname"], n.group_labels["brand"]) for n in notes)
    assert sent == [("Crisis", "acme"), ("NegativeSpike", "globex")]
    # once the crisis resolves, the narrower alert gets through
    h.tick([narrow, elsewhere], T0 + timedelta(minutes=5, seconds=30))
    assert any(names(n) == [("acme", "firing")] for n in h.sent[2:])


def test_the_default_inhibit_rules_cover_source_and_language():
    router = Router(AlertsConfig())
    crisis = Alert(labels={"alertname": "X", "brand": "acme", "severity": "critical"})
    assert inhibited(alert("acme", language="de"), [crisis], router.inhibitions)
    assert inhibited(alert("acme", source="x"), [crisis], router.inhibitions)
    assert not inhibited(alert("acme"), [crisis], router.inhibitions)
    assert not inhibited(crisis, [crisis], router.inhibitions)


def test_an_urgent_mention_does_not_inhibit_the_brands_spike_alerts():
    """An urgent mention is critical and has no source label, yet it is one post, not a brand-wide
    crisis: with the default config, it and a per-source spike of the same brand both go out."""
    h = Harness(AlertsConfig())
    [urgent] = check([{"id": "x:1", "brand": "acme", "text": "Acme heater caught fire, awful", "score": -0.9,
                       "author": "@kim", "url": "https://x.com/kim/status/1"}], AlertsConfig(), T0)
    spike = alert("acme", source="reddit")
    assert urgent.labels["severity"] == "critical" and "source" not in urgent.labels
    h.tick([urgent, spike], T0)                       # urgent mentions go out without a group wait
    h.tick([urgent, spike], T0 + timedelta(seconds=30))  # the spike after the default 30s
    sent = sorted((n.group_labels["alertname"], [a.labels.get("source") for a in n.alerts]) for n in h.sent)
    assert sent == [("NegativeSpike", ["reddit"]), ("UrgentMention", [None])]


def test_acknowledged_alerts_are_not_repeated_but_resolution_is_sent():
    h = Harness(cfg(route={"receiver": "oncall", "group_by": ["brand"], "group_wait": "0s",
                           "group_interval": "5m", "repeat_interval": "30m"}))
    a = alert()
    ack = new_acknowledgement(a.fingerprint, "ana", T0, "on it")
    assert len(h.tick([a], T0)) == 1
    for minutes in range(5, 120, 5):
        assert h.tick([a], T0 + timedelta(minutes=minutes), acks=[ack]) == []
    (note,) = h.tick([], T0 + timedelta(minutes=125), acks=[ack])
    assert note.status == "resolved"


def test_notification_ids_are_deterministic_and_state_round_trips():
    first, second = Harness(cfg()), Harness(cfg())
    for h in (first, second):
        h.tick([alert()], T0)
        h.tick([alert()], T0 + timedelta(seconds=30))
    assert [n.id for n in first.sent] == [n.id for n in second.sent]
    assert first.sent[0].to_dict() == type(first.sent[0]).from_dict(first.sent[0].to_dict()).to_dict()
    assert Router(cfg()).next_due(first.state) == T0 + timedelta(minutes=5, seconds=30)
