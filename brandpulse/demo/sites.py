"""How each site shapes a mention: ids, URLs, threads, engagement and the language its API reports.

`Sites` keeps what the stream has emitted so far (threads to comment in, posts to reply to); the
timeline (`timeline.Generator`) decides what to post and when.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from brandpulse.demo import texts
from brandpulse.demo.accounts import Accounts, Author, Ids
from brandpulse.demo.dice import Dice
from brandpulse.demo.scenario import BRAND_BY_NAME, KEY_OF_INTENT, STORM_PRODUCT, Brand
from brandpulse.demo.texts import fill, names_brand, url_slug
from brandpulse.demo.writer import Writer


@dataclass
class Entry:
    """A generated mention before it is written out, plus what replies and reposts need of it."""

    record: dict[str, Any]
    moment: datetime
    author: Author
    brand: str
    lang: str
    intent: str


class Sites:
    """Emits mentions as X, Bluesky, Mastodon, Reddit, Hacker News and news feeds would show them."""

    def __init__(self, dice: Dice) -> None:
        self.dice = dice
        self.accounts = Accounts(dice)
        self.ids = Ids(dice)
        self.writer = Writer(dice)
        self.entries: list[Entry] = []
        self.pending: list[Entry] = []          # this hour's posts and replies, repliable from the next hour on
        self.negatives: Counter[tuple[str, str]] = Counter()    # ordinary complaints per (brand, hour)
        self.reddit_threads: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        self.storm_threads: dict[str, dict[str, Any]] = {}
        self.hn_threads: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.hn_titles: dict[str, set[str]] = defaultdict(set)
        self.storm_story: dict[str, Any] | None = None

    def engagement(self, source: str, reach: int | None, kind: str, boost: float = 1.0) -> dict[str, int]:
        dice = self.dice
        if source == "rss":
            return {"likes": 0, "reposts": 0, "replies": 0, "quotes": 0}
        if source in ("x", "bluesky", "mastodon"):
            if kind == "repost":
                return {"likes": 0, "reposts": 0, "replies": 0, "quotes": 0, **({"views": 0} if source == "x" else {})}
            rate = {"x": 0.004, "bluesky": 0.007, "mastodon": 0.006}[source]
            likes = int((reach or 10) * rate * dice.lognormal(1.0, 1.1) * boost + dice.below(3))
            reposts = int(likes * dice.uniform(0.04, 0.3))
            replies = int(likes * dice.uniform(0.02, 0.2)) + (1 if dice.chance(0.3) else 0)
            quotes = int(reposts * dice.uniform(0.0, 0.3)) if source != "mastodon" else 0
            out = {"likes": likes, "reposts": reposts, "replies": replies, "quotes": quotes}
            if source == "x":
                out["views"] = int((reach or 10) * dice.uniform(0.08, 0.7) + likes * dice.uniform(20, 60))
            return out
        if source == "reddit":
            score = int(dice.lognormal(14 if kind == "post" else 3, 1.2) * boost)
            replies = int(dice.lognormal(9, 0.9) * boost) if kind == "post" else dice.below(3)
            return {"likes": score, "reposts": 0, "replies": replies, "quotes": 0}
        if kind == "story":
            points = int(dice.lognormal(18, 1.1) * boost)
            return {"likes": points, "reposts": 0, "replies": int(points * dice.uniform(0.3, 0.9)), "quotes": 0}
        return {"likes": 0, "reposts": 0, "replies": dice.below(3), "quotes": 0}

    def emit(self, *, brand: Brand, lang: str, source: str, moment: datetime, author: Author, text: str,
             intent: str, topic: str, kind: str, phase: str, external_id: str, url: str | None,
             thread_id: str | None = None, parent_id: str | None = None, engagement: dict[str, int] | None = None,
             language: str | bool | None = True, extra_raw: dict[str, Any] | None = None,
             pool: bool = True) -> Entry:
        if language is True:
            language = self.api_language(source, lang)
        raw = {"demo_intent": intent, "demo_topic": topic, "demo_lang": lang, "demo_kind": kind, "demo_phase": phase}
        raw.update(extra_raw or {})
        record = {
            "source": source, "external_id": external_id, "url": url, "author_id": author.author_id,
            "author_handle": author.handle, "author_reach": author.reach, "text": text, "language": language,
            "created_at": _iso(moment), "brand": brand.name,
            "engagement": engagement if engagement is not None else self.engagement(source, author.reach, kind),
            "thread_id": thread_id, "parent_id": parent_id, "raw": raw,
        }
        author.posts += 1
        if phase == "normal" and intent == "negative":
            self.negatives[(brand.name, moment.strftime("%Y%m%d%H"))] += 1
        entry = Entry(record, moment, author, brand.name, lang, intent)
        self.entries.append(entry)
        if pool and kind in ("post", "reply"):
            self.pending.append(entry)
        return entry

    def api_language(self, source: str, lang: str) -> str | None:
        if source == "x":
            return "und" if self.dice.chance(0.015) else lang
        if source == "bluesky":
            return None if self.dice.chance(0.1) else lang
        if source == "mastodon":
            return None if self.dice.chance(0.05) else lang
        return None

    def social(self, brand: Brand, lang: str, source: str, moment: datetime, *, text: str, intent: str,
               topic: str, phase: str, author: Author | None = None, parent: Entry | None = None,
               boost: float = 1.0, extra_raw: dict[str, Any] | None = None) -> Entry:
        """A post or reply on X, Bluesky or Mastodon."""
        author = author or self.accounts.author(source, lang)
        if parent is not None and moment <= parent.moment:
            moment = parent.moment + timedelta(seconds=self.dice.between(40, 1500))
        kind = "reply" if parent is not None else "post"
        thread_id = parent_id = None
        if parent is not None:
            parent_id = parent.record["external_id"]
            thread_id = parent.record["thread_id"] or parent_id
        if source == "x":
            external_id = self.ids.x_id(moment)
            url = f"https://x.com/{author.handle}/status/{external_id}"
        elif source == "mastodon":
            external_id = self.ids.mastodon_id(moment)
            user, instance = author.handle.split("@")
            url = f"https://{instance}/@{user}/{external_id}"
        else:
            external_id = self.ids.bluesky_uri(author, moment)
            url = f"https://bsky.app/profile/{author.handle}/post/{external_id.rsplit('/', 1)[1]}"
        return self.emit(brand=brand, lang=lang, source=source, moment=moment, author=author, text=text,
                         intent=intent, topic=topic, kind=kind, phase=phase, external_id=external_id, url=url,
                         thread_id=thread_id, parent_id=parent_id,
                         engagement=self.engagement(source, author.reach, kind, boost), extra_raw=extra_raw)

    def repost(self, original: Entry, moment: datetime, phase: str) -> Entry:
        author = self.accounts.author("x", original.lang)
        if moment <= original.moment:
            moment = original.moment + timedelta(seconds=self.dice.between(30, 1800))
        text = f"RT @{original.author.handle}: {original.record['text']}"
        if len(text) > 140:
            text = text[:139].rstrip() + "…"
        external_id = self.ids.x_id(moment)
        return self.emit(brand=BRAND_BY_NAME[original.brand], lang=original.lang, source="x", moment=moment,
                         author=author, text=text, intent=original.intent,
                         topic=original.record["raw"]["demo_topic"], kind="repost", phase=phase,
                         external_id=external_id, url=f"https://x.com/{author.handle}/status/{external_id}",
                         language=original.record["language"],
                         extra_raw={"demo_repost_of": original.record["external_id"]})

    def reddit(self, brand: Brand, lang: str, moment: datetime, *, group: str, intent: str, topic: str,
               phase: str, storm: bool = False, comment_text: str | None = None) -> Entry:
        """A Reddit post, or a comment in a recent thread of the same brand and language."""
        dice = self.dice
        if storm:
            thread = self.storm_threads.get(lang)
        else:
            recent = [t for t in self.reddit_threads[(brand.name, lang)]
                      if timedelta(0) < moment - t["moment"] < timedelta(hours=72)]
            thread = dice.weighted([(t, 1.0 + t["comments"]) for t in recent]) if recent and dice.chance(0.7) \
                else None
        if thread is None:
            sub = dice.pick(texts.world()["subreddits"][lang][brand.category])
            if storm:
                sub = texts.world()["storm_subreddits"][lang]
            text = self.writer.reddit_post_text(brand, lang, "storm" if storm else group, storm=storm)
            post_id = self.ids.reddit_id(moment, "t3")
            slug = url_slug(text.split("\n", 1)[0])
            author = self.accounts.author("reddit", lang)
            thread = {"id": post_id, "sub": sub, "slug": slug, "moment": moment, "comments": 0, "ids": [post_id]}
            (self.storm_threads.__setitem__(lang, thread) if storm
             else self.reddit_threads[(brand.name, lang)].append(thread))
            return self.emit(brand=brand, lang=lang, source="reddit", moment=moment, author=author, text=text,
                             intent=intent if not storm else "negative", topic=topic, kind="post", phase=phase,
                             external_id=post_id,
                             url=f"https://www.reddit.com/r/{sub}/comments/{post_id[3:]}/{slug}/",
                             engagement=self.engagement("reddit", None, "post", 6.0 if storm else 1.0),
                             pool=False)
        if moment <= thread["moment"]:
            moment = thread["moment"] + timedelta(seconds=dice.between(60, 2400))
        comment_id = self.ids.reddit_id(moment, "t1")
        parent_id = thread["ids"][0] if dice.chance(0.6) or len(thread["ids"]) == 1 else dice.pick(thread["ids"][1:])
        thread["comments"] += 1
        thread["ids"].append(comment_id)
        author = self.accounts.author("reddit", lang)
        text = comment_text or self.writer.social_text(brand, lang, "reddit", topic)
        return self.emit(brand=brand, lang=lang, source="reddit", moment=moment, author=author, text=text,
                         intent=intent, topic=topic, kind="comment", phase=phase, external_id=comment_id,
                         thread_id=thread["id"], parent_id=parent_id,
                         url=f"https://www.reddit.com/r/{thread['sub']}/comments/{thread['id'][3:]}/{thread['slug']}/"
                             f"{comment_id[3:]}/",
                         engagement=self.engagement("reddit", None, "comment", 2.0 if storm else 1.0), pool=False)

    def hackernews(self, brand: Brand, moment: datetime, *, intent: str, phase: str, storm: bool = False) -> Entry:
        """A comment in a recent story about the brand (in the storm: the storm's story), or a new story."""
        slots = self.writer.slots(brand, "en", STORM_PRODUCT if storm else None)
        story, unused = (self.storm_story, []) if storm else self._hn_thread(brand, moment)
        if story is None:
            return self._hn_story(brand, moment, self.dice.pick(unused), slots, phase)
        if moment <= story["moment"]:
            moment = story["moment"] + timedelta(seconds=self.dice.between(60, 1800))
        if storm:
            pool = texts.hackernews()["storm_neu" if intent == "neutral" else "storm_neg"]
        else:
            prefix = "coffee_" if brand.category == "coffee" else ""
            pool = texts.hackernews()[prefix + KEY_OF_INTENT[intent]]
        text = self.writer.fresh(lambda: self._hn_comment_text(pool, slots, two=not storm))
        if not names_brand(text, brand.name):
            text += f" (re {brand.name})"
        comment_id = self.ids.hn_id(moment)
        ids = story["ids"]
        parent_id = ids[0] if self.dice.chance(0.55) or len(ids) == 1 else self.dice.pick(ids[1:])
        ids.append(comment_id)
        author = self.accounts.author("hackernews", "en")
        return self.emit(brand=brand, lang="en", source="hackernews", moment=moment, author=author, text=text,
                         intent=intent, topic="defect" if storm else "discussion", kind="comment", phase=phase,
                         external_id=comment_id, thread_id=story["id"], parent_id=parent_id,
                         url=f"https://news.ycombinator.com/item?id={comment_id}",
                         engagement=self.engagement("hackernews", None, "comment"), pool=False)

    def _hn_thread(self, brand: Brand, moment: datetime) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        """A story of the last three days to comment in (None: post a new one), and the titles not yet used.
        Now and then a fresh story although recent ones exist; the last one when every title is taken."""
        threads = self.hn_threads[brand.name]
        recent = [s for s in threads if timedelta(0) < moment - s["moment"] < timedelta(hours=72)]
        used = self.hn_titles[brand.name]
        unused = [t for t in texts.hackernews()["story"][brand.category] if t["title"] not in used]
        if recent and (not unused or not self.dice.chance(0.05)):
            return self.dice.pick(recent), unused
        if not unused:
            return threads[-1], unused
        return None, unused

    def _hn_story(self, brand: Brand, moment: datetime, template: dict[str, Any], slots: dict[str, Any],
                  phase: str) -> Entry:
        self.hn_titles[brand.name].add(template["title"])
        title = fill(template["title"], slots)
        story_id = self.ids.hn_id(moment)
        author = self.accounts.author("hackernews", "en")
        self.hn_threads[brand.name].append({"id": story_id, "moment": moment, "ids": [story_id]})
        return self.emit(brand=brand, lang="en", source="hackernews", moment=moment, author=author,
                         text=self.writer.fresh(lambda: title, tries=0), intent=template["intent"], topic="news",
                         kind="story", phase=phase, external_id=story_id,
                         url=f"https://news.ycombinator.com/item?id={story_id}",
                         engagement=self.engagement("hackernews", None, "story"), pool=False)

    def _hn_comment_text(self, pool: list[str], slots: dict[str, Any], *, two: bool) -> str:
        """One remark, sometimes (`two`) followed by a second."""
        first = self.dice.pick(pool)
        text = fill(first, slots)
        if self.dice.chance(0.3) and two:
            second = self.dice.pick(pool)
            if second != first:
                text += " " + fill(second, slots)
        return text

    def article(self, brand: Brand, lang: str, moment: datetime, *, headline: str, summary: str, intent: str,
                topic: str, phase: str) -> Entry:
        dice = self.dice
        outlets = texts.world()["outlets"][lang]
        if brand.category == "audio" and lang == "en":
            outlets = outlets[:4]
        outlet = dice.pick(outlets)
        name, domain = outlet["name"], outlet["domain"]
        author = self.accounts.special("rss", lang, name, None)
        author.author_id = f"https://{domain}/feed"
        slug = url_slug(headline, 60)
        if slug == "post":
            slug = "article"
        url = self.ids.unique("rss", lambda: f"https://{domain}/{moment:%Y/%m/%d}/{slug.replace('_', '-')}-"
                                              f"{dice.between(10000, 99999)}")
        text = f"{headline}\n\n{summary}"
        self.writer.written.add(text)
        return self.emit(brand=brand, lang=lang, source="rss", moment=moment, author=author, text=text,
                         intent=intent, topic=topic, kind="article", phase=phase, external_id=url, url=url,
                         engagement=self.engagement("rss", None, "article"), pool=False)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
