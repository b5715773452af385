"""Tokenising social posts for theme names, in the posts' own languages.

Latin, Cyrillic, Greek, Arabic... scripts are split on word boundaries; Chinese and Japanese, written
without spaces, are cut into overlapping character bigrams (the usual choice for keyword statistics
without a segmenter), keeping only bigrams with at least one ideograph or katakana, since
hiragana-only pairs are mostly grammar; katakana words (loanwords such as バッテリー) stay whole.
Stopwords of the major languages, social-media noise and the caller's own excluded terms (the
brand's name) are dropped. Adjacent content words also form bigrams ("battery drain"), which name a
complaint better than either word alone.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_HANDLE = re.compile(r"[@#]\w+")
_TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*", re.UNICODE)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u31f0-\u31ff]+")
_IDEOGRAPH_OR_KATAKANA = re.compile(r"[\u30a0-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u31f0-\u31ff]")
#: Chinese characters that are grammar, not content: a bigram holding one of them says little.
_CJK_PARTICLES = set("的了吗呢吧啊么嘛呀哦是在和与及也就都很还又而且但")

_STOPWORDS_BY_LANGUAGE = {
    "en": """a about above after again against all also am an and any are aren't as at be because been before
        being below between both but by can can't cannot could couldn't did didn't do does doesn't doing don't
        down during each even ever every few for from further get gets got had hadn't has hasn't have haven't
        having he he'd he'll he's her here here's hers herself him himself his how how's i i'd i'll i'm i've
        if in into is isn't it it's its itself just let's like me more most much mustn't my myself no nor not
        now of off on once one only or other ought our ours ourselves out over own really same shan't she
        she'd she'll she's should shouldn't so some still such than that that's the their theirs them
        themselves then there there's these they they'd they'll they're they've this those through to too
        under until up upon us very was wasn't we we'd we'll we're we've were weren't what what's when
        when's where where's which while who who's whom why why's will with won't would wouldn't yet you
        you'd you'll you're you've your yours yourself yourselves im ive dont doesnt didnt cant wont isnt
        thats theres youre got get getting going gonna wanna want wants make made new way day days time
        thing things lot lots ever never always today yesterday tomorrow week again already""",
    "es": """a al algo algunas algunos ante antes como con contra cual cuando de del desde donde durante e el
        ella ellas ellos en entre era es esa esas ese eso esos esta estaba estado estan estar este esto estos
        esta está están estoy fue fueron ha han hasta hay la las le les lo los mas más me mi mis mucho muy
        nada ni no nos nosotros o otra otro para pero poco por porque que qué quien se ser si sí sin sobre
        son su sus también tan te tengo tiene tienen todo todos tu tus un una uno unos y ya yo""",
    "fr": """a ai au aux avec avez avons c ce ces cet cette ceci cela c'est d dans de des du elle elles en est
        et été être eu il ils j j'ai je l la le les leur lui m ma mais me même mes moi mon n ne ni nos notre
        nous on ont ou où par pas plus pour qu qu'il que qui s sa sans se ses si son sont sur ta te tes toi
        ton tous tout très tu un une vos votre vous y ça""",
    "de": """aber alle als also am an auch auf aus bei bin bis bist da damit dann das dass dem den der des die
        dies diese dieser doch du durch ein eine einem einen einer eines er es euch für hab habe haben hat
        hatte ich ihr im in ist ja jetzt kann kein keine mal man mein mich mir mit nach nicht noch nur oder
        schon sehr sein seine sich sie sind so um und uns von vor war warum was weil wenn wer wie wieder wir
        wird zu zum zur über""",
    "pt": """a ao aos as até com como da das de dela dele do dos e é ela ele eles em entre era essa esse esta
        está este eu foi for há isso isto já lhe mais mas me meu minha muito na não nas nem no nos nós o os
        ou para pela pelo por que quando se sem ser seu sua são também te tem tenho um uma você vocês""",
    "it": """a ad al alla alle anche ancora che chi ci come con cosa da dal dalla dei del della delle di e è
        gli ha hanno ho i il in io la le lei li lo loro lui ma mi mia mio molto ne nei nel nella no noi non
        o per perché più quando quella quello questa questo se si sono su sua suo ti tu tutto un una uno""",
    "nl": """aan al als bij dan dat de die dit door een en er het heb hebben heeft hij hoe ik in is je kan maar
        me met mijn niet nog nu of om ook op te tot uit van voor was wat we wel wij zijn zo""",
    "ru": """а без бы был была были было быть в вам вас весь во вот все всё вы где да для до его ее её если
        есть еще ещё же за и из или им их к как когда кто ли мне мы на над не нет ни но ну о об он она они
        от по под при с со так также там то тоже только у уже хотя что чтобы эта эти это я""",
    "social": """rt via amp http https www com lol omg pls plz u ur ya yeah yes ok okay hey hi thanks thank
        gt lt nbsp""",
}
STOPWORDS: frozenset[str] = frozenset(word for words in _STOPWORDS_BY_LANGUAGE.values() for word in words.split())


_KATAKANA_WORD = re.compile(r"[\u30a0-\u30ff\u31f0-\u31ff]{2,}")


def _cjk_bigrams(run: str) -> list[str]:
    """Character bigrams of a CJK run; katakana words (loanwords such as バッテリー) stay whole."""
    if _KATAKANA_WORD.search(run):
        grams, position = [], 0
        for word in _KATAKANA_WORD.finditer(run):
            grams += _cjk_bigrams(run[position:word.start()]) if word.start() > position else []
            grams.append(word.group(0))
            position = word.end()
        return grams + (_cjk_bigrams(run[position:]) if position < len(run) else [])
    if len(run) == 1:
        return [run] if _IDEOGRAPH_OR_KATAKANA.match(run) and run not in _CJK_PARTICLES else []
    grams = []
    for i in range(len(run) - 1):
        pair = run[i:i + 2]
        if _IDEOGRAPH_OR_KATAKANA.search(pair) and not (set(pair) & _CJK_PARTICLES):
            grams.append(pair)
    return grams


def _pieces(token: str) -> list[tuple[bool, str]]:
    """A word split into (is_cjk, text) runs: "iphone很卡" -> [(False, "iphone"), (True, "很卡")]."""
    pieces, position = [], 0
    for run in _CJK.finditer(token):
        if run.start() > position:
            pieces.append((False, token[position:run.start()]))
        pieces.append((True, run.group(0)))
        position = run.end()
    if position < len(token):
        pieces.append((False, token[position:]))
    return pieces


def excluded_terms(terms: Iterable[str]) -> frozenset[str]:
    """Terms to keep out of theme names: each term, its words, and its CJK bigrams."""
    out: set[str] = set()
    for term in terms:
        lowered = term.lower().strip()
        out.add(lowered)
        for match in _TOKEN.finditer(lowered):
            for is_cjk, piece in _pieces(match.group(0)):
                out.update(_cjk_bigrams(piece) if is_cjk else [piece])
    return frozenset(out)


def tokenize(text: str, *, exclude: frozenset[str] = frozenset(), bigrams: bool = True) -> list[str]:
    """The content terms of a post: words, CJK character bigrams and (optionally) adjacent word pairs.

    `exclude` comes from `excluded_terms` (the brand's own names, which every complaint contains).
    """
    text = _HANDLE.sub(" ", _URL.sub(" ", text.lower()))
    for term in sorted(exclude, key=len, reverse=True):  # whole names before their bigrams
        if len(term) > 1 and _CJK.search(term) and term in text:
            text = text.replace(term, " ")  # no bigram may straddle the brand's name
    terms: list[str] = []
    previous: str | None = None
    for match in _TOKEN.finditer(text):
        for is_cjk, piece in _pieces(match.group(0).replace("’", "'")):
            if is_cjk:
                terms.extend(gram for gram in _cjk_bigrams(piece) if gram not in exclude)
                previous = None
                continue
            word = piece.strip("'")
            if len(word) < 2 or word in STOPWORDS or word in exclude:
                previous = None
                continue
            terms.append(word)
            if bigrams and previous is not None:
                terms.append(f"{previous} {word}")
            previous = word
    return terms


def rising_terms(recent: Iterable[str], earlier: Iterable[str], exclude: frozenset[str],
                 limit: int) -> list[dict[str, Any]]:
    """Terms of the recent texts that grew most against the earlier ones (add-one smoothed), each used
    by at least two recent texts: {"term", "count", "previous", "change"} (change = count / (previous + 1))."""
    now_counts = Counter(term for text in recent for term in set(tokenize(text, exclude=exclude)))
    before_counts = Counter(term for text in earlier for term in set(tokenize(text, exclude=exclude)))
    ranked = sorted(((count / (before_counts[term] + 1), count, term) for term, count in now_counts.items()
                     if count >= 2), reverse=True)
    return [{"term": term, "count": count, "previous": before_counts[term], "change": round(ratio, 1)}
            for ratio, count, term in ranked[:limit]]
