"""The alerts: config section, durations, matchers, urgent mentions and silences."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from pydantic import ValidationError

from brandpulse.alerts import urgent
from brandpulse.alerts.config import AlertsConfig, RuleConfig
from brandpulse.alerts.durations import format_duration, parse_duration
from brandpulse.alerts.matchers import Matcher, parse_matchers
from brandpulse.alerts.routing import Router
from brandpulse.alerts.silences import Acknowledgement, Silence, find, new_acknowledgement, new_silence
from tests.alerts.conftest import T0


@pytest.mark.parametrize(("text", "expected"), [
    ("30s", timedelta(seconds=30)), ("5m", timedelta(minutes=5)), ("1h30m", timedelta(minutes=90)),
    ("2d", timedelta(days=2)), ("1w", timedelta(weeks=1)), ("0", timedelta(0)), ("250ms", timedelta(milliseconds=250)),
    (90, timedelta(seconds=90)),
])
def test_durations_parse_and_print_back(text, expected):
    assert parse_duration(text) == expected
    assert parse_duration(format_duration(expected)) == expected


@pytest.mark.parametrize("bad", ["", "5", "h", "5x", "1h 30m", "-5m", -3])
def test_bad_durations_are_refused(bad):
    with pytest.raises(ValueError):
        parse_duration(bad)


def test_matchers_follow_alertmanager():
    labels = {"brand": "acme", "severity": "critical"}
    assert Matcher.parse('brand="acme"').matches(labels)
    assert Matcher.parse("severity=~crit.*|warning").matches(labels)
    assert not Matcher.parse("severity=~crit").matches(labels)       # anchored
    assert Matcher.parse('source=""').matches(labels)                  # missing reads as empty
    assert not Matcher.parse('source=~".+"').matches(labels)
    assert Matcher.parse("brand!=globex").matches(labels)
    assert Matcher.parse("brand!~glob.*").matches(labels)
    assert [str(m) for m in parse_matchers('{brand="a,b", severity=~"x|y"}')] == ['brand="a,b"', 'severity=~"x|y"']
    with pytest.raises(ValueError):
        Matcher.parse("no operator")
    with pytest.raises(ValueError):
        Matcher.parse("a=~(")


def test_empty_section_gives_a_working_default():
    config = AlertsConfig.model_validate({})
    (rule,) = config.rules
    assert (rule.name, rule.metric, rule.detector) == ("NegativeSpike", "negative", "burst")
    assert rule.severity == "warning"
    assert rule.threshold == 5.5 and rule.effective_direction == "up"
    assert [r.name for r in config.receivers] == ["console"] and config.route.receiver == "console"
    assert config.bucket == timedelta(hours=1)
    router = Router(config)
    assert router.routes_for({"alertname": "UrgentMention", "kind": "urgent"})[0].group_wait == timedelta(0)
    assert router.routes_for({"alertname": "NegativeSpike"})[0].group_wait == timedelta(seconds=30)


def test_yaml_shaped_section_loads_with_alertmanager_names():
    config = AlertsConfig.model_validate({
        "dashboard_url": "https://pulse.example.com",
        "rules": [{"name": "ShareUp", "metric": "negative_share", "sensitivity": "high", "for": "2h",
                   "severity": "critical", "labels": {"team": "social"}, "matchers": {"brand": "acme"}},
                  {"name": "MoodDrop", "metric": "net_sentiment", "detector": "online", "sensitivity": 4.5}],
        "receivers": [{"name": "slack", "slack": {"webhook_url": "https://hooks.slack.com/x"}},
                      {"name": "mail", "email": {"to": "a@example.com", "from": "b@example.com",
                                                 "smarthost": "smtp.example.com:587", "password": "pw"}}],
        "route": {"receiver": "slack", "group_by": ["brand"], "routes": [
            {"matchers": ['severity="critical"'], "receiver": "mail", "continue": True, "repeat_interval": "1h"}]},
    })
    share, mood = config.rules
    assert share.for_ == timedelta(hours=2) and share.threshold == 3.0 and share.matchers == ['brand="acme"']
    assert mood.threshold == 4.5 and mood.effective_direction == "down"
    assert config.receiver("mail").kind == "email" and config.receiver("mail").email.to == ["a@example.com"]
    assert config.route.routes[0].continue_ is True
    dumped = config.model_dump(mode="json", by_alias=True)
    assert dumped["rules"][0]["for"] == "2h"
    assert dumped["receivers"][1]["email"]["password"] == "**********"          # secrets stay secret
    assert "pw" not in json.dumps(dumped)


@pytest.mark.parametrize("broken", [
    {"receivers": [{"name": "x"}]},                                                   # no integration
    {"receivers": [{"name": "x", "console": {}, "file": {"path": "a"}}]},             # two integrations
    {"route": {"receiver": "nobody"}},                                                # unknown receiver
    {"rules": [{"name": "a"}, {"name": "a"}]},                                        # duplicate rule
    {"rules": [{"name": "a", "metric": "likes"}]},                                    # unknown metric
    {"rules": [{"name": "a", "for": "soon"}]},                                        # bad duration
    {"receivers": [{"name": "m", "email": {"to": "a@b", "from": "c@d", "smarthost": "nohost"}}],
     "route": {"receiver": "m"}},
])
def test_invalid_sections_are_refused_with_a_message(broken):
    with pytest.raises(ValidationError):
        AlertsConfig.model_validate(broken)


def test_rule_names_are_label_safe():
    with pytest.raises(ValidationError):
        RuleConfig(name="spike alert!")


# ------------------------------------------------------------------------------------------ urgent


MENTIONS = [
    {"id": "1", "source": "x", "brand": "acme", "text": "Worst service ever, never again", "url": "https://x/1",
     "author": "@big", "reach": 250_000, "score": -0.93},
    {"id": "2", "source": "x", "brand": "acme", "text": "Worst service ever", "author": "@small", "reach": 80,
     "score": -0.95},
    {"id": "3", "source": "reddit", "brand": "acme", "author": "u/a", "reach": 10, "score": -0.4,
     "text": "Considering a Class   Action lawsuit over the data breach"},
    {"id": "4", "source": "reddit", "brand": "acme", "text": "No injury at all, the staff were great!",
     "author": "u/b", "reach": 10, "score": 0.8},
    {"id": "5", "source": "reddit", "brand": "acme", "text": "Breachwood park is lovely", "score": -0.1},
]


def test_urgent_mentions_fire_at_once_with_post_and_author():
    config = AlertsConfig(dashboard_url="https://pulse.example.com")
    alerts = urgent.check(MENTIONS, config, T0)
    assert [a.labels["mention"] for a in alerts] == ["x:1", "reddit:3"]
    big, crisis = alerts
    assert big.labels == {"alertname": "UrgentMention", "brand": "acme", "kind": "urgent", "mention": "x:1",
                          "severity": "critical"}
    assert big.status == "firing" and big.ends_at == T0 + timedelta(hours=1)
    assert big.context["top_mentions"][0]["author"] == "@big"
    assert "reach 250,000" in big.annotations["summary"]
    assert crisis.context["rising_terms"] == ["class action", "lawsuit", "data breach"]
    assert crisis.context["dashboard_url"] == ("https://pulse.example.com/mentions?brand=acme"
                                               "&q=Considering+a+Class+Action+lawsuit+over+the+data+breach"
                                               "&since=2025-03-10")
    assert urgent.check(MENTIONS, config, T0)[0].fingerprint == big.fingerprint       # stable identity


def test_urgency_thresholds_come_from_config():
    config = AlertsConfig.model_validate({"urgent": {"reach_threshold": 50, "crisis_terms": ["park"],
                                                     "crisis_requires_negative": False}})
    ids = [a.labels["mention"] for a in urgent.check(MENTIONS, config, T0)]
    assert ids == ["x:1", "x:2", "reddit:5"]    # reach >= 50, or the word "park" whatever the sentiment
    config = AlertsConfig.model_validate({"urgent": {"enabled": False}})
    assert urgent.check(MENTIONS, config, T0) == []


def test_old_posts_do_not_page_when_history_is_imported_or_rescored():
    """A post older than ``urgent.max_age`` (default a day) when it is checked is history, not news."""
    config = AlertsConfig()
    lawsuit = {**MENTIONS[2], "created_at": T0 - timedelta(hours=23)}
    assert len(urgent.check([lawsuit], config, T0)) == 1
    assert urgent.check([{**lawsuit, "created_at": T0 - timedelta(days=3)}], config, T0) == []
    week = AlertsConfig.model_validate({"urgent": {"max_age": "7d"}})
    assert len(urgent.check([{**lawsuit, "created_at": T0 - timedelta(days=3)}], week, T0)) == 1


def test_crisis_terms_match_whole_words_case_insensitively():
    assert urgent.crisis_terms_in("DATA  Breach confirmed", ["data breach"]) == ["data breach"]
    assert urgent.crisis_terms_in("firewall down", ["fire"]) == []
    assert urgent.crisis_terms_in("食品安全问题", ["食品安全"]) == ["食品安全"]


# ---------------------------------------------------------------------------------------- silences


def test_a_silence_has_a_window_and_is_found_by_a_prefix_of_its_id():
    s = new_silence("brand=acme,alertname=~Neg.*", "ana", "deploy window", T0, timedelta(hours=2))
    assert s.state(T0) == "active" and s.ends_at == T0 + timedelta(hours=2) and s.created_at == T0
    assert s.mutes({"brand": "acme", "alertname": "NegativeSpike"}, T0)
    assert not s.mutes({"brand": "globex", "alertname": "NegativeSpike"}, T0)
    later = new_silence("brand=globex", "bo", "planned", T0, timedelta(hours=1), starts_at=T0 + timedelta(hours=1))
    assert later.state(T0) == "pending" and not later.mutes({"brand": "globex"}, T0)
    after = T0 + timedelta(hours=3)
    assert (s.state(after), later.state(after)) == ("expired", "expired")
    assert ",".join(str(m) for m in s.matchers) == 'brand="acme",alertname=~"Neg.*"'
    assert find([s, later], s.id[:6]) is s
    with pytest.raises(KeyError):
        find([s, later], "")            # a prefix both share names no single silence
    with pytest.raises(ValueError, match="already be over"):
        new_silence("brand=acme", "ana", "too late", T0, timedelta(hours=1), starts_at=T0 - timedelta(hours=2))
    assert Silence.from_dict(json.loads(json.dumps(s.to_dict()))) == s


def test_matchers_are_read_in_our_form_and_in_alertmanagers():
    ours = {"name": "brand", "value": "acme", "op": "!="}
    alertmanager = {"name": "brand", "value": "ac.*", "isRegex": True, "isEqual": True}
    assert [str(m) for m in parse_matchers([ours, alertmanager, "severity=critical"])] == [
        'brand!="acme"', 'brand=~"ac.*"', 'severity="critical"']
    with pytest.raises(ValueError, match="a label name and a value"):
        Matcher.from_dict({"name": " ", "value": "x"})


def test_an_acknowledgement_names_who_is_on_it_and_may_lapse():
    ack = new_acknowledgement("f1", "ana", T0, "on it", timedelta(hours=8))
    assert ack.is_active(T0 + timedelta(hours=7)) and not ack.is_active(T0 + timedelta(hours=8))
    assert new_acknowledgement("f1", "ana", T0).is_active(T0 + timedelta(days=365))   # until it resolves
    with pytest.raises(ValueError, match="who is on it"):
        new_acknowledgement("f1", "", T0)
    assert Acknowledgement.from_dict(json.loads(json.dumps(ack.to_dict()))) == ack
