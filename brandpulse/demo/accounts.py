"""Who posts, and the ids and handles each site would give them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from brandpulse.demo import texts
from brandpulse.demo.dice import Dice
from brandpulse.demo.scenario import START, Brand

_B32_SORT = "234567abcdefghijklmnopqrstuvwxyz"
_B32 = "abcdefghijklmnopqrstuvwxyz234567"
_B36 = "0123456789abcdefghijklmnopqrstuvwxyz"
_X_EPOCH_MS = 1_288_834_974_657


#: A brand's official X account per language: the bare handle in English, `lumora_fr` in French...
OFFICIAL_SUFFIXES = {"en": "", "de": "_de", "es": "_es", "fr": "_fr", "it": "_it", "pt": "_br", "pl": "_pl",
                     "zh": "_cn", "ja": "_jp"}


def official_handles(brand: Brand) -> list[str]:
    """All of the brand's official accounts, as the demo's config lists them in its `handles`: what they
    post is the brand's own voice (statements, replies), never a customer's."""
    return [f"@{brand.handle}{suffix}" for suffix in OFFICIAL_SUFFIXES.values()]


@dataclass
class Author:
    source: str
    lang: str
    author_id: str
    handle: str
    reach: int | None
    posts: int = 0


class Accounts:
    """The people of the stream: new ones appear, those who posted before post again; brands have official accounts."""

    def __init__(self, dice: Dice) -> None:
        self.dice = dice
        self.authors: dict[tuple[str, str], list[Author]] = defaultdict(list)
        self.handles: set[tuple[str, str]] = set()
        self.officials: dict[tuple[str, str], Author] = {}

    def _new_handle(self, source: str, lang: str) -> str:
        name = self.dice.pick(texts.world()["names"][lang])
        for _ in range(50):
            handle = self._as_on(source, lang, self._handle_from(name, source, lang))
            if (source, handle.lower()) not in self.handles:
                self.handles.add((source, handle.lower()))
                return handle
        raise RuntimeError("ran out of handles")

    def _handle_from(self, name: str, source: str, lang: str) -> str:
        """A handle in one of the styles people pick (Reddit's generated ones and throwaways too)."""
        dice, world = self.dice, texts.world()
        hobbies = world["hobbies"]
        style = dice.random()
        if source == "reddit" and style < 0.45:
            sep = dice.pick(("_", "-"))
            adjective, noun = dice.pick(world["reddit_adjectives"]), dice.pick(world["reddit_nouns"])
            return f"{adjective}{sep}{noun}{sep}{dice.between(1000, 9999)}"
        if source == "reddit" and style < 0.6:
            return f"throwaway_{dice.pick(hobbies)}{dice.between(10, 999)}"
        if style < 0.3:
            return f"{name}_{dice.pick(hobbies)}"
        if style < 0.5:
            return f"{name}{dice.between(1, 99):02d}"
        if style < 0.7:
            return f"{name}_{dice.pick(world['places'][lang])}"
        if style < 0.85:
            return f"{dice.pick(hobbies)}{dice.pick(('_', '', '.'))}{name}"
        return f"{name}{dice.pick(('x', 'o', 'y', '_'))}{dice.between(100, 9999)}"

    def _as_on(self, source: str, lang: str, handle: str) -> str:
        """The handle as the site allows it (X: 15 characters, Bluesky: a domain, Mastodon: an instance)."""
        if source in ("x", "mastodon", "hackernews"):
            handle = handle.replace(".", "_")
        if source == "x":
            return handle[:15].rstrip("_")
        if source == "hackernews":
            return handle.replace("_", "").lower()[:14]
        if source == "bluesky":
            return handle.replace("_", "-").replace(".", "-").strip("-") + ".bsky.social"
        if source == "mastodon":
            return f"{handle}@{self.dice.pick(texts.world()['mastodon_instances'][lang])}"
        return handle

    def _reach(self, source: str) -> int | None:
        dice = self.dice
        if source == "x":
            return int(min(2_500_000, max(3, dice.lognormal(280, 1.55))))
        if source == "bluesky":
            return int(min(400_000, max(2, dice.lognormal(150, 1.35))))
        if source == "mastodon":
            return int(min(120_000, max(1, dice.lognormal(110, 1.25))))
        return None

    def _author_id(self, source: str, handle: str) -> str:
        dice = self.dice
        if source == "x":  # old accounts have short ids, newer ones snowflakes
            return dice.digits(dice.pick((8, 9, 10))) if dice.chance(0.35) else f"1{dice.between(1, 9)}" + \
                dice.chars("0123456789", 17)
        if source == "bluesky":
            return "did:plc:" + dice.chars(_B32, 24)
        if source == "mastodon":
            return "10" + dice.digits(16) if dice.chance(0.7) else dice.digits(6)
        if source == "reddit":
            return "t2_" + dice.chars(_B36, dice.pick((6, 8, 8)))
        return handle

    def author(self, source: str, lang: str) -> Author:
        pool = self.authors[(source, lang)]
        if pool and not self.dice.chance(0.72):
            # People who posted before post again; the chattier ones more often.
            return self.dice.weighted([(a, 1.0 + a.posts) for a in pool])
        handle = self._new_handle(source, lang)
        author = Author(source, lang, self._author_id(source, handle), handle, self._reach(source))
        pool.append(author)
        return author

    def special(self, source: str, lang: str, handle: str, reach: int | None) -> Author:
        key = (source, handle)
        if key not in self.officials:
            self.handles.add((source, handle.lower()))
            self.officials[key] = Author(source, lang, self._author_id(source, handle), handle, reach)
        return self.officials[key]

    def official(self, brand: Brand, lang: str = "en") -> Author:
        reach = brand.official_reach if lang == "en" else brand.official_reach // 9
        return self.special("x", lang, brand.handle + OFFICIAL_SUFFIXES[lang], reach)


class Ids:
    """Post ids as each site makes them (X snowflakes, Reddit base36, Bluesky record keys...), never twice."""

    def __init__(self, dice: Dice) -> None:
        self.dice = dice
        self.taken: set[tuple[str, str]] = set()

    def unique(self, source: str, make: Callable[[], str]) -> str:
        for _ in range(100):
            value = make()
            if (source, value) not in self.taken:
                self.taken.add((source, value))
                return value
        raise RuntimeError("ran out of ids")

    def x_id(self, moment: datetime) -> str:
        ms = int(moment.timestamp() * 1000) + self.dice.below(1000)
        return self.unique("x", lambda: str(((ms - _X_EPOCH_MS) << 22) | self.dice.below(1 << 22)))

    def mastodon_id(self, moment: datetime) -> str:
        ms = int(moment.timestamp() * 1000) + self.dice.below(1000)
        return self.unique("mastodon", lambda: str((ms << 16) | self.dice.below(1 << 16)))

    def bluesky_uri(self, author: Author, moment: datetime) -> str:
        return self.unique("bluesky", lambda: f"at://{author.author_id}/app.bsky.feed.post/"
                                              f"{_tid(moment, self.dice.below(1 << 20))}")

    def reddit_id(self, moment: datetime, kind: str) -> str:
        hours = (moment - START).total_seconds() / 3600
        if kind == "t3":
            base, rate = 3_836_000_000, 38_000
        else:
            base, rate = 51_280_000_000, 310_000
        return self.unique("reddit", lambda: f"{kind}_{_b36(int(base + hours * rate) + self.dice.below(rate))}")

    def hn_id(self, moment: datetime) -> str:
        hours = (moment - START).total_seconds() / 3600
        return self.unique("hackernews", lambda: str(47_250_000 + int(hours * 480) + self.dice.below(480)))


def _b36(number: int) -> str:
    out = ""
    while number:
        number, rest = divmod(number, 36)
        out = _B36[rest] + out
    return out or "0"


def _tid(moment: datetime, clock: int) -> str:
    """A Bluesky record key: microseconds since the epoch and a clock id, base32-sortable."""
    value = (int(moment.timestamp()) * 1_000_000 + clock % 1_000_000) << 10 | (clock % 1024)
    return "".join(_B32_SORT[(value >> shift) & 31] for shift in range(60, -1, -5))

