"""Which mentions need an answer, and the SLA alert of a case left waiting, from plain records."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from brandpulse.alerts.config import AlertsConfig, UrgentConfig
from brandpulse.alerts.routing import Router
from brandpulse.alerts.sla import CaseRules, SlaConfig, case_severity, check, more_severe

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
RULES = CaseRules()
URGENT = UrgentConfig()


@dataclass(frozen=True)
class Case:
    id: int = 7
    brand: str = "Lumora"
    source: str = "x"
    author: str = "dana_k"
    severity: str = "negative"
    state: str = "open"
    touchpoint: str | None = "delivery"
    opened_at: datetime = T0
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None


def post(**fields):
    return {"id": "1", "brand": "Lumora", "text": "my parcel is late", "reach": 50, "score": 0.0,
            "created_at": T0, **fields}


def test_a_strongly_negative_post_needs_an_answer_and_a_mild_one_does_not():
    assert case_severity(post(score=-0.8), RULES, URGENT, T0) == "negative"
    assert case_severity(post(score=-0.2), RULES, URGENT, T0) is None


def test_anger_makes_a_post_angry_once_the_scorer_gives_emotions():
    assert case_severity(post(score=-0.2, anger=0.7), RULES, URGENT, T0) == "angry"
    assert case_severity(post(score=-0.8, anger=0.1), RULES, URGENT, T0) == "negative"
    assert case_severity(post(score=-0.2, anger=0.7), CaseRules(anger=0.9), URGENT, T0) is None


def test_urgent_posts_come_first_and_old_posts_open_no_case():
    crisis = post(score=-0.3, text="the Lumora heater caught fire in my kitchen")
    assert case_severity(crisis, RULES, URGENT, T0) == "urgent"
    assert case_severity(crisis, CaseRules(urgent=False), URGENT, T0) is None
    assert case_severity(post(score=-0.9), RULES, URGENT, T0 + timedelta(days=4)) is None


def test_a_case_takes_the_most_pressing_severity():
    assert more_severe("negative", "urgent") == "urgent"
    assert more_severe("angry", "negative") == "angry"


def test_a_case_fires_once_its_target_has_passed_without_an_answer():
    config = SlaConfig()
    assert check([Case()], config, T0 + timedelta(hours=23)) == []
    [alert] = check([Case()], config, T0 + timedelta(hours=25))
    assert alert.status == "firing"
    assert alert.labels == {"alertname": "ResponseSLA", "brand": "Lumora", "kind": "sla", "case": "7", "source": "x",
                            "severity": "warning", "case_severity": "negative"}
    assert alert.starts_at == T0 + timedelta(hours=24)
    assert alert.ends_at == T0 + timedelta(hours=26)  # lapses unless a later check refreshes it
    assert "waiting 1d1h" in alert.annotations["summary"] and "delivery" in alert.annotations["summary"]


def test_targets_follow_the_case_severity():
    urgent = Case(severity="urgent")
    assert check([urgent], SlaConfig(), T0 + timedelta(minutes=59)) == []
    assert len(check([urgent], SlaConfig(), T0 + timedelta(minutes=61))) == 1
    slower = SlaConfig(targets={"urgent": timedelta(hours=2)})
    assert check([urgent], slower, T0 + timedelta(minutes=90)) == []
    assert slower.targets["negative"] == timedelta(hours=24)  # the targets not given keep their default


def test_an_answer_in_time_fires_nothing_and_a_late_one_resolves_the_alert():
    in_time = Case(first_response_at=T0 + timedelta(hours=2))
    late = Case(first_response_at=T0 + timedelta(hours=30))
    resolved_quietly = Case(resolved_at=T0 + timedelta(hours=3))
    assert check([in_time, resolved_quietly], SlaConfig(), T0 + timedelta(days=2)) == []
    [alert] = check([late], SlaConfig(), T0 + timedelta(days=2))
    assert alert.status == "resolved" and alert.ends_at == T0 + timedelta(hours=30)
    assert alert.fingerprint == check([Case()], SlaConfig(), T0 + timedelta(hours=25))[0].fingerprint


def test_the_router_announces_the_breach_and_then_its_resolution():
    router = Router(AlertsConfig())
    waiting_at = T0 + timedelta(hours=25)
    state, sent = router.process(check([Case()], SlaConfig(), waiting_at), None, now=waiting_at)
    later = waiting_at + timedelta(minutes=1)
    state, sent = router.process(check([Case()], SlaConfig(), later), state, now=later)
    assert [n.status for n in sent] == ["firing"]
    answered = replace(Case(), first_response_at=later + timedelta(minutes=5), state="waiting")
    after = later + timedelta(minutes=10)
    state, sent = router.process(check([answered], SlaConfig(), after), state, now=after)
    assert [(n.status, [a.status for a in n.alerts]) for n in sent] == [("resolved", ["resolved"])]


def test_a_disabled_sla_fires_nothing():
    assert check([Case()], SlaConfig(enabled=False), T0 + timedelta(days=3)) == []
