"""The stream hour by hour: ordinary days for every brand, then Lumora's complaint storm and its aftermath."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from brandpulse.demo import texts
from brandpulse.demo.dice import Dice
from brandpulse.demo.scenario import (
    BRAND_BY_NAME,
    BRANDS,
    DAYS,
    DIURNAL,
    INTENT_OF_TOPIC,
    KEY_OF_INTENT,
    NEGATIVE_CAP,
    REPLACEMENTS_HOURS,
    REPLACEMENTS_PEAK_PER_HOUR,
    REPLACEMENTS_SOURCES,
    REPLACEMENTS_START,
    SEED,
    SOURCE_MIX,
    START,
    STORM_BRAND,
    STORM_HOURS,
    STORM_LANGS,
    STORM_PEAK_PER_HOUR,
    STORM_PRODUCT,
    STORM_SOURCES,
    STORM_START,
    SUPPORT_ACCOUNTS,
    SUPPORT_ANSWERS,
    SUPPORT_REACH,
    TIMEZONES,
    WEEKLY,
    Brand,
)
from brandpulse.demo.sites import Entry, Sites
from brandpulse.demo.texts import fill, names_brand


class Generator(Sites):
    """One stream: `run()` walks its hours and returns the records, sorted by `created_at`."""

    def __init__(self, seed: int = SEED, days: int = DAYS, scale: float = 1.0, start: datetime = START) -> None:
        super().__init__(Dice(seed))
        self.days = days
        self.scale = scale
        self.start = start
        self.end = start + timedelta(days=days)
        self.storm_start = start + (STORM_START - START)
        self.storm_end = self.storm_start + timedelta(hours=STORM_HOURS)
        self.replacements_start = start + (REPLACEMENTS_START - START)
        self.pool: dict[tuple[str, str], list[Entry]] = defaultdict(list)      # (source, brand) -> posts
        self.storm_pool: list[Entry] = []
        self.statement: Entry | None = None

    def rate(self, brand: Brand, lang: str, moment: datetime) -> float:
        """Expected mentions of `brand` in `lang` during the hour starting at `moment`."""
        share = dict(brand.languages)[lang]
        total = 0.0
        for offset, weight in TIMEZONES[lang]:
            local = moment + timedelta(hours=offset)
            weekday = local.weekday()
            hour = local.hour
            if weekday >= 5:
                hour = (hour - 1) % 24  # weekends start later
            total += weight * DIURNAL[brand.category][hour] * WEEKLY[brand.category][weekday]
        return brand.daily * self.scale * share * total / 24

    def normal_mention(self, brand: Brand, lang: str, moment: datetime) -> None:
        """One ordinary mention: its site drawn from the language's mix, its topic from the brand's."""
        dice = self.dice
        mix = SOURCE_MIX[lang]
        if brand.category == "coffee":
            mix = tuple((s, w * (0.2 if s == "hackernews" else 1.0)) for s, w in mix)
        source = dice.weighted(mix)
        # Ordinary complaints arrive at random, but a calm hour never piles up more than a handful of them:
        # only the storm should look like a spike to the detector.
        full = self.negatives[(brand.name, moment.strftime("%Y%m%d%H"))] >= NEGATIVE_CAP[brand.name]
        topic = self._topic(brand, full)
        intent = INTENT_OF_TOPIC[topic]
        if source == "rss":
            if self._news(brand, lang, moment):
                return
            source = "x"  # every headline of this kind is taken: a post instead
        if source == "hackernews":
            intent = dice.weighted((("positive", .25), ("neutral", .45), ("negative", .30)))
            self.hackernews(brand, moment, intent="neutral" if full and intent == "negative" else intent,
                            phase="normal")
            return
        if source == "reddit":
            self.reddit(brand, lang, moment, group=KEY_OF_INTENT[intent], intent=intent, topic=topic, phase="normal")
            return
        if source == "x" and dice.chance(0.035) and self._repost_recent(brand, moment, full):
            return
        parent = self._reply_parent(brand, lang, source, moment) if dice.chance(0.13) else None
        reply_to = parent.author.handle if parent is not None and source != "bluesky" else None
        text = self.writer.social_text(brand, lang, source, topic, reply_to=reply_to)
        entry = self.social(brand, lang, source, moment, text=text, intent=intent, topic=topic, phase="normal",
                            parent=parent)
        if intent == "negative" and source == "x" and texts.posts(lang)["care"] and dice.chance(0.25):
            self.care(brand, lang, entry)

    def _topic(self, brand: Brand, full: bool) -> str:
        """A topic by the brand's weights; no complaint once this hour has its fill of them."""
        topic = self.dice.weighted(brand.topics)
        if full and INTENT_OF_TOPIC[topic] == "negative":
            topic = self.dice.weighted([(t, w) for t, w in brand.topics if INTENT_OF_TOPIC[t] != "negative"])
        return topic

    def _news(self, brand: Brand, lang: str, moment: datetime) -> bool:
        """A news article about the brand, unless every headline drawn has already run."""

        def make() -> tuple[str, str]:
            item = self.dice.pick(texts.posts(lang)["news"][brand.category])
            slots = self.writer.slots(brand, lang)
            text = f"{fill(item['headline'], slots)}\n\n{fill(item['summary'], slots)}"
            return item["intent"], text.replace("块", "元")

        for _ in range(8):
            intent, text = make()
            if text not in self.writer.written:
                headline, summary = text.split("\n\n", 1)
                self.article(brand, lang, moment, headline=headline, summary=summary, intent=intent, topic="news",
                             phase="normal")
                return True
        return False

    def _repost_recent(self, brand: Brand, moment: datetime, full: bool) -> bool:
        """A repost of one of the brand's posts of the last day on X, the popular ones likelier."""
        candidates = [e for e in self.pool[("x", brand.name)]
                      if timedelta(0) < moment - e.moment < timedelta(hours=24)
                      and e.record["raw"]["demo_kind"] == "post" and not (full and e.intent == "negative")]
        if not candidates:
            return False
        original = self.dice.weighted([(e, 1.0 + e.record["engagement"]["likes"]) for e in candidates])
        self.repost(original, moment, "normal")
        return True

    def _reply_parent(self, brand: Brand, lang: str, source: str, moment: datetime) -> Entry | None:
        """A post of the last two days on the same site and in the same language to reply to, if any."""
        candidates = [e for e in self.pool[(source, brand.name)]
                      if e.lang == lang and timedelta(0) < moment - e.moment < timedelta(hours=48)
                      and e.record["raw"]["demo_topic"] != "support_reply"]
        return self.dice.pick(candidates) if candidates else None

    def care(self, brand: Brand, lang: str, complaint: Entry, storm: bool = False) -> None:
        """The brand's support account answers a complaint some time later."""
        dice = self.dice
        moment = complaint.moment + timedelta(minutes=dice.between(25, 480))
        if moment >= self.end:
            return
        pool = texts.storm(lang)["care"] if storm else texts.posts(lang)["care"]
        slots = self.writer.slots(brand, lang, user=complaint.author.handle)
        text = self.writer.fresh(lambda: fill(dice.pick(pool), slots))
        self.social(brand, lang, "x", moment, text=text, intent="neutral", topic="support_reply",
                    phase="storm" if storm else "normal", author=self.accounts.official(brand, lang),
                    parent=complaint)

    def promo(self, brand: Brand, moment: datetime) -> None:
        dice = self.dice
        slots = self.writer.slots(brand, "en")
        text = self.writer.fresh(lambda: fill(dice.pick(texts.posts("en")["promo"][brand.category]), slots))
        if not names_brand(text, brand.name):
            text += " " + brand.hashtags[0]
        self.social(brand, "en", "x", moment, text=text, intent="neutral", topic="promo", phase="normal",
                    author=self.accounts.official(brand))

    # ---- the storm ------------------------------------------------------------------------------

    def storm_rate(self, hours_in: float) -> float:
        if hours_in < 0 or hours_in >= STORM_HOURS:
            return 0.0
        peak = STORM_PEAK_PER_HOUR * self.scale
        if hours_in < 6:
            return peak * math.pow((hours_in + 0.5) / 6.5, 1.7)
        return peak * math.exp(-(hours_in - 6) / 5.0)

    def storm_langs(self, moment: datetime) -> list[tuple[str, float]]:
        """Languages weighted by their share and by whether their speakers are awake."""
        out = []
        for lang, weight in STORM_LANGS:
            awake = 0.0
            for offset, share in TIMEZONES[lang]:
                hour = (moment + timedelta(hours=offset)).hour
                awake += share * DIURNAL["audio"][hour] / max(DIURNAL["audio"])
            out.append((lang, weight * (0.35 + 0.65 * awake)))
        return out

    def storm_mention(self, moment: datetime) -> None:
        """One mention of the storm: a complaint, a refund demand, worry, sarcasm, a reply or a repost of
        one of them, and after Lumora's statement some posts passing on what it said."""
        dice = self.dice
        brand = BRAND_BY_NAME[STORM_BRAND]
        lang = dice.weighted(self.storm_langs(moment))
        source = self._storm_source(lang, moment)
        kind = dice.weighted((("defect", .38), ("refund", .20), ("worried", .16), ("sarcasm", .10),
                              ("reply", .16)))
        if lang == "en" and self.statement is not None and moment > self.statement.moment and dice.chance(0.1):
            kind = "info"
        intent = "neutral" if kind == "info" else "negative"
        topic = {"refund": "refund", "info": "statement"}.get(kind, "defect")
        if source == "hackernews":
            self.hackernews(brand, moment, intent="neutral" if dice.chance(0.2) else "negative", phase="storm",
                            storm=True)
            return
        if source == "reddit":
            kind = "defect" if kind in ("info", "reply") else kind
            text = self.writer.storm_text(lang, "reddit", kind)
            self.reddit(brand, lang, moment, group="neg", intent="negative",
                        topic="refund" if kind == "refund" else "defect", phase="storm", storm=True,
                        comment_text=text)
            return
        if source == "x" and dice.chance(0.24) and self._storm_repost(lang, moment):
            return
        parent = self._storm_parent(source, lang, moment) if kind == "reply" else None
        if parent is None and kind == "reply":
            kind = "defect"  # nothing to reply to yet
        reply_to = parent.author.handle if parent is not None and source != "bluesky" else None
        text = self.writer.storm_text(lang, source, kind, reply_to=reply_to)
        entry = self.social(brand, lang, source, moment, text=text, intent=intent, topic=topic, phase="storm",
                            parent=parent, boost=2.5)
        self.storm_pool.append(entry)
        if (source == "x" and lang == "en" and intent == "negative" and self.statement is not None
                and moment > self.statement.moment and dice.chance(0.1)):
            self.care(brand, lang, entry, storm=True)

    def _storm_source(self, lang: str, moment: datetime) -> str:
        """The site, by the storm's mix; X where the drawn one has no place for this language yet."""
        source = self.dice.weighted(STORM_SOURCES)
        story = self.storm_story
        if source == "hackernews" and (lang != "en" or story is None or moment <= story["moment"]):
            return "x"
        if source == "reddit" and not texts.on_reddit(lang):
            return "x"
        return source

    def _storm_repost(self, lang: str, moment: datetime) -> bool:
        """A repost of an earlier storm post on X, in the same language where there is one."""
        posts = [e for e in self.storm_pool if e.record["source"] == "x" and e.moment < moment
                 and e.record["raw"]["demo_kind"] == "post"]
        same = [e for e in posts if e.lang == lang] or posts
        if not same:
            return False
        original = self.dice.weighted([(e, 1.0 + e.record["engagement"]["likes"]) for e in same])
        self.repost(original, moment, "storm")
        return True

    def _storm_parent(self, source: str, lang: str, moment: datetime) -> Entry | None:
        """An earlier storm post on the same site to reply to: same language, or one with a big reach."""
        candidates = [e for e in self.storm_pool if e.record["source"] == source and e.moment < moment
                      and (e.lang == lang or (e.author.reach or 0) > 100_000)]
        if not candidates:
            return None
        return self.dice.weighted([(e, 1.0 + e.record["engagement"]["likes"]) for e in candidates])

    def storm_schedule(self) -> list[tuple[datetime, Callable[[], None]]]:
        """The storm's fixed events: the viral post, threads, official statements and news articles."""
        at = self.storm_start
        events: list[tuple[datetime, Callable[[], None]]] = [
            (at + timedelta(minutes=7), self._viral_post),
            (at + timedelta(hours=1, minutes=21), self._reddit_psa),
            (at + timedelta(hours=2, minutes=42), self._hn_storm_story),
        ]
        # (language, which statement, hours and minutes after the storm began)
        for lang, index, hours, minutes in (("en", 0, 7, 34), ("de", 0, 8, 10), ("fr", 0, 8, 25), ("es", 0, 8, 40),
                                            ("it", 0, 8, 55), ("pt", 0, 9, 5), ("ja", 0, 9, 20), ("zh", 0, 10, 10),
                                            ("pl", 0, 17, 30), ("en", 1, 19, 5)):
            moment = at + timedelta(hours=hours, minutes=minutes)
            events.append((moment, partial(self._statement, lang, index, moment)))
        for lang, index, after in (("en", 0, 4.3), ("en", 2, 8.0), ("en", 1, 19.6), ("en", 3, 25.0), ("de", 0, 5.7),
                                   ("de", 1, 20.2), ("es", 0, 6.5), ("es", 1, 21.0), ("fr", 0, 6.1), ("it", 0, 7.2),
                                   ("pt", 0, 8.0), ("pl", 0, 18.5), ("zh", 0, 12.0), ("ja", 0, 11.5)):
            moment = at + timedelta(seconds=int(after * 3600) + 17 * index + 41)
            events.append((moment, partial(self._storm_news, lang, index, moment)))
        return events

    def _viral_post(self) -> None:
        """The reviewer's post that starts it all, with the engagement of a post that went viral."""
        author = self.accounts.special("x", "en", "gearbyhollis", 486_200)
        text = texts.storm("en")["origin"]
        self.writer.written.add(text)
        moment = self.storm_start + timedelta(minutes=7, seconds=12)
        entry = self.social(BRAND_BY_NAME[STORM_BRAND], "en", "x", moment, text=text, intent="negative",
                            topic="defect", phase="storm", author=author,
                            extra_raw={"demo_note": "the post that goes viral"})
        entry.record["engagement"] = {"likes": 48_213, "reposts": 12_906, "replies": 3_118, "quotes": 2_407,
                                      "views": 5_840_112}
        self.storm_pool.append(entry)

    def _reddit_psa(self) -> None:
        self.reddit(BRAND_BY_NAME[STORM_BRAND], "en", self.storm_start + timedelta(hours=1, minutes=21, seconds=40),
                    group="neg", intent="negative", topic="defect", phase="storm", storm=True)

    def _hn_storm_story(self) -> None:
        moment = self.storm_start + timedelta(hours=2, minutes=42, seconds=5)
        story_id = self.ids.hn_id(moment)
        self.storm_story = {"id": story_id, "moment": moment, "ids": [story_id]}
        title = texts.hackernews()["storm_story"]
        self.writer.written.add(title)
        self.emit(brand=BRAND_BY_NAME[STORM_BRAND], lang="en", source="hackernews", moment=moment,
                  author=self.accounts.special("hackernews", "en", "cellchemist", None), text=title,
                  intent="negative", topic="defect", kind="story", phase="storm", external_id=story_id,
                  url=f"https://news.ycombinator.com/item?id={story_id}",
                  engagement={"likes": 612, "reposts": 0, "replies": 388, "quotes": 0}, pool=False)

    def _statement(self, lang: str, index: int, moment: datetime) -> None:
        """Lumora's statement on its local X account; the first English one lets others pass it on."""
        brand = BRAND_BY_NAME[STORM_BRAND]
        slots = self.writer.slots(brand, lang, STORM_PRODUCT)
        text = fill(texts.storm(lang)["statement"][index], slots)
        self.writer.written.add(text)
        entry = self.social(brand, lang, "x", moment, text=text, intent="neutral", topic="statement",
                            phase="storm", author=self.accounts.official(brand, lang), boost=8.0)
        self.storm_pool.append(entry)
        if lang == "en" and index == 0:
            self.statement = entry

    def _storm_news(self, lang: str, index: int, moment: datetime) -> None:
        item = texts.storm(lang)["news"][index]
        self.article(BRAND_BY_NAME[STORM_BRAND], lang, moment, headline=item["headline"], summary=item["summary"],
                     intent="neutral", topic="news", phase="storm")

    def precursors(self) -> list[tuple[datetime, Callable[[], None]]]:
        """A few early, isolated complaints on days 7 to 10 that nobody picked up."""
        brand = BRAND_BY_NAME[STORM_BRAND]
        at = self.storm_start
        events: list[tuple[datetime, Callable[[], None]]] = []
        for post in texts.world()["precursors"]:
            moment = at + timedelta(**post["after_storm_start"])

            def run(post: dict[str, Any] = post, moment: datetime = moment) -> None:
                self.writer.written.add(post["text"])
                self.social(brand, post["lang"], post["source"], moment, text=post["text"], intent=post["intent"],
                            topic="defect", phase="precursor")
            events.append((moment, run))
        return events

    def relief_mention(self, moment: datetime) -> None:
        dice = self.dice
        brand = BRAND_BY_NAME["Vexon"]
        lang = dice.weighted((("en", .5), ("de", .1), ("es", .1), ("fr", .06), ("zh", .1), ("ja", .08),
                              ("pt", .03), ("it", .03)))
        source = dice.weighted((("x", .75), ("bluesky", .15), ("mastodon", .1)))
        if lang in ("zh",):
            source = "x"
        slots = self.writer.slots(brand, lang)
        relief = texts.storm(lang)["relief"]
        text = self.writer.fresh(lambda: self.writer.decorate(fill(dice.pick(relief), slots), brand=brand, lang=lang,
                                                              source=source, intent="positive", casual=lang == "en"))
        self.social(brand, lang, source, moment, text=text, intent="positive", topic="praise", phase="storm_relief")

    def aftermath_mention(self, moment: datetime) -> None:
        dice = self.dice
        brand = BRAND_BY_NAME[STORM_BRAND]
        lang = dice.weighted(self.storm_langs(moment))
        positive = dice.chance(0.4)
        pool = texts.storm(lang)["after_pos" if positive else "after_neg"]
        source = dice.weighted((("x", .7), ("bluesky", .15), ("mastodon", .15)))
        slots = self.writer.slots(brand, lang, STORM_PRODUCT)
        intent = "positive" if positive else "negative"
        text = self.writer.fresh(lambda: self.writer.decorate(fill(dice.pick(pool), slots), brand=brand, lang=lang,
                                                              source=source, intent=intent, casual=False))
        self.social(brand, lang, source, moment, text=text, intent=intent,
                    topic="replacement" if positive else "refund", phase="aftermath")

    # ---- after the storm: late replacements and the support account's answers ----------------------

    def replacements_rate(self, hours_in: float) -> float:
        if hours_in < 0 or hours_in >= REPLACEMENTS_HOURS:
            return 0.0
        return REPLACEMENTS_PEAK_PER_HOUR * self.scale * min(1.0, (hours_in + 1) / 16)

    def late_replacements(self) -> None:
        """The complaints hour by hour, drawn once the rest of the stream is written, so that adding them
        changed nothing else in it."""
        for hour in range(REPLACEMENTS_HOURS):
            moment = self.replacements_start + timedelta(hours=hour)
            for _ in range(self.dice.poisson(self.replacements_rate(hour))):
                self.replacement_complaint(moment + timedelta(seconds=self.dice.below(3600)))

    def replacement_complaint(self, moment: datetime) -> None:
        """A customer whose replacement case is late; Lumora's support account answers soon, late or never."""
        dice = self.dice
        brand = BRAND_BY_NAME[STORM_BRAND]
        lang = dice.weighted(self.storm_langs(moment))
        source = "x" if lang == "zh" else dice.weighted(REPLACEMENTS_SOURCES)
        slots = self.writer.slots(brand, lang, STORM_PRODUCT)
        pool = texts.storm(lang)["replacement_late"]
        text = self.writer.fresh(lambda: self.writer.decorate(fill(dice.pick(pool), slots), brand=brand, lang=lang,
                                                              source=source, intent="negative", casual=False))
        complaint = self.social(brand, lang, source, moment, text=text, intent="negative", topic="delivery",
                                phase="aftermath")
        answer, low, high = dice.weighted([((name, *delay), share) for name, share, delay in SUPPORT_ANSWERS])
        if answer != "never":
            self.support_reply(complaint, answer, complaint.moment + timedelta(minutes=dice.between(low, high)))

    def support_reply(self, complaint: Entry, answer: str, moment: datetime) -> None:
        """Lumora's support account answers the complaint on its site, in its language (unless the stream
        has ended by then)."""
        if moment >= self.end:
            return
        brand = BRAND_BY_NAME[STORM_BRAND]
        source = complaint.record["source"]
        slots = self.writer.slots(brand, complaint.lang, STORM_PRODUCT, user=complaint.author.handle.split("@")[0])
        pool = texts.storm(complaint.lang)[f"care_{answer}"]
        text = self.writer.fresh(lambda: fill(self.dice.pick(pool), slots))
        author = self.accounts.special(source, complaint.lang, SUPPORT_ACCOUNTS[source], SUPPORT_REACH)
        self.social(brand, complaint.lang, source, moment, text=text, intent="neutral", topic="support_reply",
                    phase="aftermath", author=author, parent=complaint, extra_raw={"demo_answer": answer})

    # ---- the whole stream -----------------------------------------------------------------------

    def run(self) -> list[dict[str, Any]]:
        scheduled: list[tuple[datetime, Callable[[], None]]] = []
        if self.storm_start + timedelta(hours=STORM_HOURS) <= self.end:
            scheduled = sorted(self.precursors() + self.storm_schedule(), key=lambda item: item[0])
        for hour in range(self.days * 24):
            moment = self.start + timedelta(hours=hour)
            for _when, action in [item for item in scheduled if moment <= item[0] < moment + timedelta(hours=1)]:
                action()
            self.ordinary_hour(moment, storm_ahead=bool(scheduled))
            if scheduled:
                self.storm_hour(moment)
            for entry in self.pending:
                self.pool[(entry.record["source"], entry.brand)].append(entry)
            self.pending.clear()
        if scheduled:
            self.late_replacements()
        records = [e.record for e in self.entries if self.start <= e.moment < self.end]
        records.sort(key=lambda r: (r["created_at"], r["source"], r["external_id"]))
        return records

    def ordinary_hour(self, moment: datetime, *, storm_ahead: bool) -> None:
        """Every brand's usual mentions in every language, and now and then a promotional post (which
        Lumora stops once its storm has begun)."""
        dice = self.dice
        for brand in BRANDS:
            for lang, _ in brand.languages:
                for _ in range(dice.poisson(self.rate(brand, lang, moment))):
                    self.normal_mention(brand, lang, moment + timedelta(seconds=dice.below(3600)))
            lumora_quiet = brand.name == STORM_BRAND and storm_ahead and moment >= self.storm_start
            if moment.hour == 15 and not lumora_quiet and dice.chance(0.6):
                self.promo(brand, moment + timedelta(minutes=dice.between(0, 150)))

    def storm_hour(self, moment: datetime) -> None:
        """The storm's mentions in this hour, Vexon owners' relief while it lasts, then the aftermath."""
        dice = self.dice
        hours_in = (moment - self.storm_start).total_seconds() / 3600
        for _ in range(dice.poisson(self.storm_rate(hours_in))):
            first = 8 * 60 if hours_in == 0 else 0
            self.storm_mention(moment + timedelta(seconds=dice.between(first, 3599)))
        if 3 <= hours_in < STORM_HOURS:
            for _ in range(dice.poisson(0.8 * self.scale)):
                self.relief_mention(moment + timedelta(seconds=dice.below(3600)))
        after = (moment - self.storm_end).total_seconds() / 3600
        if after >= 0:
            hour_of_day = DIURNAL["audio"][moment.hour] / max(DIURNAL["audio"])
            lam = 1.6 * self.scale * math.exp(-after / 30) * (0.4 + 0.6 * hour_of_day)
            for _ in range(dice.poisson(lam)):
                self.aftermath_mention(moment + timedelta(seconds=dice.below(3600)))
