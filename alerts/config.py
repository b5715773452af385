"""The ``alerts:`` section of brandpulse.yaml, as pydantic models the config loader embeds.

An empty section is a working setup: one rule (a negative-volume spike per brand, burst detector)
routed to the ``console`` receiver. Names follow Prometheus and Alertmanager (``for``, ``group_by``,
``group_wait``, ``group_interval``, ``repeat_interval``, ``continue``, ``send_resolved``, matchers,
``inhibit_rules``). Durations are strings such as ``"30s"``, ``"5m"``, ``"1h"``, ``"2d"`` (or a number
of seconds): ``durations.Duration``. Secrets are ``SecretStr`` (the loader has already replaced
``${ENV}`` references)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Annotated, Any, Literal, TypeAlias

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    field_validator,
    model_validator,
)

from .detector_base import COUNT_METRICS
from .durations import Duration
from .envelope import NAB_STANDARD_THRESHOLD
from .matchers import Matcher, parse_matchers

Metric = Literal["volume", "negative", "negative_share", "net_sentiment"]
Severity = Literal["critical", "warning", "info"]
DetectorKind = Literal["burst", "seasonal", "online", "novelty"]

#: Score thresholds per named sensitivity, per detector. The burst, seasonal and online detectors
#: score ``-log10(p)`` of the observed bucket under the baseline. The burst sensitivities stand for
#: NAB's profiles (low: reward_low_FP_rate, medium: standard, high: reward_low_FN_rate), chosen on the
#: dev part of the generated mention series (benchmarks/mention_bench.py reports dev and held out).
#: The novelty detector scores how far past the envelopes of its history a value goes (as fractions
#: of their ranges, weighted by their age); its medium threshold is the one chosen on the Numenta
#: Anomaly Benchmark for the standard profile
#: (benchmarks/nab_score.py reports NAB's scores at all three), high is half of it (earlier, more
#: false alarms), low twice it (only large departures).
SENSITIVITY_THRESHOLDS: dict[str, dict[str, float]] = {
    "burst": {"high": 4.5, "medium": 5.5, "low": 7.0},
    "seasonal": {"high": 3.0, "medium": 5.0, "low": 7.0},
    "online": {"high": 3.0, "medium": 5.0, "low": 7.0},
    "novelty": {"high": NAB_STANDARD_THRESHOLD / 2, "medium": NAB_STANDARD_THRESHOLD,
                "low": NAB_STANDARD_THRESHOLD * 2},
}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


def _matcher_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [str(m) for m in parse_matchers(value)]
    if isinstance(value, dict):  # {"brand": "acme"} shorthand for equality matchers
        return [str(Matcher(str(k), str(v))) for k, v in value.items()]
    return [str(Matcher.parse(v)) if isinstance(v, str) else str(v) for v in value]


Matchers = Annotated[list[str], BeforeValidator(_matcher_list)]


class RuleConfig(_Model):
    """One alert rule, evaluated per series (per brand, or per brand and source/language)."""

    name: str = Field(description="alertname label; also the rule's identity")
    metric: Metric = "negative"
    detector: DetectorKind = Field(
        default="burst",
        description="default: burst for counts (volume, negative), seasonal for shares and sentiment")
    sensitivity: float | Literal["low", "medium", "high"] = "medium"
    direction: Literal["up", "down", "both"] | None = Field(
        default=None, description="which deviation alerts; default down for net_sentiment, up otherwise")
    min_volume: int = Field(default=5, ge=0, description="mentions a bucket needs before it can alert")
    min_ratio: float = Field(default=1.5, ge=1.0,
                             description="observed/expected (or expected/observed) needed, besides the test")
    for_: Duration = Field(default=timedelta(0), alias="for")
    keep_firing_for: Duration = timedelta(0)
    severity: Severity = "warning"
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    matchers: Matchers = Field(default_factory=list, description="which series the rule applies to")
    history: Duration = Field(default=timedelta(days=28), description="baseline look-back")
    warmup: Duration = Field(default=timedelta(days=2), description="history needed before alerting")
    season: Literal["auto", "hour_of_day", "hour_of_week", "none"] = "auto"

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not value or not value.replace("_", "").replace("-", "").replace(".", "").isalnum():
            raise ValueError("rule names are letters, digits, '_', '-' and '.'")
        return value

    @model_validator(mode="before")
    @classmethod
    def _default_detector(cls, data: Any) -> Any:
        """A rule that names no detector gets the field's default, burst, for a count, seasonal otherwise."""
        if isinstance(data, dict) and "detector" not in data \
                and data.get("metric", cls.model_fields["metric"].default) not in COUNT_METRICS:
            return {**data, "detector": "seasonal"}
        return data

    @model_validator(mode="after")
    def _detector_fits(self) -> RuleConfig:
        counts = self.metric in COUNT_METRICS
        if self.detector == "burst" and not counts:
            raise ValueError(f"the burst detector watches counts (volume, negative), not {self.metric}")
        if self.detector == "burst" and self.direction not in (None, "up"):
            raise ValueError("the burst detector watches rises (direction: up); drops of a count are outages"
                             " or quiet hours, use detector: seasonal to alert on them")
        return self

    @property
    def threshold(self) -> float:
        if isinstance(self.sensitivity, str):
            return SENSITIVITY_THRESHOLDS[self.detector][self.sensitivity]
        return float(self.sensitivity)

    @property
    def effective_direction(self) -> str:
        if self.direction:
            return self.direction
        return "down" if self.metric == "net_sentiment" else "up"

    def matcher_objects(self) -> list[Matcher]:
        return parse_matchers(self.matchers)


