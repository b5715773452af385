"""The JSON the dashboard's API returns, as pydantic models: `/openapi.json` documents every field."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

Label = Literal["negative", "neutral", "positive", "unscored"]


class Counts(BaseModel):
    volume: int = Field(description="Mentions")
    scored: int = Field(description="Mentions the model has scored")
    negative: int
    neutral: int
    positive: int


class Bucket(Counts):
    start: datetime = Field(description="Start of the hour or day (UTC)")
    anger: int | None = Field(None, description="Mentions whose emotion is anger (once emotions are scored)")


class PeriodFigures(Counts):
    net_sentiment: float | None = Field(description="(positive - negative) / scored")
    negative_share: float | None = Field(description="negative / scored")
    health: float | None = Field(description="positive / (positive + negative)")


class Change(BaseModel):
    """The window against the period of equal length before it."""

    previous: PeriodFigures
    volume: float | None = Field(description="Relative change of mentions (0.5 = +50 %); None without earlier ones")
    net_sentiment: float | None = Field(description="Change in net sentiment (difference of fractions)")
    negative_share: float | None = Field(description="Change in negative share (difference of fractions)")
    anger_share: float | None = Field(None, description="Change in the share of angry mentions, once scored")


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
