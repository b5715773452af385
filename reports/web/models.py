"""The JSON the dashboard's API returns, as pydantic models: `/openapi.json` documents every field."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from brandpulse.alerts.durations import Duration

Label = Literal["negative", "neutral", "positive", "unscored"]


class Counts(BaseModel):
    volume: int = Field(description="Mentions")
    scored: int = Field(description="Mentions the model has scored")
    negative: int
    neutral: int
    positive: int


class Bucket(Counts):
    start: datetime = Field(description="Start of the hour or day (UTC)")
    anger: int | None = Field(None, description="Angry mentions: scored negative with anger leading (p(anger) >= "
                                                "0.5); None in a bucket without emotion scores")


class PeriodFigures(Counts):
    angry: int | None = Field(None, description="Angry mentions (negative, anger leading); None without emotion "
                                                "scores")
    net_sentiment: float | None = Field(description="(positive - negative) / scored")
    negative_share: float | None = Field(description="negative / scored")
    anger_share: float | None = Field(None, description="angry / scored; None without emotion scores")
    health: float | None = Field(description="positive / (positive + negative)")


class Change(BaseModel):
    """The window against the period of equal length before it."""

    previous: PeriodFigures
    volume: float | None = Field(description="Relative change of mentions (0.5 = +50 %); None without earlier ones")
    net_sentiment: float | None = Field(description="Change in net sentiment (difference of fractions)")
    negative_share: float | None = Field(description="Change in negative share (difference of fractions)")
    anger_share: float | None = Field(None, description="Change in the share of angry mentions (difference of "
                                                        "fractions); None unless both periods have emotion scores")


class RisingTerm(BaseModel):
    term: str
    count: int = Field(description="Negative mentions using it in the window")
    previous: int = Field(description="... in the previous period")
    change: float = Field(description="count / (previous + 1)")


class Quote(BaseModel):
    text: str
    url: str | None = None
    author: str | None = None
    reach: int | None = None
    score: float | None = None


class AlertOut(BaseModel):
    fingerprint: str
    rule: str
    state: Literal["pending", "firing", "resolved"]
    brand: str | None
    severity: str | None
    metric: str | None = Field(description="What the rule watches: negative, volume, negative_share, ...")
    labels: dict[str, str]
    summary: str
    description: str = ""
    starts_at: datetime | None
    ends_at: datetime | None
    updated_at: datetime | None
    peak: float | None = Field(None, description="The highest (or, for falls, lowest) value notified in the episode")
    expected: float | None = Field(None, description="What the detector expected when it fired")
    peak_score: float | None = None
    quotes: list[Quote] = Field(default_factory=list, description="The notification's top mentions")
    rising_terms: list[str] = Field(default_factory=list)
    notified: list[datetime] = Field(default_factory=list, description="When notifications about it were queued")
    mentions_link: str | None = Field(None, description="The mentions explorer filtered to the alert's window")
    silenced_by: list[str] = Field(default_factory=list)
    acknowledged: dict[str, Any] | None = None
    can_silence: bool = False
    can_acknowledge: bool = False


class SilenceOut(BaseModel):
    id: str
    matchers: list[dict[str, Any]]
    created_by: str
    comment: str
    starts_at: datetime
    ends_at: datetime
    status: Literal["active", "pending", "expired"]


class AlertsOut(BaseModel):
    alerts: list[AlertOut]
    silences: list[SilenceOut]


class MentionOut(BaseModel):
    id: int
    brand: str
    source: str
    external_id: str
    created_at: datetime
    language: str | None
    label: str | None
    score: float | None
    author_handle: str | None
    author_reach: int | None
    likes: int | None
    reposts: int | None
    replies: int | None
    url: str | None
    text: str


class MentionPage(BaseModel):
    items: list[MentionOut]
    has_more: bool
    limit: int
    offset: int
    total: int | None = Field(description="All matches, when asked for (counted up to 10,000)")
    total_capped: bool


class UrgentMention(BaseModel):
    brand: str
    text: str
    url: str | None
    author: str | None
    reach: int
    score: float
    source: str
    language: str | None
    created_at: datetime


class WindowOut(BaseModel):
    start: datetime
    end: datetime
    bucket: Literal["hour", "day"]
    days: int
    defaulted: bool = Field(description="True when no window was asked for and it was fitted to the data")
    previous_start: datetime
    languages: list[str] = Field(description="The languages counted (empty: all)")


class BrandOverview(PeriodFigures):
    brand: str
    share_of_voice: float | None
    share_of_voice_among: list[str]
    series: list[Bucket]
    change: Change
    rising_terms: list[RisingTerm]
    alert_periods: list[AlertOut] = Field(description="Alerts active at some moment of the window")
    firing_alerts: list[AlertOut]
    mentions_link: str


class Overview(BaseModel):
    window: WindowOut
    start: datetime
    end: datetime
    model_id: str
    brands: list[BrandOverview]
    alerts: list[AlertOut] = Field(description="Pending and firing alerts, now")
    urgent_mentions: list[UrgentMention] = Field(description="The negative mentions that reached most, since "
                                                             "`urgent_since`")
    urgent_since: datetime = Field(description="The start of the window's last 7 days (or of the window)")
    latest_mention: datetime | None
    first_mention: datetime | None


class Share(BaseModel):
    start: datetime
    shares: dict[str, float | None] = Field(description="Each peer's share of the peers' mentions")


class BreakdownRow(Counts):
    key: str
    mentions_link: str


class AuthorRow(BaseModel):
    author: str
    reach: int
    mentions: int
    negative: int
    mentions_link: str


class BrandDetail(BaseModel):
    window: WindowOut
    overview: BrandOverview
    sources: list[BreakdownRow]
    languages: list[BreakdownRow]
    share_of_voice: list[Share]
    peers: list[str]
    top_authors: list[AuthorRow]


class Facets(BaseModel):
    brands: list[str]
    sources: list[str]
    languages: list[str]
    sentiments: list[str]


class Created(BaseModel):
    id: str


class Expired(BaseModel):
    id: str
    expired: bool


class Acknowledged(BaseModel):
    fingerprint: str
    acknowledged_by: str
    expires_at: datetime | None


class Themes(BaseModel):
    brand: str
    start: datetime
    end: datetime
    available: bool
    reason: str | None = None
    themes: list[dict[str, Any]] = Field(description="Complaint themes (reports.feedback), newest and growing first")
    total: int | None = None
    sampled: int | None = None
    clustered: int | None = None
    note: str | None = None

    model_config = {"extra": "allow"}


# ----------------------------------------------------------------------------------------------------
# Customer experience: the CX map, response figures and the response inbox (cases)

class CellFiguresOut(BaseModel):
    volume: int = Field(description="Tagged mentions")
    scored: int
    negative: int
    neutral: int
    positive: int
    angry: int = Field(description="Scored negative with anger leading (p(anger) >= 0.5)")
    emotional: int = Field(description="Scored mentions that have emotion scores at all")
    net_sentiment: float | None = Field(description="(positive - negative) / scored")
    negative_share: float | None = Field(description="negative / scored")
    anger_share: float | None = Field(description="angry / scored; None without emotion scores")


class CxCellOut(CellFiguresOut):
    touchpoint: str
    stage: str = Field(description="Journey stage")
    previous: CellFiguresOut = Field(description="The same cell in the period of equal length before the window")
    volume_change: float | None = Field(description="Relative change of mentions (0.5 = +50 %); None without "
                                                    "earlier ones")
    net_sentiment_change: float | None = Field(description="Difference of fractions")
    negative_share_change: float | None = Field(description="Difference of fractions")
    anger_share_change: float | None = Field(description="Difference of fractions")
    movement: int = Field(description="|change in mentions| + |change in negative mentions|: how much the cell "
                                      "moved (the biggest leads the report)")


class CxQuote(BaseModel):
    id: int = Field(description="The mention's id")
    brand: str
    touchpoint: str
    stage: str
    source: str
    created_at: datetime
    author: str | None
    reach: int
    label: str | None = Field(description="Sentiment label (None: not scored by this model yet)")
    score: float | None
    url: str | None = Field(description="The original post")
    text: str = Field(description="The post, whitespace folded and trimmed to 280 characters")


class CxMapOut(BaseModel):
    window: WindowOut
    brand: str | None = Field(description="The brand counted (None: every brand)")
    touchpoints: list[str] = Field(description="By mentions in the window, most first")
    stages: list[str] = Field(description="Journey stages, in journey order")
    cells: list[CxCellOut] = Field(description="Each touchpoint x stage with mentions in the window or before")
    quotes: dict[str, list[CxQuote]] = Field(description="Example posts per touchpoint: negative ones that reached "
                                                         "most first")
    biggest_change: CxCellOut | None = Field(description="The cell that moved most against the previous period")
    headline: str | None = Field(description="What moved most, in one sentence")


class ResponseFiguresOut(BaseModel):
    period: str = Field(description="First day of the day or week (YYYY-MM-DD), or 'all' for the whole window")
    group: str = Field(description="The source or touchpoint ('untagged' for cases without one), or 'all'")
    cases: int = Field(description="Cases opened")
    answered: int = Field(description="Cases with a first response from the brand's accounts")
    response_rate: float | None = Field(description="answered / cases")
    median_first_response_s: float | None = Field(description="Median time to first response, seconds")
    p90_first_response_s: float | None = Field(description="90th percentile of the time to first response, seconds")
    within_sla: float | None = Field(description="Cases answered within their severity's target / cases whose "
                                                 "outcome is known (None: no outcome known yet, or no targets)")
    resolved: int
    median_resolution_s: float | None = Field(description="Median time to resolution, seconds")


class CxFiguresOut(BaseModel):
    window: WindowOut
    brand: str | None = Field(description="The brand counted (None: every brand)")
    every: Literal["day", "week"] = Field(description="The period of `over_time`")
    targets: dict[str, Duration] = Field(description="Response target per case severity (the SLA), as a duration: "
                                                  "'4h'")
    total: ResponseFiguresOut | None = Field(description="Cases opened in the window (None: no cases)")
    previous: ResponseFiguresOut | None = Field(description="Cases opened in the period of equal length before")
    by_source: list[ResponseFiguresOut]
    by_touchpoint: list[ResponseFiguresOut]
    over_time: list[ResponseFiguresOut] = Field(description="Per day or week (`every`) of the window, all sources")


CaseStateName = Literal["open", "assigned", "waiting", "resolved"]


class CaseOut(BaseModel):
    id: int
    brand: str
    source: str
    author: str = Field(description="The customer (author handle, else thread:<id> or post:<id>)")
    thread_id: str | None
    state: CaseStateName
    severity: str = Field(description="urgent, angry or negative: the most pressing of its posts")
    touchpoint: str | None
    stage: str | None
    assignee: str | None
    opened_at: datetime = Field(description="When the customer's first post of the case was written")
    first_response_at: datetime | None = Field(description="The brand's first reply")
    resolved_at: datetime | None
    updated_at: datetime
    due_at: datetime | None = Field(description="When the first response is due (the severity's target)")
    link: str = Field(description="The case's page in the dashboard")


class CasePostOut(BaseModel):
    mention_id: int
    role: Literal["customer", "reply"] = Field(description="The customer's post or the brand's reply")
    source: str
    external_id: str
    author: str | None
    text: str
    url: str | None
    created_at: datetime


class CaseEventOut(BaseModel):
    at: datetime
    actor: str
    kind: str = Field(description="opened, customer, reply, assigned, comment or resolved")
    note: str | None


class CaseDetail(BaseModel):
    case: CaseOut
    posts: list[CasePostOut] = Field(description="The customer's posts and the brand's replies, oldest first")
    history: list[CaseEventOut] = Field(description="What happened to the case, oldest first")