class RouteConfig(_Model):
    """A node of the Alertmanager routing tree. Unset timers and grouping inherit from the parent."""

    receiver: str | None = None
    matchers: Matchers = Field(default_factory=list)
    group_by: list[str] | None = None
    group_wait: Duration | None = None
    group_interval: Duration | None = None
    repeat_interval: Duration | None = None
    continue_: bool = Field(default=False, alias="continue")
    routes: list[RouteConfig] = Field(default_factory=list)

    def matcher_objects(self) -> list[Matcher]:
        return parse_matchers(self.matchers)


class _Integration(_Model):
    send_resolved: bool = True
    timeout: Duration = timedelta(seconds=10)


class SlackConfig(_Integration):
    webhook_url: SecretStr
    channel: str | None = None
    username: str | None = None


class EmailConfig(_Integration):
    to: list[str]
    from_: str = Field(alias="from")
    smarthost: str = Field(description="host:port of the SMTP server")
    username: str | None = None
    password: SecretStr | None = None
    starttls: bool = True
    smtps: bool = Field(default=False, description="TLS from the first byte (SMTPS, usually port 465), not STARTTLS")
    ca_file: str | None = Field(default=None, description="CA bundle to verify the server with (private CAs)")
    subject_prefix: str = "[BrandPulse]"

    @property
    def security(self) -> Literal["smtps", "starttls", "none"]:
        """How the session is protected: SMTPS when asked (or `starttls: false` on port 465), else
        STARTTLS, else nothing (`starttls: false`: a relay on the same host)."""
        if self.smtps or (not self.starttls and self.smarthost.rpartition(":")[2] == "465"):
            return "smtps"
        return "starttls" if self.starttls else "none"

    @field_validator("to", mode="before")
    @classmethod
    def _to(cls, value: Any) -> Any:
        return [v.strip() for v in value.split(",")] if isinstance(value, str) else value

    @field_validator("smarthost")
    @classmethod
    def _smarthost(cls, value: str) -> str:
        host, _, port = value.rpartition(":")
        if not host or not port.isdigit():
            raise ValueError("smarthost is host:port, e.g. smtp.example.com:587")
        return value


class WebhookConfig(_Integration):
    url: str
    secret: SecretStr | None = Field(default=None, description="HMAC-SHA256 key for the signature header")
    headers: dict[str, str] = Field(default_factory=dict)


class PagerDutyConfig(_Integration):
    routing_key: SecretStr
    url: str = "https://events.pagerduty.com/v2/enqueue"
    source: str = "brandpulse"


