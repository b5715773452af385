"""Writing one mention's text: a template picked and filled, joined with an opener or an aside, then
dressed for its site (emoji, hashtags, the brand's handle, now and then a typo)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from brandpulse.demo import texts
from brandpulse.demo.dice import Dice
from brandpulse.demo.scenario import (
    BRAND_BY_NAME,
    INTENT_OF_TOPIC,
    KEY_OF_INTENT,
    LIMITS,
    STORM_BRAND,
    STORM_PRODUCT,
    Brand,
)
from brandpulse.demo.texts import (
    CJK,
    end_sentence,
    fill,
    join_sentences,
    names_brand,
    price_text,
    sentence_case,
)


class Writer:
    """Writes texts from the templates in `data/texts`, and remembers them so that few are written twice."""

    def __init__(self, dice: Dice) -> None:
        self.dice = dice
        self.written: set[str] = set()

    def slots(self, brand: Brand, lang: str, product: str | None = None, user: str = "") -> dict[str, Any]:
        dice = self.dice
        if product is None:
            product = dice.weighted([(name, weight) for name, weight, _ in brand.products])
        usd = next(price for name, _, price in brand.products if name == product)
        others = [name for name, _, _ in brand.products if name != product]
        table = texts.posts(lang)
        return {"p": product, "p2": dice.pick(others), "b": brand.name, "shop": dice.pick(table["shops"]),
                "city": dice.pick(table["cities"]), "price": price_text(dice, lang, usd),
                "small": price_text(dice, lang, dice.pick((19, 24, 29))), "n": dice.between(3, 12),
                "w": dice.between(2, 8), "hrs": dice.between(5, 9), "wait": dice.between(2, 4),
                "fw": f"2.{dice.between(1, 6)}.{dice.below(10)}", "site": brand.site, "user": user}

    def topic_pool(self, brand: Brand, lang: str, topic: str) -> list[str]:
        table = texts.posts(lang)
        pool: list[str] = (table[topic]["any"] + table[topic][brand.category]
                           if topic in ("delivery", "price", "support") else table[brand.category][topic])
        return pool

    def decorate(self, text: str, *, brand: Brand, lang: str, source: str, intent: str, casual: bool,
                 storm: bool = False) -> str:
        dice = self.dice
        key = KEY_OF_INTENT[intent]
        sep = "" if lang in CJK else " "
        if source in ("x", "bluesky", "mastodon"):
            if not casual and dice.chance(0.5):
                bang = "！" if lang in CJK else "!"
                text = end_sentence(text, lang, bang if intent == "positive" and dice.chance(0.3) else None)
            if storm and dice.chance(0.35):
                text += sep + dice.pick(texts.world()["storm_emoji"])
            elif not storm and dice.chance(0.3):
                text += sep + dice.pick(texts.world()["emoji"][brand.category][key])
            tags = texts.storm(lang)["tags"] if storm else brand.hashtags
            if dice.chance(0.45 if storm else 0.18):
                text += " " + dice.pick(tags)
            if source == "x" and intent == "negative" and dice.chance(0.3) and f"@{brand.handle}" not in text:
                text += f" @{brand.handle}"
        else:
            text = end_sentence(text, lang)
        if not names_brand(text, brand.name):
            text += " " + brand.hashtags[0] if source in ("x", "bluesky", "mastodon") else ""
        if not names_brand(text, brand.name):
            text = join_sentences([text, brand.name], lang) if lang in CJK else f"{text} ({brand.name})"
        if lang not in CJK and dice.chance(0.035):
            text = self._typo(text, brand)
        return text

    def _typo(self, text: str, brand: Brand) -> str:
        words = text.split(" ")
        spots = [i for i, word in enumerate(words) if len(word) >= 5 and word.isalpha()
                 and brand.name.lower() not in word.lower()]
        if not spots:
            return text
        i = self.dice.pick(spots)
        word = words[i]
        j = self.dice.between(1, len(word) - 2)
        words[i] = word[:j - 1] + word[j] + word[j - 1] + word[j + 1:]
        return " ".join(words)

    def fresh(self, make: Callable[[], str], tries: int = 8) -> str:
        """A text nobody in the stream has written yet (a few exact repeats slip through, as in life)."""
        text = make()
        for _ in range(tries):
            if text not in self.written:
                break
            text = make()
        self.written.add(text)
        return text

    def social_text(self, brand: Brand, lang: str, source: str, topic: str, *, reply_to: str | None = None) -> str:
        dice = self.dice
        table = texts.posts(lang)
        intent = INTENT_OF_TOPIC[topic]
        key = KEY_OF_INTENT[intent]
        opener_key = "q" if topic == "question" else key
        pool = self.topic_pool(brand, lang, topic)
        casual = lang == "en" and source in ("x", "bluesky", "mastodon") and dice.chance(0.45)
        limit = LIMITS.get(source, 10_000)

        def make() -> str:
            for attempt in range(6):
                parts = []
                if reply_to is None and dice.chance(0.28) and attempt < 3:
                    parts.append(dice.pick(table["open"][opener_key]))
                parts.append(dice.pick(pool))
                if dice.chance(0.38) and attempt < 3:
                    parts.append(dice.pick(table["extra"][key]))
                text = fill(join_sentences(parts, lang, capitalize=not casual), self.slots(brand, lang))
                if lang == "en" and not casual:
                    text = sentence_case(text)
                if casual and text[:1].isupper() and dice.chance(0.6) and not text.startswith(brand.name):
                    text = text[:1].lower() + text[1:]
                text = self.decorate(text, brand=brand, lang=lang, source=source, intent=intent, casual=casual)
                if reply_to:
                    text = f"@{reply_to.split('@')[0]} {text}"
                if len(text) <= limit:
                    return text
            return text[:limit]

        return self.fresh(make)

    def storm_text(self, lang: str, source: str, kind: str, *, reply_to: str | None = None) -> str:
        dice = self.dice
        brand = BRAND_BY_NAME[STORM_BRAND]
        table = texts.storm(lang)
        casual = lang == "en" and source in ("x", "bluesky", "mastodon") and dice.chance(0.5)
        pool = table[kind]
        intent = "neutral" if kind == "info" else "negative"

        def make() -> str:
            parts = [dice.pick(pool)]
            if kind != "info" and dice.chance(0.4):
                parts.append(dice.pick(table["extra"]))
            slots = self.slots(brand, lang, STORM_PRODUCT)
            text = fill(join_sentences(parts, lang, capitalize=not casual), slots)
            if lang == "en" and not casual:
                text = sentence_case(text)
            if source in ("x", "bluesky", "mastodon"):
                text = self.decorate(text, brand=brand, lang=lang, source=source, intent=intent, casual=casual,
                                      storm=True)
            else:
                text = end_sentence(text, lang)
            if reply_to:
                text = f"@{reply_to.split('@')[0]} {text}"
            return text[:LIMITS.get(source, 10_000)]

        return self.fresh(make)

    def reddit_post_text(self, brand: Brand, lang: str, group: str, *, storm: bool = False) -> str:
        """A title and a body: a few lines, or several paragraphs for the long ones."""
        dice = self.dice
        table = texts.reddit(lang)
        slots = self.slots(brand, lang, STORM_PRODUCT if storm else None)
        titles = table["title"] if storm or brand.category == "audio" else table["title_coffee"]
        title = fill(dice.pick(titles["storm" if storm else group]), slots)
        if storm:
            stext = texts.storm(lang)
            intro = dice.pick(table["intro"]["storm"])
            details = [dice.pick(table["storm_detail"])]
            details += [dice.pick(stext["defect"]), dice.pick(stext["refund"] + stext["worried"])]
            if lang == "en":
                details.insert(1, dice.pick(table["storm_detail"]))
            close = dice.pick(table["close"]["storm"])
            paragraphs = [intro, join_sentences([end_sentence(d, lang) for d in details[:2]], lang),
                          join_sentences([end_sentence(d, lang) for d in details[2:]], lang), close]
        else:
            # One storyline per post: what they like, what they wonder, or what broke and how support reacted.
            long = dice.chance(0.4 if lang == "en" else 0.25)
            plans = {"pos": ("praise",) * 7, "neu": ("question", "neutral") * 4,
                     "neg": ("defect", "defect", "support", "defect", "support", "defect", "support")}
            plan = plans[group] if long else (dice.pick(("defect", "delivery", "price", "support"))
                                              if group == "neg" else plans[group][0],)
            cores: list[str] = []
            for topic in plan[:7 if lang == "en" else 4]:
                pool = [c for c in self.topic_pool(brand, lang, topic) if c not in cores]
                if pool:
                    cores.append(dice.pick(pool))
            # Each sentence gets its own numbers; the product, its price and the shop stay the same. After the
            # first sentence people often drop the brand from the product's name ("the Halo", "die Uno").
            short = slots["p"].split(" ", 1)[1]
            cores = [fill(core, {**self.slots(brand, lang, slots["p"]), "price": slots["price"], "p2": slots["p2"],
                                  "shop": slots["shop"], "p": short if i and dice.chance(0.5) else slots["p"]})
                     for i, core in enumerate(cores)]
            intro = dice.pick(table["intro"][brand.category])
            close = dice.pick(table["close"][group])
            if long and lang == "en":
                # The long ones: some context, three paragraphs of experience, and the usual edit.
                intros = [intro, *[i for i in table["intro"][brand.category] if i != intro][:1]]
                paragraphs = [join_sentences(intros if dice.chance(0.5) else [intro], lang),
                              join_sentences([end_sentence(c, lang) for c in cores[:3]], lang),
                              join_sentences([end_sentence(c, lang) for c in cores[3:5]], lang),
                              join_sentences([end_sentence(c, lang) for c in cores[5:]], lang), close]
                if dice.chance(0.4):
                    paragraphs.append(dice.pick(table["edit"]))
            elif long:
                paragraphs = [intro, join_sentences([end_sentence(c, lang) for c in cores[:2]], lang),
                              join_sentences([end_sentence(c, lang) for c in cores[2:]], lang), close]
            else:
                paragraphs = [join_sentences([end_sentence(cores[0], lang), close], lang)]
        body = "\n\n".join(fill(p, slots) for p in paragraphs)
        if lang == "en":
            body = "\n\n".join(sentence_case(p) for p in body.split("\n\n"))
        text = f"{title}\n\n{body}"
        if not names_brand(text, brand.name):
            text += f"\n\n({brand.name})"
        return self.fresh(lambda: text, tries=0)
