"""A small multilingual corpus of complaints with known themes, and a deterministic embedding for it.

The embedding hashes character n-grams (scikit-learn's HashingVectorizer) and L2-normalises them:
posts that share words land close together, which is all the clustering tests need, without a model.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import numpy as np

#: Each theme's posts are built from interchangeable fragments, so a theme is a cloud of varied posts
#: rather than copies of a few templates.
THEMES = {
    "battery": (["The Lumora battery", "My battery", "Battery life on the Lumora", "This phone's battery",
                 "Lumora battery"],
                ["drains in two hours", "dies by noon", "drains overnight", "is awful since the update",
                 "drains while idle", "won't last a day", "drains so fast"],
                ["", " again", ", terrible battery", " #batterydrain", ", fix the battery please"]),
    "shipping": (["My Lumora order", "The delivery", "Lumora shipping", "My package", "The Lumora parcel"],
                 ["never arrived", "is delayed three weeks", "tracking is stuck", "went to the wrong address",
                  "shipping delayed again", "still not delivered"],
                 ["", ", where is my order", ", shipping is a mess", " #shipping", ", delivery delayed"]),
    "screen": (["路莫拉手机", "新买的手机", "这个手机", "我的路莫拉"],
               ["屏幕碎了", "屏幕闪烁", "屏幕出现绿线", "屏幕质量太差", "屏幕碎裂"],
               ["", "，屏幕质量差", "，真失望", "，屏幕问题严重"]),
    "refund": (["Lumora no me devuelve el dinero", "Pedí el reembolso", "Llevo un mes esperando",
                "El servicio de Lumora"],
               ["reembolso rechazado", "el reembolso nunca llega", "reembolso denegado otra vez",
                "sin reembolso"],
               ["", ", pésimo", ", qué vergüenza", " #reembolso"]),
}
NOISE = ["meh", "Lumora is fine I guess", "whatever happened to the old logo", "nothing works today lol",
         "saw an ad for Lumora on the bus", "is Lumora on sale this week"]

T0 = datetime(2026, 3, 1, tzinfo=UTC)


LANGUAGES = {"battery": "en", "shipping": "en", "screen": "zh", "refund": "es"}


def post(theme: str, rng: random.Random) -> str:
    separator = "" if LANGUAGES[theme] == "zh" else " "
    text = separator.join(rng.choice(part) for part in THEMES[theme]).strip()
    return text.replace(" ,", ",").replace(" #", " #")


def corpus(*, seed: int = 1, current: dict[str, int] | None = None, previous: dict[str, int] | None = None,
           noise: int = 6) -> list[dict]:
    """Rows for `find_themes` (columns text, period, language, source, url, author_handle, created_at, theme).

    By default shipping is new this period, screen complaints grew, battery is steady and refunds shrank.
    """
    current = current if current is not None else {"battery": 30, "shipping": 40, "screen": 30, "refund": 20}
    previous = previous if previous is not None else {"battery": 30, "screen": 12, "refund": 40}
    rng = random.Random(seed)
    rows: list[dict] = []

    def add(theme: str | None, period: str) -> None:
        n = len(rows) + 1
        offset = timedelta(days=rng.uniform(0, 28)) - (timedelta(days=28) if period == "previous" else timedelta(0))
        rows.append({"id": n, "text": post(theme, rng) if theme else rng.choice(NOISE), "period": period,
                     "language": LANGUAGES.get(theme, "en"), "source": rng.choice(["x", "reddit", "bluesky"]),
                     "url": f"https://example.test/p/{n}", "author_handle": f"user{n}", "created_at": T0 + offset,
                     "theme": theme})

    for period, counts in (("previous", previous), ("current", current)):
        for theme, count in counts.items():
            for _ in range(count):
                add(theme, period)
    for _ in range(noise):
        add(None, "current")
    return rows


def hashing_embed(texts: list[str]) -> np.ndarray:
    from sklearn.feature_extraction.text import HashingVectorizer

    vectors = HashingVectorizer(analyzer="char_wb", ngram_range=(2, 3), n_features=2 ** 12,
                                alternate_sign=False, norm="l2").transform([t.lower() for t in texts])
    return np.asarray(vectors.todense(), dtype=np.float32)


def topic_embed(texts: list[str]) -> np.ndarray:
    """Bag of words (our tokenizer, so Chinese bigrams too), hashed and L2-normalised: a stand-in for a
    sentence encoder that puts posts about the same thing close together."""
    from sklearn.feature_extraction.text import HashingVectorizer

    from brandpulse.reports.text import tokenize

    vectors = HashingVectorizer(analyzer=lambda text: tokenize(text, bigrams=False), n_features=2 ** 12,
                                alternate_sign=False, norm="l2").transform(texts)
    return np.asarray(vectors.todense(), dtype=np.float32)