class AlertmanagerConfig(_Integration):
    """A Prometheus Alertmanager: alerts are posted to its `/api/v2/alerts`, so they take the routes,
    silences and inhibitions on-call already has there."""

    url: str = Field(description="Alertmanager's address, e.g. http://alertmanager:9093")
    lapse_after: Duration = Field(default=timedelta(hours=6), description=(
        "endsAt of a firing alert: Alertmanager resolves it by itself unless told again by then; keep it "
        "longer than the route's repeat_interval"))
    bearer_token: SecretStr | None = Field(default=None, description="for an Alertmanager behind an auth proxy")
    headers: dict[str, str] = Field(default_factory=dict)


class TeamsConfig(_Integration):
    webhook_url: SecretStr


class ConsoleConfig(_Integration):
    stream: Literal["stdout", "stderr"] = "stdout"
    format: Literal["text", "json"] = "text"


class FileConfig(_Integration):
    path: str


INTEGRATIONS = ("slack", "email", "webhook", "pagerduty", "teams", "console", "file", "alertmanager")
Integration: TypeAlias = (SlackConfig | EmailConfig | WebhookConfig | PagerDutyConfig | TeamsConfig | ConsoleConfig
                          | FileConfig | AlertmanagerConfig)


class ReceiverConfig(_Model):
    """A named destination with exactly one integration."""

    name: str
    slack: SlackConfig | None = None
    email: EmailConfig | None = None
    webhook: WebhookConfig | None = None
    pagerduty: PagerDutyConfig | None = None
    teams: TeamsConfig | None = None
    console: ConsoleConfig | None = None
    file: FileConfig | None = None
    alertmanager: AlertmanagerConfig | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> ReceiverConfig:
        present = list(self._present())
        if len(present) != 1:
            raise ValueError(f"receiver {self.name!r} needs exactly one of {', '.join(INTEGRATIONS)}"
                             f" (has {', '.join(present) or 'none'})")
        return self

    def _present(self) -> dict[str, Integration]:
        """The integrations given, by name (a valid receiver has exactly one)."""
        given = {name: getattr(self, name) for name in INTEGRATIONS}
        return {name: value for name, value in given.items() if isinstance(value, Integration)}

    @property
    def kind(self) -> str:
        return next(iter(self._present()))

    @property
    def integration(self) -> Integration:
        return next(iter(self._present().values()))


class InhibitRuleConfig(_Model):
    """While an alert matching ``source_matchers`` fires, alerts matching ``target_matchers`` with the
    same values of the ``equal`` labels are not notified."""

    source_matchers: Matchers = Field(default_factory=list)
    target_matchers: Matchers = Field(default_factory=list)
    equal: list[str] = Field(default_factory=list)


#: Phrases that signal a crisis rather than a complaint (whole words, any case). Kept specific on
#: purpose: "died" or "fire" alone mostly mean a dead battery or slang.
DEFAULT_CRISIS_TERMS = [
    "injury", "injured", "injuries", "hospital", "lawsuit", "sued", "class action", "data breach", "data leak",
    "hacked", "boycott", "recall", "caught fire", "exploded", "explosion", "burns", "food poisoning", "fraud",
]


class AngryCustomerConfig(_Model):
    """The `angry customer` rule: urgency = anger x reach x recency (x `crisis_boost` with crisis terms)."""

    enabled: bool = True
    # 0.85: a furious post (anger 0.95) pages from about 2,000 followers, or from about 50 with crisis terms;
    # smaller angry customers are the response inbox's (cases), not the pager's.
    threshold: float = Field(default=0.85, gt=0.0, le=1.0, description="urgency at or above which a mention pages")
    min_anger: float = Field(default=0.6, ge=0.0, le=1.0, description="p(anger) below this never pages")
    full_reach: int = Field(default=5_000, ge=2, description="reach at which the reach factor reaches 1 "
                                                              "(log scale: 50 is about 0.46, 500 about 0.73)")
    half_life: Duration = Field(default=timedelta(hours=6), description="the recency factor halves every half-life")
    crisis_boost: float = Field(default=2.0, ge=1.0, description="urgency factor when crisis terms appear")


