"""The sample texts, loaded from `data/`, and the small helpers that fill and join them.

`data/texts/<lang>.json` holds one language's templates: `posts` (ordinary posts by topic and the
brands' own posts), `storm` (the complaint storm), `reddit` (titles and paragraphs of long posts) and,
for English, `hackernews`. `data/world.json` holds the people and places: names, handles' parts,
subreddits, Mastodon instances, news outlets, emoji and the storm's early warnings.
`data/texts/README.md` lists the slots a template may use.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any, cast

from brandpulse.demo.dice import Dice

DATA_DIR = Path(__file__).resolve().parent / "data"
CJK = frozenset({"zh", "ja"})
_SLOT = re.compile(r"\{(\w+)\}")
_TERMINAL = ".!?…:。！？：；"
_TRANSLIT = str.maketrans({"ß": "ss", "ł": "l", "Ł": "L", "ø": "o", "æ": "ae", "œ": "oe"})


#: A data file's templates, by name; JSON, so their shape is the file's (`data/texts/README.md`).
Templates = dict[str, Any]


def _read(name: str) -> Templates:
    return cast(Templates, json.loads((DATA_DIR / name).read_text(encoding="utf-8")))


@cache
def language(lang: str) -> Templates:
    """All templates of one language (`posts`, `storm`, and where the language has them `reddit`, `hackernews`)."""
    return _read(f"texts/{lang}.json")


@cache
def world() -> Templates:
    return _read("world.json")


def posts(lang: str) -> Templates:
    return cast(Templates, language(lang)["posts"])


def storm(lang: str) -> Templates:
    return cast(Templates, language(lang)["storm"])


def on_reddit(lang: str) -> bool:
    """Whether the language has Reddit templates (the demo keeps zh and ja speakers off Reddit)."""
    return "reddit" in language(lang)


def reddit(lang: str) -> Templates:
    """Long-post templates: titles, intros, details, closing lines, edits."""
    return cast(Templates, language(lang)["reddit"])


def hackernews() -> Templates:
    return cast(Templates, language("en")["hackernews"])


def fill(template: str, slots: dict[str, Any]) -> str:
    return _SLOT.sub(lambda match: str(slots[match.group(1)]), template)


def is_emoji(char: str) -> bool:
    return ord(char) >= 0x2190 and unicodedata.category(char) in ("So", "Sk", "Mn", "Cf")


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def join_sentences(parts: Sequence[str], lang: str, *, capitalize: bool = True) -> str:
    """Sentences joined as people write them: a full stop where one is missing, a capital after it."""
    out = ""
    for part in parts:
        part = part.strip()
        if not part:
            continue
        if not out:
            out = _cap(part) if capitalize else part
            continue
        last = out[-1]
        if lang in CJK:
            if last not in _TERMINAL + "、，," and not is_emoji(last):
                out += "。"
            out += part
            continue
        if last not in _TERMINAL + "," and not is_emoji(last):
            out += "."
            last = "."
        out += " " + (_cap(part) if capitalize and last in ".!?…" else part)
    return out


def end_sentence(text: str, lang: str, mark: str | None = None) -> str:
    if not text or text[-1] in _TERMINAL or is_emoji(text[-1]):
        return text
    return text + (mark or ("。" if lang in CJK else "."))


def sentence_case(text: str) -> str:
    """A capital after every full stop, question or exclamation mark (for English written properly)."""
    return re.sub(r"([.!?] )([a-z])", lambda m: m.group(1) + m.group(2).upper(), _cap(text))


def names_brand(text: str, name: str) -> bool:
    """Whether `text` names the brand as a word of its own ("@lumora", "#Lumora", "Lumora的"; not "@vexonaudio")."""
    return re.search(rf"(?<![A-Za-z]){re.escape(name)}(?![A-Za-z])", text, re.IGNORECASE) is not None


def _psych(value: float, step: int = 10) -> int:
    return max(step - 1, int(math.ceil(value / step) * step) - 1)


def price_text(dice: Dice, lang: str, usd: int) -> str:
    """The price as a person in that language would write it, in local currency."""
    if lang == "en":
        return f"${usd}" if dice.chance(0.65) else f"£{_psych(usd * 0.85)}"
    if lang in ("de", "fr", "it"):
        eur = _psych(usd * 0.95)
        forms = {"de": (f"{eur} €", f"{eur}€", f"{eur} Euro"), "fr": (f"{eur} €", f"{eur}€", f"{eur} euros"),
                 "it": (f"{eur} €", f"{eur} euro", f"€{eur}")}[lang]
        return dice.pick(forms)
    if lang == "es":
        if dice.chance(0.25):
            return f"${_psych(usd * 17.5, 100):,} MXN"
        eur = _psych(usd * 0.95)
        return dice.pick((f"{eur} €", f"{eur}€", f"{eur} euros"))
    if lang == "pl":
        return f"{_psych(usd * 4.0)} zł"
    if lang == "pt":
        return "R$ " + f"{_psych(usd * 5.6):,}".replace(",", ".")
    if lang == "zh":
        cny = _psych(usd * 7.2)
        return dice.pick((f"{cny}元", f"¥{cny}", f"{cny}块"))
    jpy = max(980, int(round(usd * 150, -3)) - 200)
    return dice.pick((f"{jpy:,}円", f"¥{jpy:,}"))


def url_slug(text: str, limit: int = 48) -> str:
    text = text.translate(_TRANSLIT)
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    words = re.findall(r"[a-z0-9]+", ascii_text)
    slug = "_".join(words)[:limit].rstrip("_")
    return slug or "post"
