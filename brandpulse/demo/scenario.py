"""The demo's world in numbers: its brands, when people post, where, and the storm's timetable.

The words people write are data (`data/texts/*.json`, `data/world.json`, loaded by `texts`); what is here
decides how many of them appear, when and on which site.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

SEED = 7
DAYS = 14
#: Day 1 of the stream, a Monday. The demo shifts the whole stream in simulated time.
START = datetime(2026, 3, 2, tzinfo=UTC)
#: The storm starts on day 10 (1-based; 2026-03-11, a Wednesday) at 14:00 UTC, ramps up for six
#: hours, peaks 20:00-21:00 UTC, decays, and is over 30 hours after it began.
STORM_DAY = 10
STORM_START = START + timedelta(days=STORM_DAY - 1, hours=14)
STORM_PEAK = STORM_START + timedelta(hours=6)
STORM_HOURS = 30
STORM_END = STORM_START + timedelta(hours=STORM_HOURS)
STORM_BRAND = "Lumora"
STORM_PRODUCT = "Lumora Halo"
#: After the storm Lumora ships replacement charging cases, and they run late: from day 12 08:00 UTC the
#: complaints pile up (rising for 16 hours, then steady) for 40 hours on X, Bluesky and Mastodon.
REPLACEMENTS_START = STORM_START + timedelta(hours=42)
REPLACEMENTS_HOURS = 40
REPLACEMENTS_PEAK_PER_HOUR = 1.2
REPLACEMENTS_SOURCES = (("x", .6), ("bluesky", .2), ("mastodon", .2))
#: Lumora's support account on each of those sites (the demo's config lists them as the brand's `accounts`).
SUPPORT_ACCOUNTS = {"x": "LumoraCare", "bluesky": "lumoracare.bsky.social",
                    "mastodon": "LumoraCare@social.lumora.example"}
SUPPORT_REACH = 21_400
#: How the support account answers a late-replacement complaint: share, and the delay's range in minutes.
#: Soon is within every response target (urgent: 1 hour); late is past all of them (negative: 24 hours);
#: the rest get no answer.
SUPPORT_ANSWERS = (("soon", .45, (6, 50)), ("late", .3, (26 * 60, 32 * 60)), ("never", .25, (0, 0)))

SOURCES = ("x", "reddit", "bluesky", "mastodon", "hackernews", "rss")
LANGS = ("en", "es", "de", "fr", "pl", "it", "pt", "zh", "ja")
FIELDS = ("source", "external_id", "url", "author_id", "author_handle", "author_reach", "text", "language",
          "created_at", "brand", "engagement", "thread_id", "parent_id", "raw")


@dataclass(frozen=True)
class Brand:
    name: str
    category: str                                  # "audio" or "coffee": picks the text tables
    daily: float                                   # mean mentions per day before the weekly factor
    products: tuple[tuple[str, float, int], ...]   # (name, weight, price in USD)
    handle: str                                    # the official account, without "@"
    site: str
    hashtags: tuple[str, ...]
    languages: tuple[tuple[str, float], ...]
    topics: tuple[tuple[str, float], ...]
    official_reach: int


_TOPICS_AUDIO = (("praise", 0.38), ("question", 0.20), ("neutral", 0.20), ("delivery", 0.05), ("price", 0.05),
                 ("support", 0.05), ("defect", 0.07))
BRANDS: tuple[Brand, ...] = (
    Brand("Lumora", "audio", 120, (("Lumora Halo", 0.60, 149), ("Lumora Halo Lite", 0.25, 79),
                                   ("Lumora Halo Sport", 0.15, 129)),
          "lumora", "lumora.example", ("#Lumora", "#LumoraHalo"),
          (("en", .40), ("de", .11), ("es", .10), ("fr", .08), ("pt", .07), ("it", .05), ("pl", .06), ("zh", .08),
           ("ja", .05)), _TOPICS_AUDIO, 184_000),
    Brand("Brevio", "coffee", 50, (("Brevio Uno", 0.45, 299), ("Brevio Crema 2", 0.35, 549),
                                   ("Brevio Lattea", 0.20, 799)),
          "brevio", "brevio.example", ("#Brevio", "#BrevioCoffee"),
          (("en", .26), ("de", .18), ("it", .14), ("fr", .12), ("es", .10), ("pl", .08), ("pt", .07), ("zh", .03),
           ("ja", .02)),
          (("praise", 0.42), ("question", 0.20), ("neutral", 0.20), ("delivery", 0.05), ("price", 0.04),
           ("support", 0.04), ("defect", 0.05)), 58_000),
    Brand("Vexon", "audio", 80, (("Vexon Sonic 3", 0.55, 169), ("Vexon Flow", 0.30, 89),
                                 ("Vexon Sonic Pro", 0.15, 249)),
          "vexonaudio", "vexon.example", ("#Vexon", "#VexonSonic"),
          (("en", .36), ("zh", .14), ("ja", .09), ("de", .10), ("es", .10), ("fr", .07), ("pt", .06), ("it", .04),
           ("pl", .04)), _TOPICS_AUDIO, 412_000),
)
BRAND_BY_NAME = {brand.name: brand for brand in BRANDS}
INTENT_OF_TOPIC = {"praise": "positive", "question": "neutral", "neutral": "neutral", "delivery": "negative",
                   "price": "negative", "support": "negative", "defect": "negative"}
KEY_OF_INTENT = {"positive": "pos", "neutral": "neu", "negative": "neg"}

#: Relative activity by local hour (mean 1). Coffee talk peaks in the morning, earbud talk in the evening.
DIURNAL: dict[str, tuple[float, ...]] = {
    "audio": (0.35, 0.22, 0.14, 0.10, 0.09, 0.12, 0.25, 0.50, 0.80, 0.95, 1.00, 1.08, 1.20, 1.18, 1.08, 1.05,
              1.10, 1.22, 1.38, 1.50, 1.52, 1.40, 1.05, 0.65),
    "coffee": (0.25, 0.15, 0.10, 0.08, 0.10, 0.25, 0.70, 1.30, 1.50, 1.40, 1.20, 1.10, 1.15, 1.05, 0.95, 0.95,
               1.00, 1.05, 1.10, 1.15, 1.10, 0.95, 0.70, 0.45),
}
for _name, _curve in DIURNAL.items():
    DIURNAL[_name] = tuple(value * 24 / sum(_curve) for value in _curve)
#: Relative activity by local weekday (Monday first): weekends are quieter for gadgets, busier for coffee.
WEEKLY = {"audio": (1.00, 1.03, 1.02, 1.00, 0.95, 0.82, 0.86), "coffee": (0.95, 0.95, 0.97, 0.97, 1.00, 1.20, 1.22)}
#: Where each language's speakers are (UTC offsets, standard time) and how they split.
TIMEZONES = {
    "en": ((-5, .38), (-8, .14), (0, .34), (10, .06), (5, .08)), "es": ((1, .5), (-6, .3), (-3, .2)),
    "de": ((1, 1.0),), "fr": ((1, .92), (-5, .08)), "pl": ((1, 1.0),), "it": ((1, 1.0),),
    "pt": ((-3, .75), (0, .25)), "zh": ((8, 1.0),), "ja": ((9, 1.0),),
}
SOURCE_MIX = {
    "en": (("x", .43), ("reddit", .20), ("bluesky", .15), ("mastodon", .07), ("hackernews", .11), ("rss", .04)),
    "es": (("x", .64), ("reddit", .10), ("bluesky", .14), ("mastodon", .06), ("rss", .06)),
    "de": (("x", .40), ("reddit", .15), ("bluesky", .17), ("mastodon", .22), ("rss", .06)),
    "fr": (("x", .52), ("reddit", .11), ("bluesky", .17), ("mastodon", .14), ("rss", .06)),
    "pl": (("x", .62), ("reddit", .19), ("bluesky", .06), ("mastodon", .07), ("rss", .06)),
    "it": (("x", .62), ("reddit", .13), ("bluesky", .10), ("mastodon", .09), ("rss", .06)),
    "pt": (("x", .62), ("reddit", .08), ("bluesky", .22), ("mastodon", .02), ("rss", .06)),
    "zh": (("x", .92), ("rss", .08)),
    "ja": (("x", .81), ("bluesky", .07), ("mastodon", .06), ("rss", .06)),
}
STORM_LANGS = (("en", .46), ("de", .11), ("es", .09), ("fr", .08), ("pt", .06), ("it", .05), ("pl", .05),
               ("zh", .06), ("ja", .04))
STORM_SOURCES = (("x", .56), ("bluesky", .12), ("mastodon", .06), ("reddit", .16), ("hackernews", .06))
STORM_PEAK_PER_HOUR = 58.0
#: Ordinary (non-storm) negative mentions per brand and hour never exceed this.
NEGATIVE_CAP = {"Lumora": 4, "Brevio": 3, "Vexon": 3}
LIMITS = {"x": 280, "bluesky": 300, "mastodon": 500}