class UrgentConfig(_Model):
    """Single mentions that page at once: strongly negative from a high-reach author, crisis terms, or
    an angry customer (anger x reach x recency)."""

    enabled: bool = True
    crisis_terms: list[str] = Field(default_factory=lambda: list(DEFAULT_CRISIS_TERMS))
    reach_threshold: int = Field(default=10_000, ge=0)
    score_threshold: float = Field(default=-0.6, ge=-1.0, le=1.0,
                                   description="sentiment score at or below which a mention is strongly negative")
    crisis_requires_negative: bool = Field(
        default=True, description="crisis terms alert only in mentions scored below 0 (not 'no injury, great')")
    severity: Severity = "critical"
    ttl: Duration = Field(default=timedelta(hours=1), description="how long an urgent alert stays firing")
    max_age: Duration = Field(
        default=timedelta(days=1),
        description="a mention posted longer ago than this when it is scored does not page (history being "
                    "imported, collected with a look-back, or re-scored by a new model is not news)")
    labels: dict[str, str] = Field(default_factory=dict)
    angry: AngryCustomerConfig = Field(default_factory=AngryCustomerConfig)


def default_rules() -> list[RuleConfig]:
    return [RuleConfig(name="NegativeSpike", metric="negative", detector="burst", severity="warning",
                       keep_firing_for=timedelta(hours=2),
                       annotations={"summary": "Negative mentions of {brand} spiked"})]


def default_receivers() -> list[ReceiverConfig]:
    return [ReceiverConfig(name="console", console=ConsoleConfig())]


def default_route() -> RouteConfig:
    # Urgent mentions go out at once (more for the same brand follow at the group interval, batched);
    # spikes are grouped per rule and brand.
    urgent = RouteConfig(matchers=['kind="urgent"'], group_by=["alertname", "brand"], group_wait=timedelta(0))
    return RouteConfig(receiver="console", group_by=["alertname", "brand"],
                       group_wait=timedelta(seconds=30), group_interval=timedelta(minutes=5),
                       repeat_interval=timedelta(hours=4), routes=[urgent])


def default_inhibit_rules() -> list[InhibitRuleConfig]:
    # A brand-wide critical alert (no source or language label) silences that brand's narrower
    # (per-source or per-language) alerts. An urgent mention is one post, not a brand-wide crisis
    # (it has no source label only because it is about a single mention): it inhibits nothing.
    brand_wide = ['severity="critical"', 'source=""', 'language=""', 'kind!="urgent"']
    return [InhibitRuleConfig(source_matchers=brand_wide, target_matchers=['source=~".+"'], equal=["brand"]),
            InhibitRuleConfig(source_matchers=brand_wide, target_matchers=['language=~".+"'], equal=["brand"])]


class AlertsConfig(_Model):
    bucket: Duration = Field(default=timedelta(hours=1), description="length of the metric buckets")
    dashboard_url: str | None = Field(default=None, description="base URL of the dashboard for links")
    rules: list[RuleConfig] = Field(default_factory=default_rules)
    route: RouteConfig = Field(default_factory=default_route)
    receivers: list[ReceiverConfig] = Field(default_factory=default_receivers)
    inhibit_rules: list[InhibitRuleConfig] = Field(default_factory=default_inhibit_rules)
    urgent: UrgentConfig = Field(default_factory=UrgentConfig)

    @model_validator(mode="after")
    def _consistent(self) -> AlertsConfig:
        names = [r.name for r in self.receivers]
        dupes = {n for n in names if names.count(n) > 1}
        if dupes:
            raise ValueError(f"receiver names must be unique: {sorted(dupes)}")
        rule_names = [r.name for r in self.rules]
        dupes = {n for n in rule_names if rule_names.count(n) > 1}
        if dupes:
            raise ValueError(f"rule names must be unique: {sorted(dupes)}")
        if not self.route.receiver:
            raise ValueError("the root route needs a receiver")
        for route in _walk(self.route):
            if route.receiver and route.receiver not in names:
                raise ValueError(f"route receiver {route.receiver!r} is not defined in receivers")
        return self

    def receiver(self, name: str) -> ReceiverConfig:
        for receiver in self.receivers:
            if receiver.name == name:
                return receiver
        raise KeyError(f"no receiver named {name!r}")


def _walk(route: RouteConfig) -> Iterator[RouteConfig]:
    yield route
    for child in route.routes:
        yield from _walk(child)
